import { Effect, Layer } from "effect"
import { expect, it } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { S3StagingLive } from "../../src/layers/S3StagingLive.ts"
import { S3Staging } from "../../src/services/S3Staging.ts"
import { s3StagingContract } from "../contract/s3Staging.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

const live = () => S3StagingLive.pipe(Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })))

s3StagingContract("live on moto", { make: async () => live() })

it("a presigned URL fetches the object from moto with a plain GET", async () => {
  const body = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 251)
  const url = await Effect.runPromise(
    Effect.gen(function*() {
      const s = yield* S3Staging
      yield* s.ensureBucket("aegea-presign-test", { id: "x", prefix: "x/", days: 1 })
      yield* s.put("aegea-presign-test", "x/some file", body)
      return yield* s.presignGet("aegea-presign-test", "x/some file", 600)
    }).pipe(Effect.provide(live()))
  )
  const response = await fetch(url, { signal: AbortSignal.timeout(20_000) })
  expect(response.status).toBe(200)
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(body)
})
