/**
 * The Session Manager control-plane contract of the Ssm service (StartSession, ResumeSession,
 * TerminateSession): the same scenarios against SsmMemory (test/unit) and SsmLive on the project's
 * SSM stand-in (test/integration; moto has no sessions), so the two cannot drift.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option, Redacted } from "effect"
import { Ssm } from "../../src/services/Ssm.ts"

export interface SsmSessionsHarness {
  readonly make: () => Promise<Layer.Layer<Ssm>>
  /** An instance whose agent accepts sessions. */
  readonly instanceId: () => string
  /** An instance without a connected agent. */
  readonly offlineInstanceId: () => string
}

const run = <A, E>(layer: Layer.Layer<Ssm>, f: (s: Ssm["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ssm)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

export const ssmSessionsContract = (label: string, harness: SsmSessionsHarness) =>
  describe(`Ssm sessions contract (${label})`, () => {
    it("ResumeSession gives the same session a new token until the session is terminated, then none", async () => {
      const layer = await harness.make()
      const started = await run(layer, (s) => s.startSession(harness.instanceId(), { kind: "port-forwarding", remotePort: 7, localPort: 0 }))
      assert.isTrue(started.sessionId.length > 0)
      const first = await run(layer, (s) => s.resumeSession(started.sessionId))
      assert.isTrue(Option.isSome(first))
      const resumed = Option.getOrThrow(first)
      assert.strictEqual(resumed.sessionId, started.sessionId)
      assert.notStrictEqual(Redacted.value(resumed.token), Redacted.value(started.token))
      assert.isTrue(Redacted.value(resumed.token).length > 0)
      assert.include(resumed.streamUrl, started.sessionId)
      const second = Option.getOrThrow(await run(layer, (s) => s.resumeSession(started.sessionId)))
      assert.notStrictEqual(Redacted.value(second.token), Redacted.value(resumed.token), "every ResumeSession gives a fresh token")
      await run(layer, (s) => s.terminateSession(started.sessionId))
      assert.isTrue(Option.isNone(await run(layer, (s) => s.resumeSession(started.sessionId))), "an ended session: no token")
    })

    it("StartSession refuses an instance whose agent is not connected with SSM's TargetNotConnected", async () => {
      const layer = await harness.make()
      const error = await Effect.runPromise(Effect.gen(function*() {
        return yield* (yield* Ssm).startSession(harness.offlineInstanceId(), { kind: "ssh", port: 22 })
      }).pipe(Effect.provide(layer), Effect.flip))
      assert.deepStrictEqual([error._tag, error.code], ["AwsInvalidRequest", "TargetNotConnected"])
    })

    it("ResumeSession of a session that never existed fails with SSM's DoesNotExistException", async () => {
      const layer = await harness.make()
      const error = await Effect.runPromise(Effect.gen(function*() {
        return yield* (yield* Ssm).resumeSession("nobody-0123456789abcdef0")
      }).pipe(Effect.provide(layer), Effect.flip))
      assert.deepStrictEqual([error._tag, error.code], ["AwsInvalidRequest", "DoesNotExistException"])
    })
  })
