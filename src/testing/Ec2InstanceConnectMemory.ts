/** An in-memory EC2 Instance Connect: records every pushed key; the caller's name is seeded. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { Ec2InstanceConnect, type PublicKeyGrant } from "../services/Ec2InstanceConnect.ts"

/** The public keys `Ec2InstanceConnectMemory` was sent. */
export class Ec2InstanceConnectMemoryState extends Context.Service<Ec2InstanceConnectMemoryState, {
  readonly grants: Effect.Effect<ReadonlyArray<PublicKeyGrant>>
}>()("aegea/testing/Ec2InstanceConnectMemoryState") {}

/** `Ec2InstanceConnect` in memory, with `Ec2InstanceConnectMemoryState` to read the keys sent. */
export const Ec2InstanceConnectMemory = {
  layer: (seed: { readonly callerName?: string } = {}): Layer.Layer<Ec2InstanceConnect | Ec2InstanceConnectMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const grants = yield* Ref.make<ReadonlyArray<PublicKeyGrant>>([])
        const service = Ec2InstanceConnect.of({
          sendPublicKey: (grant) => Ref.update(grants, (g) => [...g, grant]),
          callerName: Effect.succeed(seed.callerName ?? "default_user")
        })
        return Context.make(Ec2InstanceConnect, service).pipe(
          Context.add(Ec2InstanceConnectMemoryState, Ec2InstanceConnectMemoryState.of({ grants: Ref.get(grants) }))
        )
      })
    )
}
