/**
 * The Route 53 contract: the same scenarios against Route53Memory (test/unit) and Route53Live on moto
 * (test/integration), so the two cannot drift. Every test uses a fresh zone name.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Stream } from "effect"
import { type RecordSet, Route53 } from "../../src/services/Route53.ts"

export interface Route53Harness {
  /** A layer over an empty (or at least unrelated) account; every call of a test sees the same store. */
  readonly make: () => Promise<Layer.Layer<Route53>>
}

let counter = 0
const freshZone = (base: string) => `${base}-${Date.now().toString(36)}-${++counter}.internal.`
const vpc = { vpcId: "vpc-0c0ffee0c0ffee001", region: "us-east-1" }

const run = <A, E>(layer: Layer.Layer<Route53>, f: (r: Route53["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Route53)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Route53>, f: (r: Route53["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Route53)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason === undefined || reason._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error as { _tag: string; kind?: string; code?: string }
}

const a = (name: string, ip: string, ttl = 60): RecordSet => ({ name, type: "A", ttl, values: [ip] })

export const route53Contract = (label: string, harness: Route53Harness) =>
  describe(`Route 53 contract (${label})`, () => {
    it("creates a private zone with its VPC: found by name (any case, with or without the dot), listed, with NS and SOA", async () => {
      const layer = await harness.make()
      const name = freshZone("private")
      const zone = await run(layer, (r) => r.createPrivateZone(name, vpc, "for the contract"))
      assert.strictEqual(zone.name, name)
      assert.isTrue(zone.private)
      assert.match(zone.id, /^[A-Z0-9]+$/)
      const named = await run(layer, (r) => r.zonesNamed(name.toUpperCase().replace(/\.$/, "")))
      assert.deepStrictEqual(named.map((z) => z.id), [zone.id])
      const got = await run(layer, (r) => r.getZone(`/hostedzone/${zone.id}`))
      assert.deepStrictEqual(got.vpcs.map((v) => v.vpcId), [vpc.vpcId])
      assert.isTrue(got.zone.private)
      const listed = await run(layer, (r) => Stream.runCollect(r.listZones()))
      assert.isTrue(listed.some((z) => z.id === zone.id && z.private))
      const types = (await run(layer, (r) => Stream.runCollect(r.listRecords(zone.id)))).map((x) => x.type).sort()
      assert.deepStrictEqual(types, ["NS", "SOA"])
      assert.deepStrictEqual(await run(layer, (r) => r.zonesNamed(freshZone("absent"))), [])
    })

    it("UPSERT creates then replaces; recordsNamed finds one name (and one type); DELETE of the exact record removes it", async () => {
      const layer = await harness.make()
      const name = freshZone("records")
      const zone = await run(layer, (r) => r.createPrivateZone(name, vpc))
      await run(layer, (r) =>
        r.changeRecords(zone.id, [
          { action: "UPSERT", record: a(`box.${name}`, "10.0.0.5") },
          { action: "UPSERT", record: { name: `box.${name}`, type: "TXT", ttl: 300, values: ['"hello"'] } },
          { action: "UPSERT", record: a(`other.${name}`, "10.0.0.6") }
        ]))
      const both = await run(layer, (r) => r.recordsNamed(zone.id, `BOX.${name}`))
      assert.deepStrictEqual(both.map((x) => x.type).sort(), ["A", "TXT"])
      const [record] = await run(layer, (r) => r.recordsNamed(zone.id, `box.${name}`, "a"))
      assert.deepStrictEqual(record, a(`box.${name}`, "10.0.0.5"))
      await run(layer, (r) => r.changeRecords(zone.id, [{ action: "UPSERT", record: a(`box.${name}`, "10.0.0.9") }]))
      const replaced = await run(layer, (r) => r.recordsNamed(zone.id, `box.${name}`, "A"))
      assert.deepStrictEqual(replaced.map((x) => x.values), [["10.0.0.9"]])
      await run(layer, (r) => r.changeRecords(zone.id, [{ action: "DELETE", record: replaced[0]! }]))
      assert.deepStrictEqual(await run(layer, (r) => r.recordsNamed(zone.id, `box.${name}`, "A")), [])
      const rest = (await run(layer, (r) => Stream.runCollect(r.listRecords(zone.id)))).map((x) => `${x.name} ${x.type}`)
      assert.includeMembers(rest, [`box.${name} TXT`, `other.${name} A`])
      assert.notInclude(rest, `box.${name} A`)
    })

    it("a DELETE of a record that is not there, or a name outside the zone, is refused (AwsInvalidRequest) and changes nothing", async () => {
      const layer = await harness.make()
      const name = freshZone("refused")
      const zone = await run(layer, (r) => r.createPrivateZone(name, vpc))
      await run(layer, (r) => r.changeRecords(zone.id, [{ action: "UPSERT", record: a(`kept.${name}`, "10.1.1.1") }]))
      const missing = await failureOf(layer, (r) => r.changeRecords(zone.id, [{ action: "DELETE", record: a(`nothing.${name}`, "10.1.1.2") }]))
      assert.strictEqual(missing._tag, "AwsInvalidRequest")
      const outside = await failureOf(layer, (r) => r.changeRecords(zone.id, [{ action: "UPSERT", record: a("www.example.org.", "10.1.1.3") }]))
      assert.strictEqual(outside._tag, "AwsInvalidRequest")
      assert.deepStrictEqual((await run(layer, (r) => r.recordsNamed(zone.id, `kept.${name}`))).map((x) => x.values), [["10.1.1.1"]])
    })

    it("associates a second VPC with a private zone", async () => {
      const layer = await harness.make()
      const name = freshZone("vpcs")
      const zone = await run(layer, (r) => r.createPrivateZone(name, vpc))
      const second = { vpcId: "vpc-0c0ffee0c0ffee002", region: "us-east-1" }
      await run(layer, (r) => r.associateVpc(zone.id, second))
      const { vpcs } = await run(layer, (r) => r.getZone(zone.id))
      assert.includeMembers(vpcs.map((v) => v.vpcId), [vpc.vpcId, second.vpcId])
    })

    it("a zone that does not exist is ResourceNotFound (exit 5) everywhere", async () => {
      const layer = await harness.make()
      const id = "Z0000000000000NOPE"
      const attempts: ReadonlyArray<(r: Route53["Service"]) => Effect.Effect<unknown, unknown>> = [
        (r) => r.getZone(id),
        (r) => Stream.runCollect(r.listRecords(id)),
        (r) => r.recordsNamed(id, "x.example.com."),
        (r) => r.changeRecords(id, [{ action: "UPSERT", record: a("x.example.com.", "10.0.0.1") }]),
        (r) => r.associateVpc(id, vpc)
      ]
      for (const attempt of attempts) {
        const error = await failureOf(layer, attempt)
        assert.strictEqual(error._tag, "ResourceNotFound")
        assert.strictEqual(error.kind, "hosted zone")
      }
    })
  })
