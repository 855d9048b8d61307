/**
 * The CloudTrail contract: the same scenarios against CloudTrailMemory (test/unit) and CloudTrailLive
 * on moto (test/integration). moto has no LookupEvents: there the lookup scenarios are replaced by
 * the one failure a user sees (AwsUnavailable naming CloudTrail LookupEvents).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Stream } from "effect"
import { CloudTrail, type TrailEvent } from "../../src/services/CloudTrail.ts"

export interface TrailFixture {
  readonly name: string
  readonly bucket: string
  readonly multiRegion: boolean
  readonly logGroup?: string
  readonly logging: boolean
}

export interface CloudTrailHarness {
  /** A layer over a store holding these trails and events (and otherwise unrelated contents). */
  readonly make: (seed: { readonly trails?: ReadonlyArray<TrailFixture>; readonly events?: ReadonlyArray<TrailEvent> }) => Promise<Layer.Layer<CloudTrail>>
  /** Whether the endpoint serves LookupEvents (moto does not). */
  readonly lookupServed: boolean
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<CloudTrail>, f: (s: CloudTrail["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* CloudTrail)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const hour = 3_600_000
const event = (n: number, overrides: Partial<TrailEvent> = {}): TrailEvent => ({
  id: `event-${n}`,
  time: new Date(Date.now() - n * hour),
  user: "alice",
  event: "RunInstances",
  source: "ec2.amazonaws.com",
  resource: `i-${n}`,
  resources: [{ type: "AWS::EC2::Instance", name: `i-${n}` }],
  sourceIp: "198.51.100.7",
  readOnly: false,
  ...overrides
})

export const cloudTrailContract = (label: string, harness: CloudTrailHarness) =>
  describe(`CloudTrail contract (${label})`, () => {
    it("lists trails with home region, multi-region, logging status, bucket and log group", async () => {
      const on = fresh("on")
      const off = fresh("off")
      const layer = await harness.make({
        trails: [
          { name: on, bucket: `${on}-bucket`, multiRegion: true, logGroup: `${on}-logs`, logging: true },
          { name: off, bucket: `${off}-bucket`, multiRegion: false, logging: false }
        ]
      })
      const trails = await run(layer, (c) => c.trails())
      const first = trails.find((t) => t.name === on)
      const second = trails.find((t) => t.name === off)
      assert.isDefined(first)
      assert.isDefined(second)
      assert.strictEqual(first!.region, "us-east-1")
      assert.strictEqual(first!.multiRegion, true)
      assert.strictEqual(first!.logging, true)
      assert.strictEqual(first!.s3Bucket, `${on}-bucket`)
      assert.strictEqual(first!.logGroup, `${on}-logs`)
      assert.include(first!.arn, `:trail/${on}`)
      assert.strictEqual(second!.multiRegion, false)
      assert.strictEqual(second!.logging, false)
      assert.isUndefined(second!.logGroup)
    })

    if (harness.lookupServed) {
      it("looks up events in the time range, newest first, every attribute matched", async () => {
        const events = [
          event(1),
          event(2, { user: "bob" }),
          event(3, { event: "TerminateInstances" }),
          event(30, { user: "alice" }),
          event(4, { event: "GetObject", source: "s3.amazonaws.com", readOnly: true })
        ]
        const layer = await harness.make({ events })
        const since = (hours: number) => new Date(Date.now() - hours * hour - 60_000)
        const all = await run(layer, (c) => Stream.runCollect(c.lookup({ attributes: [], start: since(5) })))
        assert.deepStrictEqual(all.map((e) => e.id), ["event-1", "event-2", "event-3", "event-4"])
        const alice = await run(layer, (c) =>
          Stream.runCollect(c.lookup({
            attributes: [{ key: "Username", value: "alice" }, { key: "EventName", value: "RunInstances" }],
            start: since(48)
          })))
        assert.deepStrictEqual(alice.map((e) => e.id), ["event-1", "event-30"])
        const windowed = await run(layer, (c) =>
          Stream.runCollect(c.lookup({ attributes: [{ key: "ReadOnly", value: "false" }], start: since(3), end: new Date(Date.now() - 90 * 60_000) })))
        assert.deepStrictEqual(windowed.map((e) => e.id), ["event-2", "event-3"])
        const byResource = await run(layer, (c) => Stream.runCollect(c.lookup({ attributes: [{ key: "ResourceName", value: "i-3" }], start: since(5) })))
        assert.deepStrictEqual(byResource.map((e) => e.event), ["TerminateInstances"])
      })

      it("a bounded lookup reads only the pages it needs", async () => {
        const events = Array.from({ length: 120 }, (_, i) => event(0, { id: `bulk-${i}`, time: new Date(Date.now() - (i + 1) * 1000) }))
        const layer = await harness.make({ events })
        const taken = await run(layer, (c) => Stream.runCollect(c.lookup({ attributes: [], start: new Date(Date.now() - hour) }).pipe(Stream.take(3))))
        assert.deepStrictEqual(taken.map((e) => e.id), ["bulk-0", "bulk-1", "bulk-2"])
      })
    } else {
      it("lookup where LookupEvents is not served: one typed failure naming CloudTrail LookupEvents", async () => {
        const layer = await harness.make({})
        const exit = await Effect.runPromise(Effect.gen(function*() {
          return yield* Stream.runCollect((yield* CloudTrail).lookup({ attributes: [], start: new Date(Date.now() - hour) }))
        }).pipe(Effect.provide(layer), Effect.exit))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
          const error = reason !== undefined && reason._tag === "Fail" ? reason.error as { _tag: string; service: string; operation: string } : undefined
          assert.strictEqual(error?._tag, "AwsUnavailable")
          assert.strictEqual(error?.service, "CloudTrail")
          assert.strictEqual(error?.operation, "LookupEvents")
        }
      })
    }
  })
