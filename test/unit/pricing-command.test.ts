/** `aegea pricing` through the real parser on PricingMemory (moto has no Price List API). */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Command } from "effect/cli"
import { pricingCommand } from "../../src/commands/pricing.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { ec2PriceSeed, PricingMemory } from "../../src/testing/PricingMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { rootOf } from "../support/root.ts"

const seed = {
  products: [
    ec2PriceSeed("t3.micro", "0.0104", { memory: "1 GiB" }),
    ec2PriceSeed("m5.large", "0.096"),
    ec2PriceSeed("m5.xlarge", "0.192", { vcpu: "4", memory: "16 GiB" }),
    ec2PriceSeed("m5.large", "0.107", { regionCode: "eu-west-1" }),
    {
      serviceCode: "AmazonS3",
      sku: "S3STD",
      attributes: { servicecode: "AmazonS3", regionCode: "us-east-1" },
      prices: [{ description: "$0.023 per GB-Mo for first 50 TB", unit: "GB-Mo", usd: "0.023" }]
    }
  ]
}

const run = (format: "json" | "table", config: Parameters<typeof layerFromValue>[0], ...argv: Array<string>) =>
  Effect.gen(function*() {
    const exit = yield* Command.runWith(rootOf(pricingCommand), { version: "test", renderErrors: false })(["pricing", ...argv]).pipe(Effect.exit)
    const out = yield* OutputCapture
    return { exit, stdout: yield* out.stdoutText }
  }).pipe(
    Effect.provide(Layer.mergeAll(NodeServices.layer, PricingMemory.layer(seed), OutputTest.layer({ format }), layerFromValue(config))),
    Effect.runPromise
  )

describe("aegea pricing (in-memory Price List)", () => {
  it("on-demand EC2 prices of a family, with their columns", async () => {
    const r = await run("json", {}, "--instance-type", "m5.*")
    assert.isTrue(Exit.isSuccess(r.exit))
    const rows = JSON.parse(r.stdout) as Array<Record<string, string>>
    assert.deepStrictEqual(rows.map((x) => [x.instanceType, x.vcpu, x.memory, x.price, x.unit]).sort(), [
      ["m5.large", "2", "8 GiB", "0.096", "Hrs"],
      ["m5.xlarge", "4", "16 GiB", "0.192", "Hrs"]
    ])
    const table = await run("table", {}, "--instance-type", "t3.micro")
    assert.match(table.stdout.split("\n")[0] ?? "", /^INSTANCE TYPE\s+VCPUS\s+MEMORY\s+USD\s+UNIT\s+REGION$/)
    assert.include(table.stdout, "0.0104")
  })

  it("another service lists its price dimensions; pricing.instance_type in the config is the flag", async () => {
    const s3 = JSON.parse((await run("json", {}, "AmazonS3")).stdout) as Array<Record<string, string>>
    assert.deepStrictEqual(s3.map((x) => [x.sku, x.price, x.unit]), [["S3STD", "0.023", "GB-Mo"]])
    const configured = JSON.parse((await run("json", { pricing: { instance_type: "t3.micro" } })).stdout) as Array<Record<string, string>>
    assert.deepStrictEqual(configured.map((x) => x.instanceType), ["t3.micro"])
  })

  it("--instance-type with another service is a usage error", async () => {
    const r = await run("json", {}, "AmazonS3", "--instance-type", "m5.large")
    assert.isTrue(Exit.isFailure(r.exit))
    if (Exit.isFailure(r.exit)) {
      const failure = r.exit.cause.reasons.find((x) => x._tag === "Fail")
      assert.strictEqual(failure?._tag === "Fail" ? (failure.error as { _tag: string })._tag : "", "UsageError")
    }
  })
})
