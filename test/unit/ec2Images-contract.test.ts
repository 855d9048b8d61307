import { Effect, Layer } from "effect"
import type { Ec2 } from "../../src/services/Ec2.ts"
import type { Ec2Launch } from "../../src/services/Ec2Launch.ts"
import { Ec2LaunchMemory } from "../../src/testing/Ec2LaunchMemory.ts"
import { Ec2Memory, instanceIdOf } from "../../src/testing/Ec2Memory.ts"
import { ec2ImagesContract } from "../contract/ec2Images.ts"

ec2ImagesContract("in-memory", {
  make: async () => {
    // Built once, so every call of a test sees the same store (on the real clock).
    const layer = Ec2LaunchMemory.layer().pipe(Layer.provideMerge(Ec2Memory.layer({ instances: [{ name: "source", state: "running" }] })))
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return { layer: Layer.succeedContext(context) as Layer.Layer<Ec2Launch | Ec2>, instanceId: instanceIdOf(1) }
  }
})
