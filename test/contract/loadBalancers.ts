/**
 * The LoadBalancers contract: the same scenarios against LoadBalancersMemory (test/unit) and
 * LoadBalancersLive on moto (test/integration), so the two cannot drift. Names are fresh per test.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer } from "effect"
import { LoadBalancers } from "../../src/services/LoadBalancers.ts"

export interface LoadBalancersSeedRequest {
  /** Running instances to make. */
  readonly instances: number
  /** Classic load balancers with one listener HTTP:80 -> 8080. */
  readonly classic?: ReadonlyArray<string>
  /** Issued certificates, one per domain ("*.example.com"). */
  readonly certificates?: ReadonlyArray<string>
  /** Public hosted zones ("example.com"). */
  readonly zones?: ReadonlyArray<string>
}

export interface LoadBalancersHarness {
  readonly make: (seed: LoadBalancersSeedRequest) => Promise<{ readonly layer: Layer.Layer<LoadBalancers>; readonly instanceIds: ReadonlyArray<string> }>
}

let counter = 0
const fresh = (base: string) => `${base}-${Date.now().toString(36).slice(-4)}${++counter}`

const run = <A, E>(layer: Layer.Layer<LoadBalancers>, f: (s: LoadBalancers["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* LoadBalancers)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<LoadBalancers>, f: (s: LoadBalancers["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* LoadBalancers)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; code?: string; message?: string }
}

const request = (name: string, instanceIds: ReadonlyArray<string>) => ({ name, instanceIds, port: 8080, healthCheckPath: "/health" })

export const loadBalancersContract = (label: string, harness: LoadBalancersHarness) =>
  describe(`LoadBalancers contract (${label})`, () => {
    it("creates an ALB (target group, HTTP listener, targets) that list, describe and targets show", async () => {
      const { layer, instanceIds } = await harness.make({ instances: 2 })
      const name = fresh("alb")
      const plan = await run(layer, (s) => s.planCreate(request(name, instanceIds)))
      assert.deepStrictEqual(plan.listener, { protocol: "HTTP", port: 80 })
      assert.strictEqual(plan.createSecurityGroup, `aegea-elb-${name}`)
      assert.isAbove(plan.subnetIds.length, 1)
      const created = await run(layer, (s) => s.create(plan))
      assert.strictEqual(created.type, "application")
      assert.match(created.arn ?? "", /^arn:aws:elasticloadbalancing:/)
      const listed = (await run(layer, (s) => s.list())).find((lb) => lb.name === name)
      assert.deepStrictEqual(listed?.listeners, ["HTTP:80"])
      assert.deepStrictEqual([listed?.healthy, listed?.unhealthy], [2, 0])
      assert.deepStrictEqual(listed?.targetGroups.map((g) => [g.name, g.port]), [[name, 8080]])
      assert.strictEqual((await run(layer, (s) => s.describe(created.arn!))).name, name)
      const targets = await run(layer, (s) => s.targets(name))
      assert.deepStrictEqual(targets.map((t) => [t.id, t.port, t.state, t.targetGroup]).sort(), instanceIds.map((id) => [id, 8080, "healthy", name]).sort())
      // the name is taken now
      assert.strictEqual((await failureOf(layer, (s) => s.planCreate(request(name, []))))._tag, "UsageError")
    })

    it("registers and deregisters targets of an ALB; a wrong target group is not found", async () => {
      const { layer, instanceIds } = await harness.make({ instances: 2 })
      const [a, b] = instanceIds as [string, string]
      const name = fresh("alb")
      await run(layer, (s) => Effect.flatMap(s.planCreate(request(name, [a])), s.create))
      const added = await run(layer, (s) => s.register(name, [b]))
      assert.deepStrictEqual(added, { loadBalancer: name, targetGroup: name, ids: [b] })
      assert.strictEqual((await run(layer, (s) => s.targets(name))).find((t) => t.id === b)?.state, "healthy")
      await run(layer, (s) => s.deregister(name, [a], { targetGroup: name }))
      const left = await run(layer, (s) => s.targets(name))
      assert.deepStrictEqual(left.filter((t) => t.state === "healthy").map((t) => t.id), [b])
      const wrong = await failureOf(layer, (s) => s.register(name, [a], { targetGroup: "no-such-group" }))
      assert.strictEqual(wrong._tag, "ResourceNotFound")
    })

    it("shows a classic load balancer; registers and deregisters instances with it; it has no target groups", async () => {
      const classic = fresh("classic")
      const { layer, instanceIds } = await harness.make({ instances: 1, classic: [classic] })
      const [id] = instanceIds as [string]
      const listed = (await run(layer, (s) => s.list())).find((lb) => lb.name === classic)
      assert.strictEqual(listed?.type, "classic")
      assert.deepStrictEqual(listed?.listeners, ["HTTP:80->8080"])
      assert.deepStrictEqual(listed?.targetGroups, [])
      await run(layer, (s) => s.register(classic, [id]))
      assert.deepStrictEqual((await run(layer, (s) => s.targets(classic))).map((t) => [t.id, t.state]), [[id, "healthy"]])
      assert.strictEqual((await run(layer, (s) => s.describe(classic))).healthy, 1)
      await run(layer, (s) => s.deregister(classic, [id]))
      assert.deepStrictEqual(await run(layer, (s) => s.targets(classic)), [])
      assert.strictEqual((await failureOf(layer, (s) => s.targets(classic, { targetGroup: "x" })))._tag, "UsageError")
    })

    it("plans HTTPS with the certificate covering the domain and an alias in the zone that holds the name", async () => {
      const { layer } = await harness.make({ instances: 0, certificates: ["*.contract.example"], zones: ["contract.example"] })
      const plan = await run(layer, (s) =>
        s.planCreate({ ...request(fresh("tls"), []), certificateDomain: "shop.contract.example", dnsAlias: "shop.contract.example" }))
      assert.strictEqual(plan.listener.protocol, "HTTPS")
      assert.strictEqual(plan.listener.port, 443)
      assert.match(plan.listener.certificateArn ?? "", /^arn:aws:acm:/)
      assert.strictEqual(plan.dnsAlias?.zoneName, "contract.example")
      assert.strictEqual(plan.dnsAlias?.name, "shop.contract.example")
      const noCert = await failureOf(layer, (s) => s.planCreate({ ...request(fresh("tls"), []), certificateDomain: "nothing.invalid" }))
      assert.deepStrictEqual([noCert._tag, noCert.kind], ["ResourceNotFound", "issued ACM certificate"])
      const noZone = await failureOf(layer, (s) => s.planCreate({ ...request(fresh("tls"), []), dnsAlias: "www.nothing.invalid" }))
      assert.deepStrictEqual([noZone._tag, noZone.kind], ["ResourceNotFound", "public Route 53 zone"])
    })

    it("deletes an ALB with its listener and target group; a missing load balancer is not found", async () => {
      const { layer, instanceIds } = await harness.make({ instances: 1 })
      const name = fresh("gone")
      await run(layer, (s) => Effect.flatMap(s.planCreate(request(name, instanceIds)), s.create))
      const deleted = await run(layer, (s) => s.delete(name))
      assert.deepStrictEqual(deleted, { loadBalancer: name, listeners: ["HTTP:80"], targetGroups: [name] })
      const missing = await failureOf(layer, (s) => s.describe(name))
      assert.deepStrictEqual([missing._tag, missing.kind], ["ResourceNotFound", "load balancer"])
      assert.strictEqual((await failureOf(layer, (s) => s.delete(name)))._tag, "ResourceNotFound")
      assert.isUndefined((await run(layer, (s) => s.list())).find((lb) => lb.name === name))
    })
  })
