/**
 * A service's SDK-backed layer, loaded and built on first use: what the layers that sign their common
 * calls by hand (SsmJsonLive, Ec2QueryLive, LogsJsonLive) fall back to for the rest of their service,
 * so that a command that never needs it never loads the SDK's client.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { AwsClients, type AwsEnvironment } from "./AwsClients.ts"

/**
 * The service `tag` of the layer `load` gives, built (once, when the returned effect first runs) in the
 * scope of the layer that asks, so that its SDK client is destroyed with it, and with `env` as its
 * AwsClients.
 */
export const onFirstUse = <I, S>(
  tag: Context.Key<I, S>,
  load: () => Promise<Layer.Layer<I, never, AwsClients>>,
  env: AwsEnvironment
): Effect.Effect<Effect.Effect<S>, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) =>
    Effect.cached(
      Effect.promise(load).pipe(
        Effect.flatMap((layer) => Layer.buildWithScope(layer, scope)),
        Effect.provideService(AwsClients, env),
        Effect.map((context) => Context.get(context, tag))
      )
    ))
