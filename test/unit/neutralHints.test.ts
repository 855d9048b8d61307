/**
 * The library's errors give neutral advice: a program composing aegea's services has no `--region`
 * to pass. An error's `hint` speaks of the region, the profile, the endpoint; its `remedy` code names
 * the phrase the CLI words with its flags (src/commands/remedies.ts), where it prints errors
 * (src/report.ts), so the CLI's lines are unchanged.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { afterAll, describe, expect, it } from "vitest"
import { cliHint, cliSummary, remedyWords } from "../../src/commands/remedies.ts"
import {
  type AegeaError,
  AmbiguousName,
  AwsAccessDenied,
  AwsCredentialsMissing,
  AwsInvalidRequest,
  AwsNotFound,
  AwsQuotaExceeded,
  AwsThrottled,
  AwsUnavailable,
  ConfigError,
  OperationFailed,
  type Remedy,
  remedyPhrases,
  ResourceNotFound,
  UsageError
} from "../../src/errors.ts"
import { resolveAwsEnvironment } from "../../src/layers/AwsClients.ts"
import { describeFailure } from "../../src/report.ts"
import { checkContainerShape, type ContainerShape } from "../../src/services/batchRequests.ts"
import { checkTaskShape, type TaskShape } from "../../src/services/ecsRequests.ts"

/** The `--flag`s a text names, leaving out other programs' command lines ('aws ec2 ...'). */
const flagsIn = (text: string): Array<string> =>
  [...text.replace(/'aws [^']*'?/g, "").matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0])

const hintOf = (error: AegeaError) => (error as { readonly hint?: string }).hint

const aws = { action: "stop instance i-0abc (web-1)", service: "EC2", operation: "StopInstances", code: "X", awsMessage: "no", region: "eu-west-1" }

/** One error of each kind, in each of its variants. */
const libraryErrors: ReadonlyArray<AegeaError> = [
  new AwsCredentialsMissing(aws),
  new AwsAccessDenied(aws),
  new AwsNotFound(aws),
  new AwsNotFound({ ...aws, service: "IAM" }),
  new AwsInvalidRequest(aws),
  new AwsThrottled(aws),
  new AwsQuotaExceeded(aws),
  new AwsUnavailable({ ...aws, notServed: true, httpStatus: 404, endpoint: "http://127.0.0.1:1" }),
  new AwsUnavailable({ ...aws, code: "HTTP 502", httpStatus: 502 }),
  new AwsUnavailable({ ...aws, code: "ServiceUnavailable", httpStatus: 503 }),
  new AwsUnavailable({ ...aws, code: "ServiceUnavailable", httpStatus: 503, mayHaveTakenEffect: true }),
  new AwsUnavailable({ ...aws, code: "ECONNREFUSED" }),
  new AwsUnavailable({ ...aws, code: "ECONNRESET", mayHaveTakenEffect: true }),
  new AmbiguousName({ kind: "instance", name: "web", candidates: ["i-1", "i-2"] })
]

describe("library errors give neutral hints; the CLI adds its flags", () => {
  it("no error's hint or sentence, as a program reads them, names a --flag", () => {
    for (const error of libraryErrors) {
      expect(flagsIn(hintOf(error) ?? ""), `${error._tag}: ${hintOf(error)}`).toEqual([])
      expect(flagsIn(error.summary), error.summary).toEqual([])
    }
  })

  it("the CLI's line for the same errors names its flags where the hint has a remedy", () => {
    const cli = libraryErrors.map((error) => describeFailure(Cause.fail(error), { debug: false, isHelp: () => false }).message ?? "")
    expect(cli[1]).toBe("aegea: could not stop instance i-0abc (web-1) in eu-west-1: access denied for ec2:StopInstances. Ask for that permission, or use another --profile")
    expect(cli[2]).toBe("aegea: could not stop instance i-0abc (web-1) in eu-west-1: no. Check the name and the --region")
    expect(flagsIn(cli[3]!)).toEqual([]) // IAM is global: no region to change
    expect(cli[7]).toContain(". Check --endpoint-url and AWS_ENDPOINT_URL: they must name an AWS endpoint")
    expect(cli[8]).toMatch(/Try again later; an emulator or a proxy \(--endpoint-url, AWS_ENDPOINT_URL\) may not support this call$/)
    expect(cli[11]).toMatch(/Check your network and --endpoint-url, then try again$/)
    // no remedy: the same words as the library's
    expect(cli[0]).toBe(`aegea: ${libraryErrors[0]!.summary}`)
    expect(cli[13]).toBe(`aegea: ${libraryErrors[13]!.summary}`)
  })

  it("every remedy: a neutral phrase, and CLI words that name a flag aegea has", () => {
    const codes = Object.keys(remedyPhrases) as Array<Remedy>
    expect(Object.keys(remedyWords).sort()).toEqual([...codes].sort())
    for (const code of codes) {
      expect(flagsIn(remedyPhrases[code]), code).toEqual([])
      expect(flagsIn(remedyWords[code]).length, code).toBeGreaterThan(0)
      const error = new UsageError({ message: "bad", hint: `Well: ${remedyPhrases[code]}, then again`, remedy: code })
      expect(cliHint(error)).toBe(`Well: ${remedyWords[code]}, then again`)
      expect(cliSummary(error)).toBe(`bad. Well: ${remedyWords[code]}, then again`)
    }
    // the hint a program reads is unchanged by the CLI's wording
    const error = new ResourceNotFound({ kind: "instance", name: "web", hint: "Run 'aegea ls' to see the instances, or set the region", remedy: "other-region" })
    expect(cliSummary(error)).toBe(`no instance named "web". Run 'aegea ls' to see the instances, or pass --region`)
    expect(error.hint).toBe("Run 'aegea ls' to see the instances, or set the region")
  })

  it("an error that quotes the one it wraps (its cause) gets the CLI's words for both", () => {
    const inner = new AwsNotFound(aws)
    const outer = new OperationFailed({ message: `launched web-1 (i-0abc), but ${inner.summary}`, hint: "It is running", cause: inner })
    expect(flagsIn(outer.summary)).toEqual([])
    expect(cliSummary(outer)).toBe("launched web-1 (i-0abc), but could not stop instance i-0abc (web-1) in eu-west-1: no. Check the name and the --region. It is running")
  })

  it("errors without a remedy print as they are", () => {
    for (const error of [new OperationFailed({ message: "job failed", hint: "See its logs" }), new ConfigError({ message: "bad config" })]) {
      expect(cliSummary(error)).toBe(error.summary)
    }
  })
})

describe("request checks: the request field to a program, the flag in the CLI", () => {
  const fargate: ContainerShape = { image: "ubuntu", vcpus: 1, memoryMiB: 2048, gpus: 0, platform: "FARGATE", logGroup: "/aws/batch/job", executionRoleArn: "arn:aws:iam::123456789012:role/x" }
  const ec2: ContainerShape = { ...fargate, platform: "EC2", executionRoleArn: undefined }
  const task: TaskShape = { image: "ubuntu", cpu: 256, memoryMiB: 512, executionRoleArn: "arn:aws:iam::123456789012:role/x", logGroup: "/aegea/ecs", region: "us-east-1" }
  const bad: Array<[string, Effect.Effect<void, UsageError>]> = [
    ["memoryMiB", checkContainerShape({ ...ec2, memoryMiB: 2 })],
    ["vcpus", checkContainerShape({ ...ec2, vcpus: 0 })],
    ["vcpus", checkContainerShape({ ...ec2, vcpus: 1.5 })],
    ["gpus", checkContainerShape({ ...ec2, gpus: -1 })],
    ["vcpus/memoryMiB", checkContainerShape({ ...fargate, memoryMiB: 1000 })],
    ["gpus", checkContainerShape({ ...fargate, gpus: 1 })],
    ["retryAttempts", checkContainerShape({ ...ec2, retryAttempts: 11 })],
    ["timeoutSeconds", checkContainerShape({ ...ec2, timeoutSeconds: 5 })],
    ["volumes", checkContainerShape({ ...ec2, volumes: [{ hostPath: "/x", containerPath: "rel" }] })],
    ["volumes", checkContainerShape({ ...ec2, volumes: [{ hostPath: "x", containerPath: "/x" }] })],
    ["efsVolumes", checkContainerShape({ ...fargate, efsVolumes: [{ fileSystemId: "fs-1", containerPath: "efs" }] })],
    ["storage", checkContainerShape({ ...ec2, storage: [{ mount: "/s", sizeGiB: 0 }] })],
    ["ulimits", checkContainerShape({ ...ec2, ulimits: [{ name: "nofile", softLimit: 10, hardLimit: 5 }] })],
    ["privileged", checkContainerShape({ ...fargate, privileged: true })],
    ["volumes", checkContainerShape({ ...fargate, volumes: [{ hostPath: "/x", containerPath: "/x" }] })],
    ["mountInstanceStorage", checkContainerShape({ ...fargate, mountInstanceStorage: true })],
    ["storage", checkContainerShape({ ...fargate, storage: [{ mount: "/a", sizeGiB: 30 }, { mount: "/b", sizeGiB: 30 }] })],
    ["storage", checkContainerShape({ ...fargate, storage: [{ mount: "/a", sizeGiB: 500 }] })],
    ["cpu/memoryMiB", checkTaskShape({ ...task, memoryMiB: 4096 })],
    ["taskName", checkTaskShape({ ...task, taskName: "bad name" })]
  ]

  it("each bad value: a sentence and hint without --flags, its field, and the CLI's line naming its flag", () => {
    for (const [field, check] of bad) {
      const error = Effect.runSync(Effect.flip(check))
      expect(error.input?.field, error.summary).toBe(field)
      expect(flagsIn(`${error.summary} ${error.hint ?? ""}`), error.summary).toEqual([])
      const cli = cliSummary(error)
      expect(cli).not.toBe(error.summary)
      expect(flagsIn(cli).length, cli).toBeGreaterThan(0)
      for (const flag of error.input!.flag.split("/")) expect(flagsIn(cli), cli).toContain(flag)
    }
  })

  it("the CLI's lines are the flag-named ones it printed before", () => {
    const cli = (check: Effect.Effect<void, UsageError>) => cliSummary(Effect.runSync(Effect.flip(check)))
    const memory = Effect.runSync(Effect.flip(bad[0]![1]))
    expect(memory.summary).toBe("invalid memory 2 MiB: give the memory in MiB, at least 4. e.g. 4096")
    expect(cliSummary(memory)).toBe("invalid --memory 2: give the memory in MiB, at least 4. e.g. --memory 4096")
    expect(cliHint(memory)).toBe("e.g. --memory 4096")
    expect(memory.input?.flag).toBe("--memory")
    expect(cli(checkContainerShape({ ...fargate, memoryMiB: 1000 }))).toBe(
      "invalid --memory/--vcpus for Fargate: Fargate with 1 vCPU needs --memory 2048 to 8192 in steps of 1024 (MiB), not 1000. Or pass --platform EC2 with an EC2 queue"
    )
    expect(cli(checkTaskShape({ ...task, memoryMiB: 4096 }))).toBe(
      "invalid --fargate-cpu/--fargate-memory: Fargate with 0.25 vCPUs needs --fargate-memory 512, 1024, 2048 (MiB), not 4096. --fargate-cpu takes CPU units (256 = 0.25 vCPU, 1024 = 1 vCPU) and --fargate-memory MiB"
    )
    expect(cli(checkContainerShape({ ...fargate, storage: [{ mount: "/a", sizeGiB: 500 }] }))).toBe(
      "invalid --storage /a=500: Fargate ephemeral storage is 21 to 200 GiB. Pass --platform EC2 (with an EC2 queue or cluster) for larger instance storage"
    )
    // through the CLI's error report, as bin.ts prints it
    expect(describeFailure(Cause.fail(memory), { debug: false, isHelp: () => false }).message).toBe(`aegea: ${cliSummary(memory)}`)
  })
})

describe("AwsClients' configuration errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "aegea-neutral-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const empty = join(dir, "config")
  writeFileSync(empty, "")

  it("no region, and a bad endpoint URL: neutral to a program, flags in the CLI's words", async () => {
    process.env.AWS_CONFIG_FILE = empty
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "missing")
    const noRegion = await Effect.runPromise(Effect.flip(resolveAwsEnvironment({}, {})))
    expect(noRegion.hint).toBe("Set AWS_REGION, or the region option of AwsClients")
    expect(cliSummary(noRegion)).toBe("no AWS region configured. Pass --region or set AWS_REGION")
    const withProfile = await Effect.runPromise(Effect.flip(resolveAwsEnvironment({}, { AWS_PROFILE: "default" })))
    expect(flagsIn(withProfile.summary)).toEqual([])
    const badEndpoint = await Effect.runPromise(Effect.flip(resolveAwsEnvironment({ region: "us-east-1", endpointUrl: "localhost:5000" }, {})))
    expect(flagsIn(badEndpoint.summary)).toEqual([])
    expect(cliSummary(badEndpoint)).toBe(`invalid endpoint URL "localhost:5000". Pass a URL such as http://127.0.0.1:5000 to --endpoint-url`)
  })
})

// ---------------------------------------------------------------------------------------------
// Every hint written in the library's source: no `--flag` but in a command line it quotes
// ('aegea ls', 'aws ...'), which a program's user can run as well.

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src")
const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : name.endsWith(".ts") ? [path] : []
  })

/**
 * Files whose hints speak CLI, each with why. (The input checks of request shapes, checkContainerShape,
 * checkTaskShape and storageProblem, name the request field; their `input` carries the CLI's words.)
 */
const notYetNeutral: Readonly<Record<string, string>> = {
  "lib/executePayload.ts": "executePayload (the --execute payload) is called by the CLI's tests only: no library function reaches it",
  "lib/query.ts": "--query: the CLI's output option, applied by Output only when the CLI's --query sets it",
  "workflows/sshConnection.ts": "the ssh/scp connection set-up is CLI only (nothing in src/api exports it): its hints name ssh's --no-ssm / --ssm-plugin"
}

/** The string literals of the expression after each `hint:` (up to the next property or the end of the object). */
const libraryHints = ["layers", "services", "workflows", "lib", "testing"].flatMap((dir) =>
  walk(join(src, dir)).flatMap((file) => {
    const name = relative(src, file).split("\\").join("/")
    const code = readFileSync(file, "utf8")
    return [...code.matchAll(/\bhint:/g)].flatMap((m) => {
      const rest = code.slice(m.index + "hint:".length, m.index + 600)
      const end = rest.search(/,\s*\n\s*[\w.]+[?]?:|,?\s*\n?\s*\}\)|\n\s*\}/)
      const expression = end < 0 ? rest : rest.slice(0, end)
      const line = code.slice(0, m.index).split("\n").length
      return [...expression.matchAll(/"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((s) => ({ name, line, text: s[0] }))
    })
  })
)

describe("hints in the library's source", () => {
  it("finds them", () => {
    expect(libraryHints.length).toBeGreaterThan(30)
    expect(libraryHints.some((h) => h.name === "layers/AwsClients.ts")).toBe(true)
    // both sides of a conditional hint
    expect(libraryHints.some((h) => h.name === "workflows/efsVolumes.ts" && h.text.includes("aegea efs create"))).toBe(true)
    expect(libraryHints.some((h) => h.name === "workflows/efsVolumes.ts" && h.text.includes("to see the file systems"))).toBe(true)
    expect(libraryHints.some((h) => h.name === "workflows/sshConnection.ts" && h.text.includes("use --private"))).toBe(true)
  })

  it("a remedy given in a file goes with a hint of that file that holds its phrase (else the CLI words nothing)", () => {
    const uses = ["layers", "services", "workflows", "lib", "testing"].flatMap((dir) =>
      walk(join(src, dir)).flatMap((file) => {
        const code = readFileSync(file, "utf8")
        return [...code.matchAll(/\bremedy:\s*"([a-z-]+)"|, "([a-z-]+)"\)/g)]
          .map((m) => (m[1] ?? m[2]) as Remedy)
          .filter((code) => code in remedyPhrases)
          .map((remedy) => ({ file: relative(src, file), remedy, code }))
      })
    )
    expect(uses.length).toBeGreaterThan(10)
    expect(uses.filter((u) => !u.code.includes(remedyPhrases[u.remedy])).map((u) => `${u.file}: ${u.remedy}`)).toEqual([])
  })

  it("name no --flag outside a command line they quote", () => {
    const problems = libraryHints
      .filter((h) => notYetNeutral[h.name] === undefined)
      .filter((h) => flagsIn(h.text.replace(/'aegea [^']*'?/g, "")).length > 0)
      .map((h) => `src/${h.name}:${h.line}: ${h.text}`)
    expect(problems).toEqual([])
  })
})
