/**
 * `aegea flow-logs create | ls | get`: VPC flow logs delivered to CloudWatch Logs. `get` reads the
 * flow log's log group with the same Logs service, time flags and event lines as `aegea logs`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { FlowLogsLive } from "../layers/FlowLogsLive.ts"
import { IamLive } from "../layers/IamLive.ts"
import { LogsLive } from "../layers/LogsLive.ts"
import { ResourceNotFound, UsageError } from "../errors.ts"
import { parseTimeRange } from "../lib/timeExpr.ts"
import { timestamp } from "../lib/progress.ts"
import { describeColumns, listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import {
  defaultFlowLogName,
  FlowLog,
  FlowLogs,
  flowLogsDeliveryPolicy,
  flowLogsService,
  resourceTypeOf
} from "../services/FlowLogs.ts"
import { Iam } from "../services/Iam.ts"
import { Logs } from "../services/Logs.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"
import { eventTable, printGroupEvents } from "./logGroups.ts"
import { endTimeFlag, startTimeFlag } from "./logs.ts"

export const FlowLogsLayer = Layer.mergeAll(
  awsService(FlowLogs, FlowLogsLive),
  awsService(Logs, LogsLive),
  awsService(Iam, IamLive)
).pipe(Layer.provideMerge(BaseLayer))

export const FlowLogsListLayer = awsService(FlowLogs, FlowLogsLive).pipe(Layer.provideMerge(BaseLayer))
export const FlowLogsReadLayer = Layer.mergeAll(awsService(FlowLogs, FlowLogsLive), awsService(Logs, LogsLive)).pipe(
  Layer.provideMerge(BaseLayer)
)

export const flowLogTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "resourceId", header: "RESOURCE", kind: "id" },
    { key: "status", kind: "state" },
    { key: "trafficType", header: "TRAFFIC" },
    { key: "logGroup", header: "LOG GROUP", kind: "name" },
    { key: "deliverStatus", header: "DELIVERY", kind: "state" },
    { key: "created", kind: "time" }
  ],
  kinds: { roleArn: "id" },
  fields: Object.keys(FlowLog.fields)
}

const trafficTypes = ["ALL", "ACCEPT", "REJECT"] as const

const create = Command.make(
  "create",
  {
    resource: Argument.String("resource").pipe(Argument.withDescription("A VPC id (vpc-...) or subnet id (subnet-...); a network interface id (eni-...) works too.")),
    logGroup: Flag.String("log-group").pipe(Flag.withDescription(`The CloudWatch Logs group to deliver to, created when missing (default ${defaultFlowLogName}).`), Flag.optional),
    iamRole: Flag.String("iam-role").pipe(
      Flag.withDescription(`The IAM role flow logs assume to write the group, created with the permissions it needs when missing (default ${defaultFlowLogName}).`),
      Flag.optional
    ),
    trafficType: Flag.Literals("traffic-type", trafficTypes).pipe(Flag.withDescription("Which traffic to log (default ALL)."), Flag.optional),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print one line of text on stderr saying what would be created (\"dry run: would create ...\"; the log group and role only if missing) and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("flow-logs.create")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("flow-logs create"), raw)
    const flowLogs = yield* FlowLogs
    const logs = yield* Logs
    const iam = yield* Iam
    const output = yield* Output
    const resourceType = resourceTypeOf(input.resource)
    if (resourceType === undefined) {
      return yield* new UsageError({
        message: `${input.resource} is not a VPC, subnet or network interface id`,
        hint: "Give an id starting with vpc-, subnet- or eni-"
      })
    }
    // Before creating a log group and a role for it: a mistyped id fails here and leaves nothing behind.
    if (!(yield* flowLogs.exists(input.resource, resourceType))) {
      return yield* new ResourceNotFound({
        kind: resourceType === "NetworkInterface" ? "network interface" : resourceType === "VPC" ? "VPC" : "subnet",
        name: input.resource,
        region: flowLogs.region,
        ...(resourceType === "NetworkInterface"
          ? {}
          : { hint: resourceType === "VPC" ? "Run 'aegea vpcs' to list the VPCs" : "Run 'aegea subnets' to list the subnets" })
      })
    }
    const logGroup = Option.getOrElse(input.logGroup, () => defaultFlowLogName)
    const roleName = Option.getOrElse(input.iamRole, () => defaultFlowLogName)
    const trafficType = Option.getOrElse(input.trafficType, () => "ALL" as const)
    if (input.dryRun) {
      const groupExists = (yield* Stream.runCollect(logs.groups({ prefix: logGroup }))).some((g) => g.name === logGroup)
      const roleExists = Option.isSome(yield* iam.roleArn(roleName))
      const steps = [
        ...(groupExists ? [] : [`create log group ${logGroup}`]),
        ...(roleExists ? [] : [`create IAM role ${roleName} (trusting ${flowLogsService})`]),
        `create a flow log of ${trafficType} traffic of ${resourceType} ${input.resource} to log group ${logGroup}`
      ]
      yield* output.info(`dry run: would ${steps.join(", ")}; nothing was changed`)
      return
    }
    yield* logs.ensureGroup(logGroup)
    const role = yield* iam.ensureRole({
      name: roleName,
      trustedService: flowLogsService,
      description: "Lets VPC flow logs write to CloudWatch Logs (aegea flow-logs create)",
      inlinePolicies: { [roleName]: flowLogsDeliveryPolicy }
    })
    if (role.created) yield* output.info(`created IAM role ${roleName}`)
    const id = yield* flowLogs.create({ resourceId: input.resource, resourceType, logGroup, roleArn: role.value.arn, trafficType })
    const [created] = yield* Stream.runCollect(flowLogs.list([id]))
    yield* output.table(
      [created ?? { id, resourceId: input.resource, status: "ACTIVE", trafficType, logGroup, deliverStatus: "", destinationType: "cloud-watch-logs" }],
      flowLogTable
    )
  })
).pipe(
  Command.withDescription(
    "Log a VPC's or subnet's traffic to CloudWatch Logs: creates the log group and the delivery IAM role when missing, then the flow log. Prints the flow log as 'flow-logs ls' does."
  ),
  Command.withExamples([
    { command: "aegea flow-logs create vpc-0abc", description: `All traffic of the VPC to log group ${defaultFlowLogName}` },
    { command: "aegea flow-logs create subnet-0abc --log-group web-flows --traffic-type REJECT --dry-run", description: "Say what would be created" }
  ])
)

const ls = Command.make(
  "ls",
  {},
  Effect.fn("flow-logs.ls")(function*() {
    const flowLogs = yield* FlowLogs
    const output = yield* Output
    yield* output.table(yield* Stream.runCollect(flowLogs.list()), flowLogTable, { empty: `no flow logs in ${flowLogs.region}` })
  })
).pipe(
  Command.withDescription(listingDescription("List the flow logs of the region.", flowLogTable)),
  Command.withShortDescription("List the flow logs of the region."),
  Command.withExamples([{ command: "aegea flow-logs ls --json", description: "Every flow log as JSON" }])
)

const get = Command.make(
  "get",
  {
    id: Argument.String("flow-log-id").pipe(
      Argument.withDescription("The flow log (fl-...) to read; without it, every flow log that delivers to CloudWatch Logs."),
      Argument.optional
    ),
    startTime: startTimeFlag("1h ago; 1m ago with --follow"),
    endTime: endTimeFlag,
    follow: Flag.Boolean("follow").pipe(
      Flag.withAlias("f"),
      Flag.withDefault(false),
      Flag.withDescription("Keep printing new records as they arrive, until Ctrl-C (or until --end-time passes).")
    ),
    filter: Flag.String("filter").pipe(
      Flag.withDescription("Only records matching this CloudWatch filter pattern, e.g. REJECT or \"10.0.1.5\"."),
      Flag.optional
    )
  },
  Effect.fn("flow-logs.get")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("flow-logs get"), raw)
    const flowLogs = yield* FlowLogs
    const output = yield* Output
    const wanted = Option.isSome(input.id) ? [input.id.value] : []
    const found = yield* Stream.runCollect(flowLogs.list(wanted)).pipe(
      Effect.catchTag("AwsNotFound", () => Effect.succeed([]))
    )
    const toLogs = found.filter((f) => f.logGroup !== "")
    if (Option.isSome(input.id) && toLogs.length === 0) {
      return yield* new ResourceNotFound({
        kind: found.length > 0 ? "flow log delivering to CloudWatch Logs" : "flow log",
        name: input.id.value,
        region: flowLogs.region,
        hint: "Run 'aegea flow-logs ls' to list the flow logs"
      })
    }
    if (toLogs.length === 0) {
      yield* output.info(`no flow logs deliver to CloudWatch Logs in ${flowLogs.region}; 'aegea flow-logs create VPC_ID' makes one`)
      return
    }
    const groups = [...new Set(toLogs.map((f) => f.logGroup))]
    const now = yield* Clock.currentTimeMillis
    const { start, end } = yield* parseTimeRange({
      start: Option.getOrElse(input.startTime, () => (input.follow ? "1m" : "1h")),
      end: Option.getOrUndefined(input.endTime)
    }, now)
    const printed = yield* printGroupEvents({ groups, filterPattern: Option.getOrUndefined(input.filter), start, end, follow: input.follow })
    if (!input.follow && printed === 0) {
      yield* output.info(
        `no flow log records in ${groups.join(", ")} between ${timestamp(start.getTime())} and ${timestamp((end ?? new Date(now)).getTime())}`
      )
    }
  })
).pipe(
  Command.withDescription(
    "Print flow log records from their CloudWatch Logs group as 'timestamp stream message' lines in time order (the stream " +
      "is the network interface; objects with --output json), like 'aegea logs GROUP --start-time ...'." +
      `\n  Events: ${describeColumns(eventTable)}.`
  ),
  Command.withExamples([
    { command: "aegea flow-logs get", description: "The last hour of every flow log" },
    { command: "aegea flow-logs get fl-0abc --start-time 10m --filter REJECT", description: "Rejected traffic of the last 10 minutes" },
    { command: "aegea flow-logs get --follow", description: "Follow the records as they arrive" }
  ])
)

export const flowLogsCommand = Command.make("flow-logs").pipe(
  Command.withDescription("VPC flow logs to CloudWatch Logs: create them, list them, read their records."),
  Command.withSubcommands([
    create.pipe(Command.provide(FlowLogsLayer)),
    ls.pipe(Command.provide(FlowLogsListLayer)),
    get.pipe(Command.provide(FlowLogsReadLayer))
  ])
)
