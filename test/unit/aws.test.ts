import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Duration, Option, Runtime } from "effect"
import { cliSummary } from "../../src/commands/remedies.ts"
import { sharedCredentials } from "../../src/layers/AwsClients.ts"
import { bodyLine, callWith, classify, foreignAnswerStatus, idempotent, mayRetry, once, reconciled, toAwsError } from "../../src/layers/aws.ts"

const call = <A>(e: { region: string; maxAttempts: number }, c: typeof ctx, send: (signal: AbortSignal) => Promise<A>) =>
  callWith(e, c, send, idempotent)

const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: status, requestId: "req-1" },
    ...extra
  })

const env = { region: "eu-west-1", maxAttempts: 4 }
const ctx = { service: "EC2", operation: "StopInstances", action: "stop instance i-0abc (web-1)" }

describe("classify", () => {
  it("sorts AWS failures into categories", () => {
    assert.strictEqual(classify(sdkError("ThrottlingException", 400)), "throttling")
    assert.strictEqual(classify(sdkError("RequestLimitExceeded", 503)), "throttling")
    assert.strictEqual(classify(sdkError("Whatever", 429)), "throttling")
    assert.strictEqual(classify(sdkError("UnauthorizedOperation", 403)), "access-denied")
    assert.strictEqual(classify(sdkError("AccessDeniedException", 400)), "access-denied")
    assert.strictEqual(classify(sdkError("ExpiredToken", 400)), "credentials")
    assert.strictEqual(classify(sdkError("CredentialsProviderError")), "credentials")
    assert.strictEqual(classify(sdkError("InvalidInstanceID.NotFound", 400)), "not-found")
    assert.strictEqual(classify(sdkError("ResourceNotFoundException", 400)), "not-found")
    assert.strictEqual(classify(sdkError("NoSuchEntity", 404)), "not-found")
    assert.strictEqual(classify(sdkError("InternalError", 500)), "server")
    assert.strictEqual(classify(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })), "network")
    assert.strictEqual(classify(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })), "ambiguous")
    assert.strictEqual(classify(new Error("socket hang up")), "ambiguous")
    assert.strictEqual(classify(sdkError("LimitExceededException", 400)), "quota")
    assert.strictEqual(classify(sdkError("InstanceLimitExceeded", 400)), "quota")
    assert.strictEqual(classify(sdkError("InvalidParameterValue", 400)), "invalid")
    assert.strictEqual(classify(sdkError("InvalidAMIID.Malformed", 400)), "invalid")
  })

  it("builds errors whose sentence says what failed and what to do", () => {
    const denied = toAwsError({ ...ctx, region: "eu-west-1" })(sdkError("UnauthorizedOperation", 403))
    assert.strictEqual(denied._tag, "AwsAccessDenied")
    assert.strictEqual(
      denied.summary,
      "could not stop instance i-0abc (web-1) in eu-west-1: access denied for ec2:StopInstances. Ask for that permission, or use another profile"
    )
    // the CLI words the remedy with its flag
    assert.strictEqual(
      cliSummary(denied),
      "could not stop instance i-0abc (web-1) in eu-west-1: access denied for ec2:StopInstances. Ask for that permission, or use another --profile"
    )
    assert.strictEqual(denied.requestId, "req-1")
    const html = toAwsError(ctx)(sdkError("Error", 500, { message: "@aws-sdk XML parse error: mismatched tags" }))
    assert.strictEqual(html._tag, "AwsUnavailable")
    assert.include(html.summary, "AWS EC2 StopInstances answered HTTP 500")
    assert.notInclude(html.summary, "parse error")
  })
})

describe("answers that are not AWS errors", () => {
  /** What the SDK throws when an error body is not XML/JSON: the status, and the raw body on $response. */
  const unparsed = (status: number, body: string | Uint8Array, message = "@aws-sdk XML parse error: unexpected content.") => {
    const e = sdkError("Error", status, { message: `${message}\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.` })
    Object.defineProperty(e, "$response", { value: { statusCode: status, body }, enumerable: false })
    return e
  }
  const describeInstances = { service: "EC2", operation: "DescribeInstances", action: "list instances", region: "us-east-1" }

  it("a 5xx is the service failing: 'AWS <service> <operation> answered HTTP 500: <first line of the body>', never 'unreachable'", () => {
    const e = unparsed(500, "  Not implemented: DescribeInstances \nTraceback (most recent call last):\n")
    assert.strictEqual(classify(e), "server")
    assert.strictEqual(foreignAnswerStatus(e), 500)
    const error = toAwsError(describeInstances)(e)
    assert.strictEqual(error._tag, "AwsUnavailable")
    assert.strictEqual(error.code, "HTTP 500")
    assert.strictEqual(error.awsMessage, "Not implemented: DescribeInstances")
    assert.strictEqual(error[Runtime.errorExitCode], 6)
    assert.isTrue(error.summary.startsWith("could not list instances in us-east-1: AWS EC2 DescribeInstances answered HTTP 500: Not implemented: DescribeInstances. "))
    assert.notMatch(error.summary, /unreachable|network/)
  })

  it("a JSON protocol's unparsed body (kept as bytes), and a body naming no error code, count as foreign too", () => {
    const json = unparsed(502, new TextEncoder().encode("<html><title>502 Bad Gateway</title></html>"), "Unexpected token '<', \"<html><tit\"... is not valid JSON")
    Object.assign(json, { name: "SyntaxError" })
    assert.strictEqual(toAwsError(describeInstances)(json).awsMessage, "502 Bad Gateway")
    const noCode = sdkError("Unknown", 500, { message: "UnknownError", $fault: "server" })
    assert.strictEqual(classify(noCode), "server")
    const error = toAwsError(describeInstances)(noCode)
    assert.strictEqual(error.awsMessage, "")
    assert.include(error.summary, "answered HTTP 500. ")
  })

  it("an AWS-shaped error body cut short is a dropped answer (retried), not a foreign 404", () => {
    const cutJson = unparsed(404, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't fi`, "Unterminated string in JSON at position 73")
    Object.assign(cutJson, { name: "SyntaxError" })
    assert.strictEqual(classify(cutJson, "DescribeSecret"), "ambiguous")
    assert.isTrue(mayRetry("idempotent", "ambiguous"))
    const cutXml = unparsed(404, `<?xml version="1.0"?><ErrorResponse><Error><Code>InvalidInstanceID.NotFound</Co`)
    assert.strictEqual(classify(cutXml, "DescribeInstances"), "ambiguous")
    // a whole page that is not AWS's stays foreign
    assert.strictEqual(classify(unparsed(404, "<!doctype html>\n<html><h1>Not Found</h1></html>"), "DescribeInstances"), "endpoint")
    // no body kept (Secrets Manager's guarded calls): the parser's words tell
    const guarded = sdkError("SyntaxError", 404, { message: "Unterminated string in JSON at position 12" })
    assert.strictEqual(classify(guarded, "GetSecretValue"), "ambiguous")
  })

  it("--debug's cause for a foreign body says what it was: 'HTTP 503 from the service (HTML page): <title>'", () => {
    const page = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n</html>"
    const e = unparsed(503, new TextEncoder().encode(page), "Unexpected token '<', \"<html>\r\n<h\"... is not valid JSON")
    Object.assign(e, { name: "SyntaxError" })
    const error = toAwsError({ ...describeInstances, service: "Secrets Manager", operation: "GetSecretValue" })(e)
    assert.strictEqual((error.cause as Error).message, "HTTP 503 from the service (HTML page): 503 Service Temporarily Unavailable")
    assert.notInclude(String((error.cause as Error).stack), "\r")
  })

  it("an AWS 5xx names its code: 'answered HTTP 503 (ServiceUnavailable): <its message>'", () => {
    const error = toAwsError(describeInstances)(sdkError("ServiceUnavailable", 503, { message: "Service is busy", $fault: "server" }))
    assert.strictEqual(error._tag, "AwsUnavailable")
    assert.include(error.summary, "AWS EC2 DescribeInstances answered HTTP 503 (ServiceUnavailable): Service is busy")
  })

  it("a foreign 404 is an endpoint that does not serve the call: not 'not found', not retried, exit 6", () => {
    const e = unparsed(404, "<!doctype html>\n<html>\n<h1>Not Found</h1>\n</html>")
    assert.strictEqual(classify(e, "DescribeInstances"), "endpoint")
    assert.isFalse(mayRetry("idempotent", "endpoint"))
    const error = toAwsError(describeInstances)(e)
    assert.strictEqual(error._tag, "AwsUnavailable")
    assert.strictEqual(error[Runtime.errorExitCode], 6)
    assert.include(error.summary, "could not list instances in us-east-1: the endpoint does not serve EC2 DescribeInstances (HTTP 404): Not Found. ")
    // the SDK's own name for a bare 404 (XML protocols): foreign, except for S3's HEAD answers, which have no body
    const bare = sdkError("NotFound", 404, { message: "Unknown", $fault: "client" })
    assert.strictEqual(classify(bare, "DescribeInstances"), "endpoint")
    assert.strictEqual(classify(bare, "HeadBucket"), "not-found")
    // AWS's own errors stay AWS's, whatever their message says
    assert.strictEqual(classify(sdkError("SerializationException", 400, { message: "Unexpected token at 3" }), "RunTask"), "invalid")
    // AWS's own 404s stay "not found"
    assert.strictEqual(classify(sdkError("NoSuchEntity", 404), "GetRole"), "not-found")
    assert.strictEqual(toAwsError({ ...ctx, operation: "GetRole" })(sdkError("NoSuchEntity", 404))._tag, "AwsNotFound")
  })

  it.effect("a foreign 5xx is retried like any 5xx; a foreign 404 is not", () =>
    Effect.gen(function*() {
      let attempts = 0
      const fiber = yield* Effect.forkChild(
        call(env, describeInstances, () => {
          attempts++
          return Promise.reject(unparsed(500, "oops"))
        }).pipe(Effect.flip)
      )
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(attempts, env.maxAttempts)
      assert.include(error.summary, "answered HTTP 500: oops")
      attempts = 0
      const notServed = yield* call(env, describeInstances, () => {
        attempts++
        return Promise.reject(unparsed(404, "no route"))
      }).pipe(Effect.flip)
      assert.strictEqual(attempts, 1)
      assert.include(notServed.summary, "does not serve EC2 DescribeInstances (HTTP 404): no route")
    }))

  it("bodyLine: an HTML title, else the first line with text; tags, entities, control characters stripped; bounded", () => {
    assert.strictEqual(bodyLine("<html><head><title>502 Bad Gateway</title></head><body><h1>x</h1></body></html>"), "502 Bad Gateway")
    assert.strictEqual(bodyLine("<html>\n<body>\n<p>Gateway &amp; proxy &lt;down&gt;</p>\n</body>"), "Gateway & proxy <down>")
    assert.strictEqual(bodyLine("\n\n   first   line  \nsecond"), "first line")
    assert.strictEqual(bodyLine("\u001b[2J\u001b]0;title\u0007text\u202e"), "[2J ]0;title text")
    assert.strictEqual(bodyLine(""), "")
    const long = bodyLine("x".repeat(5000))
    assert.strictEqual(long.length, 200)
    assert.isTrue(long.endsWith("..."))
  })
})

describe("call", () => {
  it.effect("retries throttling with backoff, up to maxAttempts, then fails with AwsThrottled", () =>
    Effect.gen(function*() {
      let attempts = 0
      const fiber = yield* Effect.forkChild(
        call(env, ctx, () => {
          attempts++
          return Promise.reject(sdkError("ThrottlingException", 400))
        }).pipe(Effect.flip)
      )
      yield* Effect.yieldNow
      assert.strictEqual(attempts, 1)
      // 3 retries, each at most 5 s (capped) * 1.2 (jitter): 30 s of test time is enough.
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(attempts, 4)
      assert.strictEqual(error._tag, "AwsThrottled")
    }))

  it.effect("succeeds after a transient 5xx without surfacing it", () =>
    Effect.gen(function*() {
      let attempts = 0
      const fiber = yield* Effect.forkChild(
        call(env, ctx, () => (++attempts < 3 ? Promise.reject(sdkError("InternalError", 500)) : Promise.resolve("ok")))
      )
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), "ok")
      assert.strictEqual(attempts, 3)
    }))

  it.effect("never retries access denied, not found or invalid requests", () =>
    Effect.gen(function*() {
      for (const name of ["UnauthorizedOperation", "InvalidInstanceID.NotFound", "InvalidParameterValue"]) {
        let attempts = 0
        const error = yield* call(env, ctx, () => {
          attempts++
          return Promise.reject(sdkError(name, 400))
        }).pipe(Effect.flip)
        assert.strictEqual(attempts, 1, name)
        assert.notStrictEqual(error._tag, "AwsThrottled")
      }
    }))

  it.effect("waits between retries: nothing is retried before the first backoff elapses", () =>
    Effect.gen(function*() {
      let attempts = 0
      const fiber = yield* Effect.forkChild(
        call({ region: "us-east-1", maxAttempts: 2 }, ctx, () => {
          attempts++
          return Promise.reject(sdkError("ThrottlingException", 400))
        }).pipe(Effect.flip)
      )
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(attempts, 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(attempts, 2)
    }))

  it.effect("interruption aborts the in-flight request", () =>
    Effect.gen(function*() {
      let aborted = false
      const fiber = yield* Effect.forkChild(
        call(env, ctx, (signal) =>
          new Promise<never>((_, reject) => {
            signal.addEventListener("abort", () => {
              aborted = true
              reject(new Error("aborted"))
            })
          }))
      )
      yield* Effect.yieldNow
      yield* Fiber.interrupt(fiber)
      assert.isTrue(aborted)
    }))
})

const reset = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })

describe("call policies", () => {
  it("decide which categories may be retried", () => {
    for (const policy of ["idempotent", "tokenized", "reconciled", "once"] as const) {
      assert.isTrue(mayRetry(policy, "throttling"), policy)
      assert.isTrue(mayRetry(policy, "network"), policy)
      assert.isFalse(mayRetry(policy, "quota"), policy)
      assert.isFalse(mayRetry(policy, "invalid"), policy)
      assert.isFalse(mayRetry(policy, "access-denied"), policy)
    }
    assert.isTrue(mayRetry("idempotent", "ambiguous"))
    assert.isTrue(mayRetry("tokenized", "server"))
    assert.isFalse(mayRetry("once", "ambiguous"))
    assert.isFalse(mayRetry("once", "server"))
  })

  it.effect("once: a dropped connection is not retried, and the error says it may have been done", () =>
    Effect.gen(function*() {
      let attempts = 0
      const error = yield* callWith(env, { ...ctx, operation: "RegisterTaskDefinition", action: "register task definition x" }, () => {
        attempts++
        return Promise.reject(reset())
      }, once).pipe(Effect.flip)
      assert.strictEqual(attempts, 1)
      assert.strictEqual(error._tag, "AwsUnavailable")
      assert.include(error.summary, "may have been done")
    }))

  it.effect("reconciled: after a lost answer, what the request made is found and returned, and nothing is sent again", () =>
    Effect.gen(function*() {
      let attempts = 0
      let lookups = 0
      const result = yield* callWith(env, { ...ctx, operation: "SubmitJob", action: "submit job j" }, () => {
        attempts++
        return Promise.reject(reset())
      }, reconciled(Effect.sync(() => {
        lookups++
        return Option.some("job-1")
      }), (j) => `job ${j}`))
      assert.strictEqual(result, "job-1")
      assert.strictEqual(attempts, 1)
      assert.strictEqual(lookups, 1)
    }))

  it.effect("reconciled: when nothing is found the request is sent again; throttling is retried without a lookup", () =>
    Effect.gen(function*() {
      let attempts = 0
      let lookups = 0
      const fiber = yield* Effect.forkChild(callWith(env, { ...ctx, operation: "SubmitJob", action: "submit job j" }, () => {
        attempts++
        if (attempts === 1) return Promise.reject(sdkError("ThrottlingException", 400))
        if (attempts === 2) return Promise.reject(sdkError("InternalError", 500))
        return Promise.resolve("job-2")
      }, reconciled(Effect.sync(() => {
        lookups++
        return Option.none<string>()
      }), (j) => `job ${j}`)))
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), "job-2")
      assert.strictEqual(attempts, 3)
      assert.strictEqual(lookups, 1)
    }))

  it.effect("reconciled: when the lookup itself fails, nothing is sent again and the error is the lost answer", () =>
    Effect.gen(function*() {
      let attempts = 0
      const error = yield* callWith(env, { ...ctx, operation: "SubmitJob", action: "submit job j" }, () => {
        attempts++
        return Promise.reject(reset())
      }, reconciled(Effect.fail(toAwsError({ ...ctx, operation: "ListJobs" })(sdkError("AccessDeniedException", 400))), (j: string) => j))
        .pipe(Effect.flip)
      assert.strictEqual(attempts, 1)
      assert.strictEqual(error._tag, "AwsUnavailable")
      assert.strictEqual(error.operation, "SubmitJob")
      assert.include(error.summary, "may have been done")
    }))

  it("a dropped read says AWS is unreachable; a dropped change says it may have been done", () => {
    const read = toAwsError({ ...ctx, operation: "DescribeInstances", action: "list instances" })(reset())
    const change = toAwsError(ctx)(reset())
    const refused = toAwsError(ctx)(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
    assert.include(read.summary, "AWS is unreachable or failing")
    assert.include(change.summary, "may have been done")
    assert.include(refused.summary, "AWS is unreachable or failing")
  })

  it.effect("a quota is not throttling: not retried, AwsQuotaExceeded (exit 1) naming the limit", () =>
    Effect.gen(function*() {
      let attempts = 0
      const error = yield* call(env, ctx, () => {
        attempts++
        return Promise.reject(sdkError("LimitExceededException", 400))
      }).pipe(Effect.flip)
      assert.strictEqual(attempts, 1)
      assert.strictEqual(error._tag, "AwsQuotaExceeded")
      assert.include(error.summary, "an AWS limit was reached (LimitExceededException)")
    }))

  it.effect("an attempt with no answer within the request timeout is aborted and retried", () =>
    Effect.gen(function*() {
      let attempts = 0
      let aborted = 0
      const fiber = yield* Effect.forkChild(
        callWith({ ...env, maxAttempts: 2, requestTimeout: Duration.seconds(30) }, ctx, (signal) => {
          attempts++
          signal.addEventListener("abort", () => aborted++)
          return new Promise<never>(() => {})
        }, idempotent).pipe(Effect.flip)
      )
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual(attempts, 1)
      for (let i = 0; i < 40; i++) yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(attempts, 2)
      assert.strictEqual(aborted, 2)
      assert.strictEqual(error._tag, "AwsUnavailable")
      assert.strictEqual(error.code, "TimeoutError")
    }))
})

describe("sharedCredentials", () => {
  it("resolves the chain once for every client of the process, and again only near expiry", async () => {
    let chains = 0
    let resolutions = 0
    let expiration = new Date(Date.now() + 3600_000)
    const provider = sharedCredentials(undefined, async () => {
      chains++
      return async () => {
        resolutions++
        return { accessKeyId: "AKIA", secretAccessKey: "s", expiration }
      }
    })
    await Promise.all([provider(), provider(), provider()])
    await provider()
    assert.strictEqual(chains, 1)
    assert.strictEqual(resolutions, 1)
    expiration = new Date(Date.now() + 60_000)
    const p2 = sharedCredentials(undefined, async () => async () => {
      resolutions++
      return { accessKeyId: "AKIA", secretAccessKey: "s", expiration }
    })
    await p2()
    await p2()
    assert.strictEqual(resolutions, 3, "credentials that expire within five minutes are resolved again")
  })

  it("does not keep a failure: the next call tries again", async () => {
    let attempts = 0
    const provider = sharedCredentials(undefined, async () => async () => {
      if (++attempts === 1) throw new Error("no credentials")
      return { accessKeyId: "AKIA", secretAccessKey: "s" }
    })
    let failed = false
    await provider().catch(() => {
      failed = true
    })
    assert.isTrue(failed)
    assert.strictEqual((await provider()).accessKeyId, "AKIA")
  })
})
