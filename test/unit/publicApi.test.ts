/**
 * The public API of `aegea` (src/index.ts, docs/architecture.md "Public API"): namespaces with their
 * services and live layers, and none of the CLI's internals. That no export requires the CLI's `Output`
 * is checked by the type checker (`npx tsc --noEmit`): `RequiresOutput` below must be `never`.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import * as Api from "../../src/index.ts"
import type { Output } from "../../src/services/Output.ts"
import type * as WatchJob from "../../src/workflows/watchJob.ts"

/** What an export requires: the context of the Effect, Stream or Layer it is or returns. */
type Requires<T> = T extends (...args: ReadonlyArray<never>) => infer R ? Requires<R>
  : T extends Effect.Effect<infer _A, infer _E, infer R> ? R
  : T extends Stream.Stream<infer _A, infer _E, infer R> ? R
  : T extends Layer.Layer<infer _A, infer _E, infer R> ? R
  : never
/** The members of a module that require `Output` (a generic's `unknown` context does not count). */
type NeedsOutput<M> = { [K in keyof M]: unknown extends Requires<M[K]> ? never : [Output] extends [Requires<M[K]>] ? K : never }[keyof M]
type Namespaces = { [N in keyof typeof Api]: (typeof Api)[N] extends object ? (typeof Api)[N] : never }
type RequiresOutput = { [N in keyof Namespaces]: NeedsOutput<Namespaces[N]> extends infer K ? K extends string ? `${N}.${K}` : never : never }[keyof Namespaces]

// A name here is an export that needs the CLI's Output: make it report through Progress, or keep it internal.
const noneRequiresOutput: [RequiresOutput] extends [never] ? true : RequiresOutput = true
// The check finds what it is meant to find: the CLI's rendering of a job's watch needs Output.
const watchJobRequiresOutput: NeedsOutput<typeof WatchJob> = "watchJob"

/** The namespaces of AWS services, each with its live layer as `layer`. */
const serviceNamespaces = [
  "Ec2", "Ssm", "Batch", "Ecs", "Ecr", "Logs", "S3", "Secrets", "Route53", "Rds", "Iam", "Elb", "Efs",
  "CostExplorer", "Pricing", "Billing", "Audit", "Lambda", "StepFunctions", "CloudWatch", "CloudTrail", "FlowLogs", "Inventory"
] as const

describe("the public API (src/index.ts)", () => {
  it("no export requires the CLI's Output (checked by tsc)", () => {
    expect(noneRequiresOutput).toBe(true)
    expect(watchJobRequiresOutput).toBe("watchJob")
  })

  it("every service namespace has its live layer as `layer`, and Aws.layer makes the environment", () => {
    for (const name of serviceNamespaces) {
      const ns = Api[name] as unknown as Record<string, unknown>
      expect(Layer.isLayer(ns["layer"]), `${name}.layer`).toBe(true)
    }
    expect(Layer.isLayer(Api.Aws.layer({ region: "eu-west-1" }))).toBe(true)
    expect(Api.Ec2.Ec2.key).toBe("aegea/Ec2")
  })

  it("exports namespaces and the errors flat, and none of the CLI's internals", () => {
    const top = Object.keys(Api)
    expect(top).toEqual(expect.arrayContaining([...serviceNamespaces, "Aws", "Config", "Schedules", "Watch", "Progress"]))
    expect(top).toEqual(expect.arrayContaining(["ResourceNotFound", "AwsAccessDenied", "exitCodeOf", "isAegeaError"]))
    const everywhere = [...top, ...top.flatMap((n) => {
      const value = (Api as Record<string, unknown>)[n]
      return typeof value === "object" && value !== null && !("_tag" in value) ? Object.keys(value) : []
    })]
    for (const internal of ["cli", "version", "detectSettings", "Output", "OutputLive", "watchJob", "watchTask", "watchLoop", "renderWatch", "withConfigDefaults", "parseTimeFlag", "formatTable"]) {
      expect(everywhere, internal).not.toContain(internal)
    }
  })
})
