// The Billing contract on the in-memory layer and on the live layer against a CUR stand-in on
// 127.0.0.1 (moto has no CUR API; test/integration/billing.test.ts checks the message against moto).
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { afterAll } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { BillingLive } from "../../src/layers/BillingLive.ts"
import { Billing } from "../../src/services/Billing.ts"
import { BillingMemory } from "../../src/testing/BillingMemory.ts"
import { billingContract } from "../contract/billing.ts"
import { type CurStandIn, startCurStandIn } from "../support/curStandIn.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const servers: Array<CurStandIn> = []
afterAll(() => Promise.all(servers.map((s) => s.close())))

const live = (endpoint: string) =>
  BillingLive.pipe(Layer.provide(AwsClients.layerStatic({ region: "eu-west-1", profile: undefined, endpointUrl: endpoint, maxAttempts: 1 })))

billingContract("in-memory", { served: true, make: async (reportDefinitions) => BillingMemory.layer({ reportDefinitions }) })

billingContract("live on a CUR stand-in", {
  served: true,
  make: async (definitions) => {
    const server = await startCurStandIn(definitions)
    servers.push(server)
    return live(server.endpoint)
  }
})

it("live: pages of at most 5 by NextToken, signed for cur in us-east-1; AWS errors keep their category", async () => {
  const server = await startCurStandIn(Array.from({ length: 6 }, (_, i) => ({
    name: `r${i}`, timeUnit: "DAILY", format: "textORcsv", compression: "GZIP", s3Bucket: "b", s3Region: "us-east-1",
    additionalSchemaElements: [], additionalArtifacts: []
  })))
  servers.push(server)
  const all = await Effect.runPromise(
    Effect.gen(function*() {
      return [...yield* Stream.runCollect((yield* Billing).reportDefinitions())]
    }).pipe(Effect.provide(live(server.endpoint)))
  )
  assert.strictEqual(all.length, 6)
  assert.deepStrictEqual(server.requests.map((r) => r.body), [{ MaxResults: 5 }, { MaxResults: 5, NextToken: "5" }])

  const denied = await startCurStandIn([], { deny: true })
  servers.push(denied)
  const failure = await Effect.runPromise(
    Effect.flip(Effect.gen(function*() {
      return yield* Stream.runCollect((yield* Billing).reportDefinitions())
    })).pipe(Effect.provide(live(denied.endpoint)))
  )
  assert.strictEqual(failure._tag, "AwsAccessDenied")
  assert.strictEqual(failure.code, "AccessDeniedException")
  assert.include(failure.summary, "could not list Cost and Usage Report definitions")
})
