/** Helpers of the contract suites: run an effect on a harness's layer, or get its typed failure. */
import { Effect, type Layer } from "effect"

/** Run `effect` on `layer` (a promise of its value; a failure rejects). */
export const runOn = <A, E, R>(layer: Layer.Layer<R>, effect: Effect.Effect<A, E, R>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.provide(layer)))

/** The typed failure of `effect` on `layer` (rejects when it succeeds or dies). */
export const failureOn = <A, E, R>(layer: Layer.Layer<R>, effect: Effect.Effect<A, E, R>): Promise<E> =>
  Effect.runPromise(effect.pipe(Effect.provide(layer), Effect.flip))

let counter = 0
/** A name no earlier test (nor an earlier run against the same moto) used. */
export const freshName = (base: string) => `${base}-${Date.now().toString(36)}-${++counter}`
