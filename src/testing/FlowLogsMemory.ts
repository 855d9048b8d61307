/** An in-memory VPC flow logs store for tests: resources that exist, and the flow logs created. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest, AwsNotFound } from "../errors.ts"
import { type FlowLog, FlowLogs } from "../services/FlowLogs.ts"

/** What `FlowLogsMemory` starts with: the resources that exist and their flow logs. */
export interface FlowLogsSeed {
  readonly region?: string
  /** VPC, subnet and network interface ids that exist. */
  readonly resources?: ReadonlyArray<string>
  readonly flowLogs?: ReadonlyArray<FlowLog>
}

/** `FlowLogs` in memory: flow logs only on resources that exist. */
export const FlowLogsMemory = {
  layer: (seed: FlowLogsSeed = {}): Layer.Layer<FlowLogs> =>
    Layer.effect(
      FlowLogs,
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const store = yield* Ref.make<ReadonlyArray<FlowLog>>(seed.flowLogs ?? [])
        let counter = 0
        return FlowLogs.of({
          region,
          list: (ids = []) =>
            Stream.unwrap(Effect.map(Ref.get(store), (all) => Stream.fromIterable(all.filter((f) => ids.length === 0 || ids.includes(f.id))))),
          exists: (id) => Effect.succeed((seed.resources ?? []).includes(id)),
          create: (request) =>
            Effect.gen(function*() {
              const action = `create a flow log for ${request.resourceId}`
              const fields = { action, service: "EC2", operation: "CreateFlowLogs", region }
              if (!(seed.resources ?? []).includes(request.resourceId)) {
                return yield* new AwsNotFound({
                  ...fields,
                  code: request.resourceType === "VPC" ? "InvalidVpcID.NotFound" : "InvalidSubnetID.NotFound",
                  awsMessage: `The ${request.resourceType} ID '${request.resourceId}' does not exist`
                })
              }
              const all = yield* Ref.get(store)
              if (all.some((f) => f.resourceId === request.resourceId && f.logGroup === request.logGroup)) {
                return yield* new AwsInvalidRequest({
                  ...fields,
                  code: "FlowLogAlreadyExists",
                  awsMessage: "Error. There is an existing Flow Log with the same configuration and log destination."
                })
              }
              const id = `fl-${(++counter).toString(16).padStart(17, "0")}`
              yield* Ref.set(store, [...all, {
                id,
                resourceId: request.resourceId,
                status: "ACTIVE",
                trafficType: request.trafficType,
                destinationType: "cloud-watch-logs",
                logGroup: request.logGroup,
                deliverStatus: "SUCCESS",
                roleArn: request.roleArn
              }])
              return id
            })
        })
      })
    )
}
