/** VPC flow logs (EC2 CreateFlowLogs / DescribeFlowLogs) delivered to CloudWatch Logs. */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

/** A VPC flow log: what it watches and where it delivers. */
export const FlowLog = Schema.Struct({
  id: Schema.String,
  resourceId: Schema.String,
  status: Schema.String,
  trafficType: Schema.String,
  destinationType: Schema.String,
  /** The log group (CloudWatch Logs destination), or "". */
  logGroup: Schema.String,
  deliverStatus: Schema.String,
  roleArn: Schema.optional(Schema.String),
  created: Schema.optional(Schema.Date)
})
/** A VPC flow log: what it watches and where it delivers. */
export type FlowLog = typeof FlowLog.Type

/** What a flow log watches. */
export type FlowLogResourceType = "VPC" | "Subnet" | "NetworkInterface"

/** What `FlowLogs.create` creates: a flow log on a VPC, subnet or network interface, into a CloudWatch Logs group. */
export interface FlowLogRequest {
  readonly resourceId: string
  readonly resourceType: FlowLogResourceType
  readonly logGroup: string
  /** The role CloudWatch Logs delivery assumes. */
  readonly roleArn: string
  readonly trafficType: "ACCEPT" | "REJECT" | "ALL"
}

/** VPC flow logs: list, check and create them. Live: `FlowLogsLive`; in memory: `FlowLogsMemory`. */
export class FlowLogs extends Context.Service<FlowLogs, {
  readonly region: string
  /** Flow logs of the region; only these ids when given. */
  readonly list: (ids?: ReadonlyArray<string>) => Stream.Stream<FlowLog, AwsError>
  /** Whether the VPC, subnet or network interface exists in the region. */
  readonly exists: (resourceId: string, resourceType: FlowLogResourceType) => Effect.Effect<boolean, AwsError>
  /**
   * Create a flow log to CloudWatch Logs; returns its id. A resource that does not exist fails with
   * AwsNotFound, a flow log already there for the same resource and group with AwsInvalidRequest.
   */
  readonly create: (request: FlowLogRequest) => Effect.Effect<string, AwsError>
}>()("aegea/FlowLogs") {}

/** The resource type of a VPC, subnet or network interface id, from its prefix. */
export const resourceTypeOf = (id: string): FlowLogResourceType | undefined =>
  id.startsWith("vpc-") ? "VPC" : id.startsWith("subnet-") ? "Subnet" : id.startsWith("eni-") ? "NetworkInterface" : undefined

/** The permissions VPC flow logs need to deliver into CloudWatch Logs (AWS documentation). */
export const flowLogsDeliveryPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams"
      ],
      Resource: "*"
    }
  ]
} as const

/** The service principal that delivers flow logs (trusted by the delivery role). */
export const flowLogsService = "vpc-flow-logs.amazonaws.com"
/** The name of the flow log, its log group and role that `aegea flow-logs create` uses by default. */
export const defaultFlowLogName = "aegea.flow_logs"
