/**
 * The Inventory contract: the same scenario against InventoryMemory (test/unit) and InventoryLive on
 * moto (test/integration). A harness creates one of each thing (a network ACL with a rule, a spot
 * instance request, a spot fleet request, a KMS key with an alias, an ACM certificate, a DynamoDB
 * table, an SNS subscription) named after `tag`, and returns a layer that lists them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { type Ec2Filters, Inventory } from "../../src/services/Inventory.ts"

export interface InventoryScenario {
  /** A fresh name: the ACL's Name tag, the key's alias (alias/TAG), the table, the topic. */
  readonly tag: string
}

export interface CreatedIds {
  readonly aclId: string
  readonly vpcId: string
  readonly spotRequestId: string
  readonly fleetId: string
  readonly keyId: string
}

export interface InventoryHarness {
  readonly make: (scenario: InventoryScenario) => Promise<{ readonly layer: Layer.Layer<Inventory>; readonly ids: CreatedIds }>
}

let counter = 0
const fresh = () => `contract-${Date.now().toString(36)}-${++counter}`

const list = <A>(layer: Layer.Layer<Inventory>, f: (i: Inventory["Service"]) => Stream.Stream<A, unknown>) =>
  Effect.runPromise(
    Effect.gen(function*() {
      return [...yield* Stream.runCollect(f(yield* Inventory))]
    }).pipe(Effect.provide(layer)) as Effect.Effect<Array<A>>
  )

export const inventoryContract = (label: string, harness: InventoryHarness) =>
  describe(`Inventory contract (${label})`, () => {
    it("lists every kind of thing the scenario created, with its fields", async () => {
      const tag = fresh()
      const { layer, ids } = await harness.make({ tag })

      const byName: Ec2Filters = { "tag:Name": [tag] }
      const acls = await list(layer, (i) => i.networkAcls(byName))
      assert.deepStrictEqual(acls.map((a) => a.id), [ids.aclId])
      assert.strictEqual(acls[0]?.name, tag)
      assert.strictEqual(acls[0]?.vpcId, ids.vpcId)
      assert.strictEqual(acls[0]?.isDefault, false)
      assert.include(acls[0]?.entries ?? [], "in 100 allow tcp 22 10.0.0.0/8")
      assert.deepStrictEqual(await list(layer, (i) => i.networkAcls({ "tag:Name": [`${tag}-none`] })), [])
      // The VPC's default ACL is there too, without the filter.
      const all = await list(layer, (i) => i.networkAcls())
      assert.isTrue(all.some((a) => a.vpcId === ids.vpcId && a.isDefault))

      const sirs = await list(layer, (i) => i.spotInstanceRequests())
      const sir = sirs.find((s) => s.id === ids.spotRequestId)
      assert.strictEqual(sir?.instanceType, "t3.micro")
      assert.strictEqual(Number(sir?.maxPrice), 0.05) // AWS (and moto) answer "0.050000"
      assert.isString(sir?.state)

      const fleet = (await list(layer, (i) => i.spotFleetRequests())).find((f) => f.id === ids.fleetId)
      assert.strictEqual(fleet?.targetCapacity, 1)
      assert.isString(fleet?.state)

      const attributes = await list(layer, (i) => i.accountAttributes())
      assert.isTrue(attributes.some((a) => a.name === "max-instances" && /^\d+$/.test(a.value)))
      assert.deepStrictEqual(attributes.map((a) => a.name), [...attributes.map((a) => a.name)].sort())

      // Service Quotas: moto serves the VPC defaults (not ListServiceQuotas: the defaults stand).
      const vpcQuotas = await list(layer, (i) => i.serviceQuotas("vpc"))
      assert.deepStrictEqual(vpcQuotas.map((q) => q.name), [...vpcQuotas.map((q) => q.name)].sort((a, b) => a.localeCompare(b)))
      const vpcs = vpcQuotas.find((q) => q.code === "L-F678F1CE")
      assert.deepInclude(vpcs, { service: "vpc", name: "VPCs per Region", value: 5, defaultValue: 5, adjustable: true })
      const unknown = await Effect.runPromise(
        Effect.flip(Effect.gen(function*() {
          return yield* Stream.runCollect((yield* Inventory).serviceQuotas("no-such-service"))
        })).pipe(Effect.provide(layer))
      )
      assert.strictEqual(unknown._tag, "AwsNotFound")

      const key = (await list(layer, (i) => i.kmsKeys())).find((k) => k.id === ids.keyId)
      assert.strictEqual(key?.alias, `alias/${tag}`)
      assert.strictEqual(key?.state, "Enabled")
      assert.strictEqual(key?.usage, "ENCRYPT_DECRYPT")
      assert.strictEqual(key?.description, `key ${tag}`)
      assert.include(key?.arn ?? "", ids.keyId)

      const certificate = (await list(layer, (i) => i.certificates())).find((c) => c.domain === `${tag}.example.com`)
      assert.strictEqual(certificate?.type, "AMAZON_ISSUED")
      assert.isString(certificate?.status)
      // moto's summaries carry no SubjectAlternativeNameSummaries; AWS's do (then alternativeNames has www.).
      assert.notInclude(certificate?.alternativeNames ?? [], `${tag}.example.com`)

      const table = (await list(layer, (i) => i.tables())).find((t) => t.name === tag)
      assert.strictEqual(table?.status, "ACTIVE")
      assert.strictEqual(table?.billingMode, "PAY_PER_REQUEST")
      assert.strictEqual(table?.items, 0)

      const subscription = (await list(layer, (i) => i.subscriptions())).find((s) => s.topic === tag)
      assert.strictEqual(subscription?.protocol, "email")
      assert.strictEqual(subscription?.endpoint, `${tag}@example.com`)
      assert.match(subscription?.topicArn ?? "", new RegExp(`:${tag}$`))
    })
  })
