/**
 * The FlowLogs contract: the same scenarios against FlowLogsMemory (test/unit) and FlowLogsLive on
 * moto (test/integration).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Stream } from "effect"
import { FlowLogs } from "../../src/services/FlowLogs.ts"

export interface FlowLogsHarness {
  /** A layer over a region holding one fresh VPC, and its id. */
  readonly make: () => Promise<{ readonly layer: Layer.Layer<FlowLogs>; readonly vpcId: string }>
}

const run = <A, E>(layer: Layer.Layer<FlowLogs>, f: (s: FlowLogs["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* FlowLogs)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<FlowLogs>, f: (s: FlowLogs["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* FlowLogs)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; code?: string }
}

const role = "arn:aws:iam::123456789012:role/aegea.flow_logs"

export const flowLogsContract = (label: string, harness: FlowLogsHarness) =>
  describe(`FlowLogs contract (${label})`, () => {
    it("creates a flow log to a log group and lists it, alone or among all", async () => {
      const { layer, vpcId } = await harness.make()
      const group = `contract-flows-${Date.now().toString(36)}`
      const id = await run(layer, (f) => f.create({ resourceId: vpcId, resourceType: "VPC", logGroup: group, roleArn: role, trafficType: "ALL" }))
      assert.match(id, /^fl-[0-9a-f]+$/)
      const [one] = await run(layer, (f) => Stream.runCollect(f.list([id])))
      assert.strictEqual(one?.id, id)
      assert.strictEqual(one?.resourceId, vpcId)
      assert.strictEqual(one?.logGroup, group)
      assert.strictEqual(one?.trafficType, "ALL")
      assert.strictEqual(one?.destinationType, "cloud-watch-logs")
      assert.strictEqual(one?.roleArn, role)
      assert.include((await run(layer, (f) => Stream.runCollect(f.list()))).map((f) => f.id), id)

      const twice = await failureOf(layer, (f) =>
        f.create({ resourceId: vpcId, resourceType: "VPC", logGroup: group, roleArn: role, trafficType: "ALL" }))
      assert.strictEqual(twice._tag, "AwsInvalidRequest")
    })

    it("a VPC that does not exist is not found", async () => {
      const { layer, vpcId } = await harness.make()
      assert.isTrue(await run(layer, (f) => f.exists(vpcId, "VPC")))
      assert.isFalse(await run(layer, (f) => f.exists("vpc-0000000000deadbee", "VPC")))
      assert.isFalse(await run(layer, (f) => f.exists("subnet-0000000000deadbee", "Subnet")))
      const missing = await failureOf(layer, (f) =>
        f.create({ resourceId: "vpc-0000000000deadbee", resourceType: "VPC", logGroup: "g", roleArn: role, trafficType: "ALL" }))
      assert.strictEqual(missing._tag, "AwsNotFound")
    })
  })
