import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { call, classify, toAwsError } from "../../src/layers/aws.ts"

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
    assert.strictEqual(classify(sdkError("InternalError", 500)), "unavailable")
    assert.strictEqual(classify(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })), "unavailable")
    assert.strictEqual(classify(sdkError("InvalidParameterValue", 400)), "invalid")
    assert.strictEqual(classify(sdkError("InvalidAMIID.Malformed", 400)), "invalid")
  })

  it("builds errors whose sentence says what failed and what to do", () => {
    const denied = toAwsError({ ...ctx, region: "eu-west-1" })(sdkError("UnauthorizedOperation", 403))
    assert.strictEqual(denied._tag, "AwsAccessDenied")
    assert.strictEqual(
      denied.summary,
      "could not stop instance i-0abc (web-1) in eu-west-1: access denied for ec2:StopInstances. Ask for that permission, or use another --profile"
    )
    assert.strictEqual(denied.requestId, "req-1")
    const html = toAwsError(ctx)(sdkError("Error", 500, { message: "@aws-sdk XML parse error: mismatched tags" }))
    assert.strictEqual(html._tag, "AwsUnavailable")
    assert.include(html.summary, "HTTP 500 with an unreadable body")
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
