/** The layers of `aegea ecs` commands (each prefers a layer already provided, e.g. by a test). */
import * as Layer from "effect/Layer"
import { Ec2NetworkLive } from "../../layers/Ec2NetworkLive.ts"
import { EcsLive } from "../../layers/EcsLive.ts"
import { IamLive } from "../../layers/IamLive.ts"
import { LogsLive } from "../../layers/LogsLive.ts"
import { Ec2Network } from "../../services/Ec2Network.ts"
import { Ecs } from "../../services/Ecs.ts"
import { Iam } from "../../services/Iam.ts"
import { Logs } from "../../services/Logs.ts"
import { awsService as live, BaseLayer } from "../global.ts"


/** ECS and CloudWatch Logs: listing, watching, reading logs, stopping. */
export const EcsLayer = Layer.mergeAll(live(Ecs, EcsLive), live(Logs, LogsLive)).pipe(Layer.provideMerge(BaseLayer))

/** Everything `ecs run` may create: also IAM (roles) and EC2 (default VPC, security group). */
export const EcsRunLayer = Layer.mergeAll(
  live(Ecs, EcsLive),
  live(Logs, LogsLive),
  live(Iam, IamLive),
  live(Ec2Network, Ec2NetworkLive)
).pipe(Layer.provideMerge(BaseLayer))
