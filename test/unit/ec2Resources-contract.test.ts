import { Effect, Layer } from "effect"
import type { Ec2Resources } from "../../src/services/Ec2Resources.ts"
import { Ec2ResourcesMemory, type Ec2ResourcesStore, emptyEc2ResourcesStore } from "../../src/testing/Ec2ResourcesMemory.ts"
import { ec2ResourcesContract } from "../contract/ec2Resources.ts"

let store: Ec2ResourcesStore = emptyEc2ResourcesStore()
let counter = 0
const id = (prefix: string) => `${prefix}-${(++counter).toString(16).padStart(17, "a")}`

ec2ResourcesContract("in-memory", {
  make: async () => {
    store = emptyEc2ResourcesStore()
    const context = await Effect.runPromise(Layer.build(Ec2ResourcesMemory.layer(store)).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Ec2Resources>
  },
  seedInstance: async () => {
    const instance = { id: id("i"), name: "seeded", availabilityZone: "us-east-1a" }
    store.instances.set(instance.id, instance)
    return instance
  },
  seedVpc: async () => {
    const vpcId = id("vpc")
    const subnetId = id("subnet")
    store.resources.set(vpcId, { kind: "vpc", id: vpcId })
    store.resources.set(subnetId, { kind: "subnet", id: subnetId, vpcId })
    return { vpcId, subnetId }
  },
  seedFileSystem: async (name) => {
    const fileSystemId = id("fs")
    const mountTargetId = id("fsmt")
    store.resources.set(fileSystemId, { kind: "file-system", id: fileSystemId, name, mountTargetIds: [mountTargetId] })
    return { fileSystemId, mountTargetId }
  },
  instanceName: async (instanceId) => store.instances.get(instanceId)?.name
})
