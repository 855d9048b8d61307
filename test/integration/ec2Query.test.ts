// The ssh family's Ec2 (src/layers/Ec2QueryLive.ts: DescribeInstances signed by hand, read from EC2's
// XML without the SDK) against Ec2Live on the same moto: the same instances for every filter the ssh
// family uses, the same errors, and the other calls handed to Ec2Live.
import { CreateTagsCommand, StopInstancesCommand } from "@aws-sdk/client-ec2"
import { Effect, Layer, Stream } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2Live } from "../../src/layers/Ec2Live.ts"
import { Ec2QueryLive } from "../../src/layers/Ec2QueryLive.ts"
import { Ec2, type InstanceFilter } from "../../src/services/Ec2.ts"
import { ec2Client, motoEndpoint, resetMoto, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

const env = () => AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
const run = <A, E>(layer: Layer.Layer<Ec2, never, AwsClients>, f: (ec2: Ec2["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ec2)
  }).pipe(Effect.provide(layer.pipe(Layer.provide(env())))) as Effect.Effect<A, E>)
const both = async <A, E>(f: (ec2: Ec2["Service"]) => Effect.Effect<A, E>) => {
  const outcome = (layer: Layer.Layer<Ec2, never, AwsClients>) =>
    run(layer, (ec2) => Effect.result(f(ec2)))
  return { hand: await outcome(Ec2QueryLive), sdk: await outcome(Ec2Live) }
}
const list = (filter?: InstanceFilter) => (ec2: Ec2["Service"]) => Effect.map(Stream.runCollect(ec2.instances(filter)), (a) => [...a].sort((x, y) => x.id.localeCompare(y.id)))

let ids: Array<string> = []

beforeAll(async () => {
  await resetMoto()
  ids = [
    ...(await seedInstances(2, { names: ["box", "twin"], tags: { team: "a & b <c>", empty: "" } })),
    ...(await seedInstances(2, { names: ["twin", "stopped-one"], instanceType: "t3.small" }))
  ]
  const ec2 = ec2Client()
  try {
    await ec2.send(new CreateTagsCommand({
      Resources: [ids[0]!],
      Tags: [{ Key: "SSHHostPublicKeyPart1", Value: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGc+/=" }, { Key: "unicode", Value: "café ü" }]
    }))
    await ec2.send(new StopInstancesCommand({ InstanceIds: [ids[3]!] }))
  } finally {
    ec2.destroy()
  }
})

describe("Ec2QueryLive against Ec2Live on moto", () => {
  it("lists the same instances, every field, for every filter the ssh family and ls use", async () => {
    const filters: ReadonlyArray<InstanceFilter | undefined> = [
      undefined,
      { ids: [ids[0]!] },
      { ids: [ids[0]!, ids[3]!] },
      { names: ["twin"], states: ["pending", "running", "stopping", "stopped", "shutting-down"] },
      { tags: { team: ["a & b <c>"] } },
      { states: ["stopped"] },
      { filters: { "instance-type": ["t3.small"] } },
      // ls: several states, a tag and a filter together, a name and no match
      { states: ["running", "stopped"], tags: { team: ["a & b <c>"] }, filters: { "instance-type": ["t3.micro", "t3.small"] } },
      { names: ["stopped-one"] },
      { names: ["nonesuch"] }
    ]
    for (const filter of filters) {
      const { hand, sdk } = await both(list(filter))
      expect(hand, JSON.stringify(filter)).toStrictEqual(sdk)
    }
    const { hand } = await both(list({ ids: [ids[0]!] }))
    expect(hand._tag === "Success" && hand.success[0]!.tags).toMatchObject({ Name: "box", team: "a & b <c>", empty: "", unicode: "café ü" })
  })

  it("resolves names and ids, and fails on missing, ambiguous and malformed ones, as Ec2Live does", async () => {
    for (const name of ["box", ids[3]!, "twin", "nonesuch", "i-0123456789abcdef0", "i-nothex"]) {
      const { hand, sdk } = await both((ec2) => ec2.resolveInstance(name))
      expect(hand, name).toStrictEqual(sdk)
    }
    const { hand } = await both((ec2) => ec2.resolveInstance("twin"))
    expect(hand._tag === "Failure" && hand.failure._tag).toBe("AmbiguousName")
  })

  it("a fleet whose answer is over 64 KiB (read from its bytes, ec2Bytes.ts): the same instances as Ec2Live's", async () => {
    const fleet = await seedInstances(40, { namePrefix: "fleet-", tags: { fleet: "yes", note: "caf\u00e9 ✓" } })
    for (const filter of [undefined, { tags: { fleet: ["yes"] } }]) {
      const { hand, sdk } = await both(list(filter))
      expect(hand, JSON.stringify(filter)).toStrictEqual(sdk)
      expect(hand._tag === "Success" && hand.success.filter((i) => fleet.includes(i.id)).length).toBe(40)
    }
  })

  it("hands the other calls to Ec2Live", async () => {
    const { hand, sdk } = await both((ec2) => Effect.map(Stream.runCollect(ec2.regions()), (r) => r.length))
    expect(hand).toStrictEqual(sdk)
    expect(hand._tag === "Success" && hand.success).toBeGreaterThan(0)
  })
})
