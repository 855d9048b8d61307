import { Effect, Layer } from "effect"
import type { CloudTrail, TrailInfo } from "../../src/services/CloudTrail.ts"
import { CloudTrailMemory } from "../../src/testing/CloudTrailMemory.ts"
import { cloudTrailContract } from "../contract/cloudtrail.ts"

cloudTrailContract("in-memory", {
  lookupServed: true,
  make: async ({ trails = [], events = [] }) => {
    const seeded = trails.map((t): TrailInfo => ({
      name: t.name,
      arn: `arn:aws:cloudtrail:us-east-1:123456789012:trail/${t.name}`,
      region: "us-east-1",
      multiRegion: t.multiRegion,
      logging: t.logging,
      s3Bucket: t.bucket,
      ...(t.logGroup !== undefined ? { logGroup: t.logGroup } : {})
    }))
    const context = await Effect.runPromise(Layer.build(CloudTrailMemory.layer({ trails: seeded, events })).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<CloudTrail>
  }
})
