import { Layer } from "effect"
import { BatchMemory } from "../../src/testing/BatchMemory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { batchContract } from "../contract/batch.ts"

batchContract("in memory", async () =>
  Layer.mergeAll(
    BatchMemory.layer({ stateDurations: { SUBMITTED: 0, PENDING: 0, RUNNABLE: 0, STARTING: 0 }, runFor: 0 }).pipe(
      Layer.provideMerge(LogsMemory.layer())
    ),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    OutputTest.layer()
  ))
