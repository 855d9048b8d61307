/** `aegea elb` through the real parser against aegea/testing layers; waits driven by TestClock. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { elbCommand } from "../../src/commands/elb.ts"
import { certificateForDomain, aliasZoneFor } from "../../src/services/LoadBalancers.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { LoadBalancersMemory, LoadBalancersMemoryState } from "../../src/testing/LoadBalancersMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { waitForTargets } from "../../src/workflows/elbWait.ts"
import { rootOf } from "../support/root.ts"

const web1 = "i-00000000000000001"
const web2 = "i-00000000000000002"

const layers = (settleAfter = 0) =>
  Layer.mergeAll(
    NodeServices.layer,
    Ec2Memory.layer({ instances: [{ id: web1, name: "web-1" }, { id: web2, name: "web-2" }] }),
    LoadBalancersMemory.layer({
      settleAfter,
      loadBalancers: [
        { name: "web", targets: [web1] },
        { name: "two", targetGroups: ["blue", "green"] }
      ],
      certificates: [{ arn: "arn:aws:acm:us-east-1:123456789012:certificate/c1", domains: ["*.example.com"] }],
      zones: [{ id: "Z1", name: "example.com" }, { id: "Z2", name: "shop.example.com" }, { id: "Z3", name: "example.com", private: true }]
    }),
    OutputTest.layer({ format: "json" }),
    layerFromValue({})
  )

const aegea = (...argv: Array<string>) => Command.runWith(rootOf(elbCommand), { version: "test" })(["elb", ...argv])
const stdoutJson = Effect.gen(function*() {
  return JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<Record<string, unknown>>
})

describe("aegea elb (in memory)", () => {
  it.effect("replace registers NEW, waits until healthy, deregisters OLD and waits until drained", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("replace", "web", "web-1", "web-2"))
      // settleAfter 2: two health reads before each change lands; the poll is every 2 s.
      for (let i = 0; i < 10 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      const rows = yield* stdoutJson
      assert.deepStrictEqual(rows.map((r) => [r.id, r.instance, r.state]), [[web2, "web-2", "healthy"], [web1, "web-1", "deregistered"]])
      // In order: web-2 initial, then healthy, and only then web-1 draining, then drained.
      const statuses = yield* (yield* OutputCapture).statuses
      const first = (text: string) => statuses.findIndex((s) => s.includes(text))
      const steps = ["(web-2): initial", "(web-2): healthy", "(web-1): draining", "(web-1): drained"].map(first)
      assert.isFalse(steps.includes(-1), statuses.join("\n"))
      assert.deepStrictEqual([...steps].sort((a, b) => a - b), steps, statuses.join("\n"))
    }).pipe(Effect.provide(layers(2))))

  it.effect("a wait that never ends fails with OperationFailed after its timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.exit(waitForTargets("web", ["i-0000000000000dead"], "healthy", { timeout: "1 minute" })))
      yield* TestClock.adjust("2 minutes")
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "timed out after 1m waiting for i-0000000000000dead to be healthy")
    }).pipe(Effect.provide(layers())))

  it.effect("several target groups need --target-group; dry runs change nothing; replace needs OLD registered", () =>
    Effect.gen(function*() {
      const capture = yield* OutputCapture
      const several = yield* Effect.exit(aegea("register", "two", "web-1"))
      assert.include(String(Exit.isFailure(several) ? several.cause : ""), "has 2 target groups (blue, green)")
      yield* aegea("register", "two", "web-1", "--target-group", "green", "--dry-run")
      assert.include((yield* capture.stderr).join("\n"), "dry run: would register i-00000000000000001 (web-1) with target group green of two")
      yield* aegea("targets", "two")
      assert.deepStrictEqual(yield* stdoutJson, [])
      const notThere = yield* Effect.exit(aegea("replace", "web", "web-2", "web-1"))
      assert.include(String(Exit.isFailure(notThere) ? notThere.cause : ""), "i-00000000000000002 (web-2) is not registered with target group web of web")
      yield* capture.clear
      yield* aegea("register", "two", "web-1", "--target-group", "green")
      assert.deepStrictEqual((yield* stdoutJson).map((r) => [r.instance, r.targetGroup, r.state]), [["web-1", "green", "healthy"]])
    }).pipe(Effect.provide(layers())))

  it.effect("create with a certificate and an alias: HTTPS on 443 and an A record in the deepest public zone", () =>
    Effect.gen(function*() {
      yield* aegea("create", "shop", "--instances", "web-1", "--certificate-domain", "shop.example.com", "--dns-alias", "www.shop.example.com")
      const [row] = yield* stdoutJson
      assert.deepStrictEqual(row?.listeners, ["HTTPS:443"])
      const records = yield* (yield* LoadBalancersMemoryState).aliasRecords
      assert.deepStrictEqual(records.map((r) => [r.zoneId, r.name]), [["Z2", "www.shop.example.com"]])
      assert.deepStrictEqual(Object.keys(yield* (yield* LoadBalancersMemoryState).securityGroups), ["aegea-elb-shop"])
    }).pipe(Effect.provide(layers())))

  it("certificateForDomain prefers the exact name, then a wildcard one level up; aliasZoneFor takes the longest zone", () => {
    const certs = [{ arn: "wild", domains: ["*.example.com"] }, { arn: "exact", domains: ["api.example.com", "x.org"] }]
    assert.strictEqual(certificateForDomain(certs, "api.example.com")?.arn, "exact")
    assert.strictEqual(certificateForDomain(certs, "www.example.com")?.arn, "wild")
    assert.isUndefined(certificateForDomain(certs, "a.b.example.com"))
    assert.strictEqual(certificateForDomain(certs, "X.ORG.")?.arn, "exact")
    const zones = [{ name: "example.com." }, { name: "dev.example.com" }]
    assert.strictEqual(aliasZoneFor(zones, "a.dev.example.com")?.name, "dev.example.com")
    assert.strictEqual(aliasZoneFor(zones, "example.com")?.name, "example.com.")
    assert.isUndefined(aliasZoneFor(zones, "badexample.com"))
  })
})
