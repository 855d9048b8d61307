/** The layers of `aegea batch` commands (each prefers a layer already provided, e.g. by a test). */
import * as Layer from "effect/Layer"
import { BatchLive } from "../../layers/BatchLive.ts"
import { Ec2NetworkLive } from "../../layers/Ec2NetworkLive.ts"
import { IamLive } from "../../layers/IamLive.ts"
import { LogsLive } from "../../layers/LogsLive.ts"
import { Batch } from "../../services/Batch.ts"
import { Ec2Network } from "../../services/Ec2Network.ts"
import { Iam } from "../../services/Iam.ts"
import { Logs } from "../../services/Logs.ts"
import { awsService as live, BaseLayer } from "../global.ts"


export const BatchLayer = Layer.mergeAll(
  live(Batch, BatchLive),
  live(Iam, IamLive),
  live(Logs, LogsLive),
  live(Ec2Network, Ec2NetworkLive)
).pipe(Layer.provideMerge(BaseLayer))
