/** The live EC2 layer: the SDK client is imported lazily, so only commands that need EC2 load it. */
import { Effect, Layer, Stream } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import * as map from "./ec2Mapping.ts"
import { projectOutput, withOperationSchema } from "./sdk/projection.ts"
import { Ec2, type InstanceFilter, resolveInstanceWith, type StateAction, type StateChange } from "../services/Ec2.ts"
import type { InstanceState } from "../services/Ec2.ts"

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

export const Ec2Live: Layer.Layer<Ec2, never, AwsClients> = Layer.effect(
  Ec2,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const ec2 = yield* client(() => new sdk.EC2Client(env.clientConfig))
    const projected = listingOperations(sdk)
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "EC2", operation, action }, run)

    const instances = (filter: InstanceFilter = {}) => {
      const Filters = toFilters(filter)
      const ids = filter.ids && filter.ids.length > 0 ? { InstanceIds: [...filter.ids] } : {}
      return paginate((token) =>
        send("DescribeInstances", "list instances", (abortSignal) =>
          ec2.send(
            withOperationSchema(
              new sdk.DescribeInstancesCommand({
                ...ids,
                ...(Filters.length > 0 ? { Filters } : {}),
                ...(ids.InstanceIds ? {} : { MaxResults: 1000 }),
                ...(token ? { NextToken: token } : {})
              }),
              projected.describeInstances
            ),
            { abortSignal }
          )).pipe(
            Effect.map((r) =>
              [
                (r.Reservations ?? []).flatMap((res) => (res.Instances ?? []).map(map.toInstance)),
                r.NextToken
              ] as const
            )
          )
      )
    }

    const commands = {
      start: (ids: Array<string>, DryRun: boolean) => new sdk.StartInstancesCommand({ InstanceIds: ids, DryRun }),
      stop: (ids: Array<string>, DryRun: boolean) => new sdk.StopInstancesCommand({ InstanceIds: ids, DryRun }),
      terminate: (ids: Array<string>, DryRun: boolean) =>
        new sdk.TerminateInstancesCommand({ InstanceIds: ids, DryRun }),
      reboot: (ids: Array<string>, DryRun: boolean) => new sdk.RebootInstancesCommand({ InstanceIds: ids, DryRun })
    } as const
    const operations = { start: "StartInstances", stop: "StopInstances", terminate: "TerminateInstances", reboot: "RebootInstances" }

    const changeState = (action: StateAction, ids: ReadonlyArray<string>, options: { dryRun?: boolean } = {}) =>
      send(operations[action], `${action} ${ids.join(", ")}`, async (abortSignal) => {
        try {
          return await ec2.send(commands[action]([...ids], options.dryRun ?? false) as never, { abortSignal }) as {
            StartingInstances?: Array<{ InstanceId?: string; PreviousState?: { Name?: string }; CurrentState?: { Name?: string } }>
            StoppingInstances?: Array<{ InstanceId?: string; PreviousState?: { Name?: string }; CurrentState?: { Name?: string } }>
            TerminatingInstances?: Array<{ InstanceId?: string; PreviousState?: { Name?: string }; CurrentState?: { Name?: string } }>
          }
        } catch (e) {
          // A dry run that would have succeeded is reported by EC2 as the "error" DryRunOperation.
          if ((e as { name?: string }).name === "DryRunOperation") return {}
          throw e
        }
      }).pipe(
        Effect.map((r): ReadonlyArray<StateChange> =>
          (r.StartingInstances ?? r.StoppingInstances ?? r.TerminatingInstances ?? []).map((c) => ({
            id: c.InstanceId ?? "",
            previousState: (c.PreviousState?.Name ?? "pending") as InstanceState,
            currentState: (c.CurrentState?.Name ?? "pending") as InstanceState
          }))
        )
      )

    const list = <R extends { NextToken?: string | undefined }, A>(
      operation: string,
      what: string,
      request: (token: string | undefined, abortSignal: AbortSignal) => Promise<R>,
      items: (r: R) => ReadonlyArray<A>
    ) =>
      paginate((token) =>
        send(operation, `list ${what}`, (abortSignal) => request(token, abortSignal)).pipe(
          Effect.map((r) => [items(r), r.NextToken] as const)
        )
      )
    const once = <R, A>(
      operation: string,
      what: string,
      request: (abortSignal: AbortSignal) => Promise<R>,
      items: (r: R) => ReadonlyArray<A>
    ) => Stream.fromIterableEffect(send(operation, `list ${what}`, request).pipe(Effect.map(items)))
    const next = (token: string | undefined) => (token ? { NextToken: token } : {})

    return Ec2.of({
      region: env.region,
      instances,
      resolveInstance: resolveInstanceWith(instances, env.region),
      changeState,
      consoleOutput: (id) =>
        send("GetConsoleOutput", `get the console output of ${id}`, (abortSignal) =>
          ec2.send(new sdk.GetConsoleOutputCommand({ InstanceId: id }), { abortSignal })).pipe(
            Effect.map((r) => (r.Output ? Buffer.from(r.Output, "base64").toString("utf8") : undefined))
          ),
      images: (options = {}) =>
        list(
          "DescribeImages",
          "images",
          (t, abortSignal) =>
            ec2.send(
              withOperationSchema(
                new sdk.DescribeImagesCommand({ Owners: [...(options.owners ?? ["self"])], MaxResults: 1000, ...next(t) }),
                projected.describeImages
              ),
              { abortSignal }
            ),
          (r) => (r.Images ?? []).map(map.toImage)
        ),
      volumes: () =>
        list(
          "DescribeVolumes",
          "volumes",
          (t, abortSignal) =>
            ec2.send(withOperationSchema(new sdk.DescribeVolumesCommand({ MaxResults: 500, ...next(t) }), projected.describeVolumes), {
              abortSignal
            }),
          (r) => (r.Volumes ?? []).map(map.toVolume)
        ),
      snapshots: () =>
        list(
          "DescribeSnapshots",
          "snapshots",
          (t, abortSignal) =>
            ec2.send(
              withOperationSchema(
                new sdk.DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 1000, ...next(t) }),
                projected.describeSnapshots
              ),
              { abortSignal }
            ),
          (r) => (r.Snapshots ?? []).map(map.toSnapshot)
        ),
      securityGroupRules: () =>
        list(
          "DescribeSecurityGroups",
          "security groups",
          (t, abortSignal) => ec2.send(new sdk.DescribeSecurityGroupsCommand({ MaxResults: 1000, ...next(t) }), { abortSignal }),
          (r: import("@aws-sdk/client-ec2").DescribeSecurityGroupsCommandOutput) =>
            (r.SecurityGroups ?? []).flatMap(map.toSecurityGroupRules)
        ),
      subnets: () =>
        list(
          "DescribeSubnets",
          "subnets",
          (t, abortSignal) => ec2.send(new sdk.DescribeSubnetsCommand({ MaxResults: 1000, ...next(t) }), { abortSignal }),
          (r) => (r.Subnets ?? []).map(map.toSubnet)
        ),
      vpcs: () =>
        list(
          "DescribeVpcs",
          "VPCs",
          (t, abortSignal) => ec2.send(new sdk.DescribeVpcsCommand({ MaxResults: 1000, ...next(t) }), { abortSignal }),
          (r) => (r.Vpcs ?? []).map(map.toVpc)
        ),
      keyPairs: () =>
        once(
          "DescribeKeyPairs",
          "key pairs",
          (abortSignal) => ec2.send(new sdk.DescribeKeyPairsCommand({}), { abortSignal }),
          (r) => (r.KeyPairs ?? []).map(map.toKeyPair)
        ),
      regions: () =>
        once(
          "DescribeRegions",
          "regions",
          (abortSignal) => ec2.send(new sdk.DescribeRegionsCommand({}), { abortSignal }),
          (r) => (r.Regions ?? []).map(map.toRegion)
        ),
      zones: () =>
        once(
          "DescribeAvailabilityZones",
          "availability zones",
          (abortSignal) => ec2.send(new sdk.DescribeAvailabilityZonesCommand({}), { abortSignal }),
          (r: import("@aws-sdk/client-ec2").DescribeAvailabilityZonesCommandOutput) =>
            (r.AvailabilityZones ?? []).map(map.toZone)
        )
    })
  })
)
