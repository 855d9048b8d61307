import { Layer } from "effect"
import { BatchMemory } from "../../src/testing/BatchMemory.ts"
import { EcrMemory } from "../../src/testing/EcrMemory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { S3StagingMemory } from "../../src/testing/S3StagingMemory.ts"
import { SsmMemory } from "../../src/testing/SsmMemory.ts"
import { imageBuildContract } from "../contract/imageBuild.ts"

/** The ECS-optimized image parameters, with moto's ids. */
const ecsParameters = {
  "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id": "ami-0aae19d30bab785d3",
  "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id": "ami-07033a1a30f75c132",
  "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id": "ami-06a35af3c83f93d26"
}

imageBuildContract("in memory", async () =>
  Layer.mergeAll(
    BatchMemory.layer({ stateDurations: { SUBMITTED: 0, PENDING: 0, RUNNABLE: 0, STARTING: 0 }, runFor: 0 }).pipe(
      Layer.provideMerge(LogsMemory.layer())
    ),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    SsmMemory.layer({ parameters: ecsParameters }),
    EcrMemory.layer(),
    S3StagingMemory.layer(),
    OutputTest.layer()
  ))
