/**
 * The EC2 contract: the same scenarios against the in-memory layer (test/unit) and the live layer
 * on moto (test/integration), so the two cannot drift.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, type Layer, Stream } from "effect"
import { Ec2, waitForState } from "../../src/services/Ec2.ts"

export interface SeedInstance {
  readonly name: string
  readonly type?: string
  readonly tags?: Readonly<Record<string, string>>
}

export interface Ec2Harness {
  /** A fresh layer with these instances (all running); returns the layer and their ids in order. */
  readonly make: (instances: ReadonlyArray<SeedInstance>) => Promise<{ layer: Layer.Layer<Ec2>; ids: ReadonlyArray<string> }>
  /** How often waitForState polls (fast for memory, slower for moto). */
  readonly pollEvery: Duration.Input
}

const run = <A, E>(layer: Layer.Layer<Ec2>, effect: Effect.Effect<A, E, Ec2>) =>
  Effect.runPromise(effect.pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const withEc2 = <A, E>(f: (ec2: Ec2["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    return yield* f(yield* Ec2)
  })

const list = Effect.gen(function*() {
  return yield* Stream.runCollect((yield* Ec2).instances())
})

export const ec2Contract = (label: string, harness: Ec2Harness) =>
  describe(`Ec2 contract (${label})`, () => {
    it("lists every instance with its name, type, state and tags", async () => {
      const { layer, ids } = await harness.make([
        { name: "web-1", type: "t3.micro", tags: { env: "prod" } },
        { name: "web-2", type: "t3.small" },
        { name: "db-1", type: "m5.large", tags: { env: "prod" } }
      ])
      const all = await run(layer, list)
      assert.deepStrictEqual(all.map((i) => i.id).sort(), [...ids].sort())
      const web1 = all.find((i) => i.name === "web-1")
      assert.strictEqual(web1?.type, "t3.micro")
      assert.strictEqual(web1?.state, "running")
      assert.strictEqual(web1?.tags.env, "prod")
      assert.strictEqual(web1?.lifecycle, "on-demand")
    })

    it("filters by tag, name and state", async () => {
      const { layer } = await harness.make([
        { name: "web-1", tags: { env: "prod" } },
        { name: "web-2", tags: { env: "dev" } },
        { name: "db-1", tags: { env: "prod" } }
      ])
      const prod = await run(layer, withEc2((ec2) => Stream.runCollect(ec2.instances({ tags: { env: ["prod"] } }))))
      assert.deepStrictEqual(prod.map((i) => i.name).sort(), ["db-1", "web-1"])
      const named = await run(layer, withEc2((ec2) => Stream.runCollect(ec2.instances({ names: ["web-2"] }))))
      assert.deepStrictEqual(named.map((i) => i.name), ["web-2"])
      const stopped = await run(layer, withEc2((ec2) => Stream.runCollect(ec2.instances({ states: ["stopped"] }))))
      assert.strictEqual(stopped.length, 0)
    })

    it("resolves names and ids, and reports missing and ambiguous names", async () => {
      const { layer, ids } = await harness.make([{ name: "api" }, { name: "twin" }, { name: "twin" }])
      const byName = await run(layer, withEc2((ec2) => ec2.resolveInstance("api")))
      assert.strictEqual(byName.id, ids[0])
      const byId = await run(layer, withEc2((ec2) => ec2.resolveInstance(ids[1]!)))
      assert.strictEqual(byId.name, "twin")
      const missing = await run(layer, Effect.flip(withEc2((ec2) => ec2.resolveInstance("nope"))))
      assert.strictEqual(missing._tag, "ResourceNotFound")
      const missingId = await run(
        layer,
        Effect.flip(withEc2((ec2) => ec2.resolveInstance("i-0123456789abcdef0")))
      )
      assert.strictEqual(missingId._tag, "ResourceNotFound")
      const twin = await run(layer, Effect.flip(withEc2((ec2) => ec2.resolveInstance("twin"))))
      assert.strictEqual(twin._tag, "AmbiguousName")
      if (twin._tag === "AmbiguousName") {
        assert.deepStrictEqual(twin.candidates.map((c) => c.split(" ")[0]).sort(), [ids[1], ids[2]].sort())
      }
    })

    it("stops and starts instances and waits for the target state", async () => {
      const { layer, ids } = await harness.make([{ name: "box" }])
      const id = ids[0]!
      const stopped = await run(
        layer,
        Effect.gen(function*() {
          const ec2 = yield* Ec2
          const changes = yield* ec2.changeState("stop", [id])
          assert.strictEqual(changes[0]?.previousState, "running")
          return yield* waitForState([id], "stopped", { every: harness.pollEvery, timeout: "30 seconds" })
        })
      )
      assert.strictEqual(stopped[0]?.state, "stopped")
      const started = await run(
        layer,
        Effect.gen(function*() {
          yield* (yield* Ec2).changeState("start", [id])
          return yield* waitForState([id], "running", { every: harness.pollEvery, timeout: "30 seconds" })
        })
      )
      assert.strictEqual(started[0]?.state, "running")
    })

    it("changes nothing on a dry run", async () => {
      const { layer, ids } = await harness.make([{ name: "keep" }])
      const changes = await run(layer, withEc2((ec2) => ec2.changeState("terminate", ids, { dryRun: true })))
      assert.deepStrictEqual(changes, [])
      const all = await run(layer, list)
      assert.strictEqual(all[0]?.state, "running")
    })

    it("terminates; a terminated instance no longer resolves by name", async () => {
      const { layer, ids } = await harness.make([{ name: "gone" }])
      await run(
        layer,
        Effect.gen(function*() {
          yield* (yield* Ec2).changeState("terminate", ids)
          yield* waitForState(ids, "terminated", { every: harness.pollEvery, timeout: "30 seconds" })
        })
      )
      const error = await run(layer, Effect.flip(withEc2((ec2) => ec2.resolveInstance("gone"))))
      assert.strictEqual(error._tag, "ResourceNotFound")
    })

    // Few scenarios, each checking several things: every one costs a moto reset and seeding.
    it("filters take EC2 wildcards (* and ?) in names and tags, and tag-key", async () => {
      const { layer } = await harness.make([
        { name: "ml-1", tags: { team: "x" } },
        { name: "ml-22", tags: { owner: "y" } },
        { name: "web-1", tags: { role: "ml-box" } }
      ])
      const names = (f: Parameters<Ec2["Service"]["instances"]>[0]) =>
        run(layer, withEc2((ec2) => Stream.runCollect(ec2.instances(f)))).then((all) => all.map((i) => i.name).sort())
      assert.deepStrictEqual(await names({ names: ["ml-*"] }), ["ml-1", "ml-22"])
      assert.deepStrictEqual(await names({ filters: { "tag:Name": ["ml-*"] } }), ["ml-1", "ml-22"])
      assert.deepStrictEqual(await names({ filters: { "tag:Name": ["ml-?"] } }), ["ml-1"])
      assert.deepStrictEqual(await names({ tags: { role: ["ml*"] } }), ["web-1"])
      assert.deepStrictEqual(await names({ filters: { "tag-key": ["team"] } }), ["ml-1"])
      assert.deepStrictEqual(await names({ filters: { "tag-key": ["team", "owner"] } }), ["ml-1", "ml-22"])
      assert.deepStrictEqual(await names({ filters: { "tag-key": ["t*"] } }), ["ml-1"])
    })

    it("a running instance has a live one's fields; reboot reports no change; nothing to do returns at once", async () => {
      const { layer, ids } = await harness.make([{ name: "full", tags: { env: "prod" } }])
      const [instance] = await run(layer, list)
      assert.deepStrictEqual(Object.keys(instance ?? {}).sort(), [
        "architecture", "availabilityZone", "id", "imageId", "launchTime", "lifecycle", "name", "privateDns", "privateIp",
        "publicDns", "publicIp", "securityGroups", "state", "subnetId", "tags", "type", "vpcId"
      ])
      assert.match(instance?.privateIp ?? "", /^\d+\.\d+\.\d+\.\d+$/)
      assert.strictEqual(instance?.architecture, "x86_64")
      assert.match(instance?.vpcId ?? "", /^vpc-/)
      assert.match(instance?.subnetId ?? "", /^subnet-/)
      assert.isArray(instance?.securityGroups)
      assert.instanceOf(instance?.launchTime, Date)

      // RebootInstances returns no state change; the instance stays running.
      assert.deepStrictEqual(await run(layer, withEc2((ec2) => ec2.changeState("reboot", ids))), [])
      assert.strictEqual((await run(layer, list))[0]?.state, "running")

      // The README's library example, verbatim but for the layer, when nothing matches: no call
      // with empty ids, no wait (waitForState([]) used to poll until its ten-minute timeout).
      const stopAll = Effect.gen(function*() {
        const ec2 = yield* Ec2
        const ids = (yield* Stream.runCollect(ec2.instances({ tags: { env: ["dev"] }, states: ["running"] }))).map((i) => i.id)
        yield* ec2.changeState("stop", ids)
        return yield* waitForState(ids, "stopped")
      })
      assert.deepStrictEqual(await run(layer, stopAll), [])
      assert.deepStrictEqual(await run(layer, waitForState([], "running")), [])
      assert.strictEqual((await run(layer, list))[0]?.state, "running")
    })

    it("fails with AwsNotFound for an unknown instance id", async () => {
      const { layer } = await harness.make([{ name: "x" }])
      const error = await run(
        layer,
        Effect.flip(withEc2((ec2) => ec2.changeState("stop", ["i-0123456789abcdef0"])))
      )
      assert.strictEqual(error._tag, "AwsNotFound")
    })
  })
