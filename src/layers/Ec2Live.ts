/** The live EC2 layer: the SDK client is imported lazily, so only commands that need EC2 load it. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate } from "./aws.ts"
import * as map from "./ec2Mapping.ts"
import { projectOutput, withOperationSchema } from "./sdk/projection.ts"
import { Ec2, type InstanceFilter, resolveInstanceWith, type StateAction, type StateChange } from "../services/Ec2.ts"
import type { InstanceState } from "../services/Ec2.ts"
import type { AwsError } from "../errors.ts"
import { toSdkFilters } from "../lib/ec2Filters.ts"

const toFilters = (f: InstanceFilter) => [
  ...(f.names && f.names.length > 0 ? [{ Name: "tag:Name", Values: [...f.names] }] : []),
  ...Object.entries(f.tags ?? {}).map(([k, v]) => ({ Name: `tag:${k}`, Values: [...v] })),
  ...(f.states && f.states.length > 0 ? [{ Name: "instance-state-name", Values: [...f.states] }] : []),
  ...Object.entries(f.filters ?? {}).map(([k, v]) => ({ Name: k, Values: [...v] }))
]

/** The listings' operations, decoding only what the mappings read (see src/layers/sdk/projection.ts). */
const listingOperations = (sdk: typeof import("./sdk/ec2.ts")) => ({
  describeInstances: projectOutput(sdk.DescribeInstances$, { Reservations: { Instances: map.instanceFields }, NextToken: true }),
  describeImages: projectOutput(sdk.DescribeImages$, { Images: map.imageFields, NextToken: true }),
  describeVolumes: projectOutput(sdk.DescribeVolumes$, { Volumes: map.volumeFields, NextToken: true }),
  describeSnapshots: projectOutput(sdk.DescribeSnapshots$, { Snapshots: map.snapshotFields, NextToken: true })
})

/** `Ec2` against EC2, with the region, credentials and endpoint of `AwsClients`. */
export const Ec2Live: Layer.Layer<Ec2, never, AwsClients> = Layer.effect(
  Ec2,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const aws = yield* makeAws("EC2", (config) => new sdk.EC2Client(config))
    const projected = listingOperations(sdk)

    const instances = (filter: InstanceFilter = {}) => {
      const Filters = toFilters(filter)
      const ids = filter.ids && filter.ids.length > 0 ? { InstanceIds: [...filter.ids] } : {}
      return paginate((token) =>
        aws.call(
          withOperationSchema(
            new sdk.DescribeInstancesCommand({
              ...ids,
              ...(Filters.length > 0 ? { Filters } : {}),
              ...(ids.InstanceIds ? {} : { MaxResults: 1000 }),
              ...(token ? { NextToken: token } : {})
            }),
            projected.describeInstances
          ),
          "list instances",
          idempotent
        ).pipe(
          Effect.map((r) =>
            [
              (r.Reservations ?? []).flatMap((res) => (res.Instances ?? []).map(map.toInstance)),
              r.NextToken
            ] as const
          )
        )
      )
    }

    interface StateChanges {
      readonly StartingInstances?: ReadonlyArray<import("@aws-sdk/client-ec2").InstanceStateChange> | undefined
      readonly StoppingInstances?: ReadonlyArray<import("@aws-sdk/client-ec2").InstanceStateChange> | undefined
      readonly TerminatingInstances?: ReadonlyArray<import("@aws-sdk/client-ec2").InstanceStateChange> | undefined
    }
    // Starting, stopping, rebooting or terminating an instance twice leaves it as once: idempotent.
    const stateCall = (action: StateAction, InstanceIds: Array<string>, DryRun: boolean): Effect.Effect<StateChanges, AwsError> => {
      const what = `${action} ${InstanceIds.join(", ")}`
      switch (action) {
        case "start":
          return aws.call(new sdk.StartInstancesCommand({ InstanceIds, DryRun }), what, idempotent)
        case "stop":
          return aws.call(new sdk.StopInstancesCommand({ InstanceIds, DryRun }), what, idempotent)
        case "terminate":
          return aws.call(new sdk.TerminateInstancesCommand({ InstanceIds, DryRun }), what, idempotent)
        case "reboot":
          // RebootInstances reports no state changes.
          return aws.call(new sdk.RebootInstancesCommand({ InstanceIds, DryRun }), what, idempotent).pipe(Effect.as<StateChanges>({}))
      }
    }

    const changeState = (action: StateAction, ids: ReadonlyArray<string>, options: { dryRun?: boolean } = {}) =>
      // No ids: nothing to change and no call (EC2 would reject an empty InstanceIds).
      ids.length === 0 ? Effect.succeed<ReadonlyArray<StateChange>>([]) : stateCall(action, [...ids], options.dryRun ?? false).pipe(
        // A dry run that would have succeeded is reported by EC2 as the "error" DryRunOperation.
        Effect.catchIf((e) => e.code === "DryRunOperation", () => Effect.succeed<StateChanges>({})),
        Effect.map((r): ReadonlyArray<StateChange> =>
          (r.StartingInstances ?? r.StoppingInstances ?? r.TerminatingInstances ?? []).map((c) => ({
            id: c.InstanceId ?? "",
            previousState: (c.PreviousState?.Name ?? "pending") as InstanceState,
            currentState: (c.CurrentState?.Name ?? "pending") as InstanceState
          }))
        )
      )

    const next = (token: string | undefined) => (token ? { NextToken: token } : {})

    return Ec2.of({
      region: aws.region,
      instances,
      resolveInstance: resolveInstanceWith(instances, aws.region),
      changeState,
      consoleOutput: (id) =>
        aws.call(new sdk.GetConsoleOutputCommand({ InstanceId: id }), `get the console output of ${id}`, idempotent).pipe(
          Effect.map((r) => (r.Output ? Buffer.from(r.Output, "base64").toString("utf8") : undefined))
        ),
      images: (options = {}) =>
        aws.pages(
          (t) =>
            withOperationSchema(
              new sdk.DescribeImagesCommand({ Owners: [...(options.owners ?? ["self"])], MaxResults: 1000, ...toSdkFilters(options.filters), ...next(t) }),
              projected.describeImages
            ),
          "list images",
          (r) => [(r.Images ?? []).map(map.toImage), r.NextToken]
        ),
      volumes: (options = {}) =>
        aws.pages(
          (t) => withOperationSchema(new sdk.DescribeVolumesCommand({ MaxResults: 500, ...toSdkFilters(options.filters), ...next(t) }), projected.describeVolumes),
          "list volumes",
          (r) => [(r.Volumes ?? []).map(map.toVolume), r.NextToken]
        ),
      snapshots: (options = {}) =>
        aws.pages(
          (t) =>
            withOperationSchema(
              new sdk.DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 1000, ...toSdkFilters(options.filters), ...next(t) }),
              projected.describeSnapshots
            ),
          "list snapshots",
          (r) => [(r.Snapshots ?? []).map(map.toSnapshot), r.NextToken]
        ),
      securityGroupRules: (options = {}) =>
        aws.pages(
          (t) => new sdk.DescribeSecurityGroupsCommand({ MaxResults: 1000, ...toSdkFilters(options.filters), ...next(t) }),
          "list security groups",
          (r) => [(r.SecurityGroups ?? []).flatMap(map.toSecurityGroupRules), r.NextToken]
        ),
      subnets: (options = {}) =>
        aws.pages(
          (t) => new sdk.DescribeSubnetsCommand({ MaxResults: 1000, ...toSdkFilters(options.filters), ...next(t) }),
          "list subnets",
          (r) => [(r.Subnets ?? []).map(map.toSubnet), r.NextToken]
        ),
      vpcs: (options = {}) =>
        aws.pages(
          (t) => new sdk.DescribeVpcsCommand({ MaxResults: 1000, ...toSdkFilters(options.filters), ...next(t) }),
          "list VPCs",
          (r) => [(r.Vpcs ?? []).map(map.toVpc), r.NextToken]
        ),
      // These three are not paginated: one call each.
      keyPairs: () =>
        Stream.fromIterableEffect(
          aws.call(new sdk.DescribeKeyPairsCommand({}), "list key pairs", idempotent).pipe(Effect.map((r) => (r.KeyPairs ?? []).map(map.toKeyPair)))
        ),
      regions: () =>
        Stream.fromIterableEffect(
          aws.call(new sdk.DescribeRegionsCommand({}), "list regions", idempotent).pipe(Effect.map((r) => (r.Regions ?? []).map(map.toRegion)))
        ),
      zones: () =>
        Stream.fromIterableEffect(
          aws.call(new sdk.DescribeAvailabilityZonesCommand({}), "list availability zones", idempotent).pipe(
            Effect.map((r) => (r.AvailabilityZones ?? []).map(map.toZone))
          )
        )
    })
  })
)
