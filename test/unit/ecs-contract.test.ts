import { Layer } from "effect"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { EcsMemory } from "../../src/testing/EcsMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { ecsContract } from "../contract/ecs.ts"

ecsContract("in memory", async () =>
  Layer.mergeAll(
    EcsMemory.layer({ stateDurations: { PROVISIONING: 0, PENDING: 0 }, runFor: "300 millis" }).pipe(Layer.provideMerge(LogsMemory.layer())),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    OutputTest.layer()
  ))
