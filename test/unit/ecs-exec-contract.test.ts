import { EcsMemory } from "../../src/testing/EcsMemory.ts"
import { ecsExecContract } from "../contract/ecsExec.ts"

ecsExecContract("in memory", async () => ({
  layer: EcsMemory.layer({ stateDurations: { PROVISIONING: 0, PENDING: 0 }, runFor: "1 hour" }),
  subnet: "subnet-00000000",
  securityGroup: "sg-00000000"
}))
