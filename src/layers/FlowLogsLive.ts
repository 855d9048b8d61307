/** The live VPC flow logs layer (EC2 CreateFlowLogs / DescribeFlowLogs), through the trimmed EC2 entry point. */
import type * as Sdk from "@aws-sdk/client-ec2"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AwsClients } from "./AwsClients.ts"
import { makeAws, paginate, idempotent, tokenized } from "./aws.ts"
import { AwsInvalidRequest, AwsNotFound } from "../errors.ts"
import { type FlowLog, FlowLogs } from "../services/FlowLogs.ts"

const toFlowLog = (f: Sdk.FlowLog): FlowLog => ({
  id: f.FlowLogId ?? "",
  resourceId: f.ResourceId ?? "",
  status: f.FlowLogStatus ?? "",
  trafficType: f.TrafficType ?? "",
  destinationType: f.LogDestinationType ?? "cloud-watch-logs",
  logGroup: f.LogGroupName ?? "",
  deliverStatus: f.DeliverLogsStatus ?? "",
  ...(f.DeliverLogsPermissionArn ? { roleArn: f.DeliverLogsPermissionArn } : {}),
  ...(f.CreationTime ? { created: f.CreationTime } : {})
})

/** `FlowLogs` against EC2, with the region, credentials and endpoint of `AwsClients`. */
export const FlowLogsLive: Layer.Layer<FlowLogs, never, AwsClients> = Layer.effect(
  FlowLogs,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const aws = yield* makeAws("EC2", (config) => new sdk.EC2Client(config))
    return FlowLogs.of({
      region: aws.region,
      list: (ids = []) =>
        paginate((token) =>
          aws.call(
            new sdk.DescribeFlowLogsCommand({ ...(ids.length > 0 ? { FlowLogIds: [...ids] } : {}), ...(token ? { NextToken: token } : {}) }),
            "list the flow logs",
            idempotent
          ).pipe(Effect.map((r) => [(r.FlowLogs ?? []).map(toFlowLog), r.NextToken] as const))
        ),
      exists: (id, type) => {
        const action = `look up ${type === "NetworkInterface" ? "network interface" : type === "VPC" ? "VPC" : "subnet"} ${id}`
        const found = type === "VPC"
          ? aws.call(new sdk.DescribeVpcsCommand({ VpcIds: [id] }), action, idempotent).pipe(Effect.map((r) => (r.Vpcs ?? []).length > 0))
          : type === "Subnet"
          ? aws.call(new sdk.DescribeSubnetsCommand({ SubnetIds: [id] }), action, idempotent).pipe(Effect.map((r) => (r.Subnets ?? []).length > 0))
          : aws.call(new sdk.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }), action, idempotent).pipe(
            Effect.map((r) => (r.NetworkInterfaces ?? []).length > 0)
          )
        return found.pipe(Effect.catchTag("AwsNotFound", () => Effect.succeed(false)))
      },
      create: (request) => {
        const action = `create a flow log for ${request.resourceId}`
        return aws.call(
          new sdk.CreateFlowLogsCommand({
            ResourceIds: [request.resourceId],
            ResourceType: request.resourceType,
            TrafficType: request.trafficType,
            LogDestinationType: "cloud-watch-logs",
            LogGroupName: request.logGroup,
            DeliverLogsPermissionArn: request.roleArn,
            ClientToken: crypto.randomUUID()
          }),
          action,
          tokenized
        ).pipe(
          Effect.flatMap((r) => {
            const failed = r.Unsuccessful?.[0]?.Error
            if (failed === undefined) return Effect.succeed(r.FlowLogIds?.[0] ?? "")
            const fields = {
              action,
              service: "EC2",
              operation: "CreateFlowLogs",
              code: failed.Code ?? "Unsuccessful",
              awsMessage: failed.Message ?? "",
              region: aws.region
            }
            return Effect.fail(/NotFound/.test(failed.Code ?? "") ? new AwsNotFound(fields) : new AwsInvalidRequest(fields))
          })
        )
      }
    })
  })
)
