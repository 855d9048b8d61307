/** `aegea s3 buckets` through the real parser against S3AdminMemory/CloudWatchMemory: where moto cannot show blanks. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { s3Command } from "../../src/commands/s3.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { CloudWatchMemory } from "../../src/testing/CloudWatchMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { S3AdminMemory } from "../../src/testing/S3AdminMemory.ts"
import { rootOf } from "../support/root.ts"

const day = 86_400_000
const aegea = (...argv: Array<string>) => Command.runWith(rootOf(s3Command), { version: "test" })(argv)
const layers = Layer.mergeAll(
  NodeServices.layer,
  S3AdminMemory.layer({
    buckets: {
      measured: { versioning: "Enabled", encryption: "aws:kms" },
      fresh: {},
      faraway: { region: "eu-west-1" }
    }
  }),
  CloudWatchMemory.layer({
    metrics: [
      // The clock is TestClock's (0): yesterday and the day before.
      { namespace: "AWS/S3", metric: "BucketSizeBytes", dimensions: { BucketName: "measured", StorageType: "StandardStorage" }, datapoints: [{ timestamp: new Date(-2 * day), value: 10 }, { timestamp: new Date(-day), value: 2048 }] },
      { namespace: "AWS/S3", metric: "NumberOfObjects", dimensions: { BucketName: "measured", StorageType: "AllStorageTypes" }, datapoints: [{ timestamp: new Date(-day), value: 7 }] },
      { namespace: "AWS/S3", metric: "BucketSizeBytes", dimensions: { BucketName: "fresh", StorageType: "StandardStorage" }, datapoints: [{ timestamp: new Date(-10 * day), value: 99 }] },
      { namespace: "AWS/S3", metric: "BucketSizeBytes", dimensions: { BucketName: "faraway", StorageType: "StandardStorage" }, datapoints: [{ timestamp: new Date(-day), value: 5 }] }
    ]
  }),
  OutputTest.layer({ format: "json" }),
  layerFromValue({})
)

describe("aegea s3 buckets", () => {
  it.effect("takes the latest daily datapoint; blank when none is recent or the bucket is in another region", () =>
    Effect.gen(function*() {
      yield* aegea("s3", "buckets")
      const rows = JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<Record<string, unknown>>
      assert.deepStrictEqual(rows.map((r) => [r.name, r.region, r.versioning, r.encryption, r.sizeBytes, r.objects]), [
        ["faraway", "eu-west-1", "Disabled", "none", null, null],
        ["fresh", "us-east-1", "Disabled", "none", null, null],
        ["measured", "us-east-1", "Enabled", "aws:kms", 2048, 7]
      ])
    }).pipe(Effect.provide(layers)))
})
