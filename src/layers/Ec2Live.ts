/** The live EC2 layer: the SDK client is imported lazily, so only commands that need EC2 load it. */
import { Effect, Layer, Stream } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import * as map from "./ec2Mapping.ts"
import { Ec2, Ec2Network, type InstanceFilter, resolveInstanceWith, type StateAction, type StateChange } from "../services/Ec2.ts"
import { ResourceNotFound } from "../services/Errors.ts"
import type { InstanceState } from "../services/Ec2.ts"

const toFilters = (f: InstanceFilter) => [
  ...(f.names && f.names.length > 0 ? [{ Name: "tag:Name", Values: [...f.names] }] : []),
  ...Object.entries(f.tags ?? {}).map(([k, v]) => ({ Name: `tag:${k}`, Values: [...v] })),
  ...(f.states && f.states.length > 0 ? [{ Name: "instance-state-name", Values: [...f.states] }] : []),
  ...Object.entries(f.filters ?? {}).map(([k, v]) => ({ Name: k, Values: [...v] }))
]

export const Ec2Live: Layer.Layer<Ec2, never, AwsClients> = Layer.effect(
  Ec2,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const ec2 = yield* client(() => new sdk.EC2Client(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "EC2", operation, action }, run)

    const instances = (filter: InstanceFilter = {}) => {
      const Filters = toFilters(filter)
      const ids = filter.ids && filter.ids.length > 0 ? { InstanceIds: [...filter.ids] } : {}
      return paginate((token) =>
        send("DescribeInstances", "list instances", (abortSignal) =>
          ec2.send(
            new sdk.DescribeInstancesCommand({
              ...ids,
              ...(Filters.length > 0 ? { Filters } : {}),
              ...(ids.InstanceIds ? {} : { MaxResults: 1000 }),
              ...(token ? { NextToken: token } : {})
            }),
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
          ec2.send(new sdk.GetConsoleOutputCommand({ InstanceId: id, Latest: true }), { abortSignal })).pipe(
            Effect.map((r) => (r.Output ? Buffer.from(r.Output, "base64").toString("utf8") : undefined))
          ),
      images: (options = {}) =>
        list(
          "DescribeImages",
          "images",
          (t, abortSignal) => ec2.send(new sdk.DescribeImagesCommand({ Owners: [...(options.owners ?? ["self"])], MaxResults: 1000, ...next(t) }), { abortSignal }),
          (r) => (r.Images ?? []).map(map.toImage)
        ),
      volumes: () =>
        list(
          "DescribeVolumes",
          "volumes",
          (t, abortSignal) => ec2.send(new sdk.DescribeVolumesCommand({ MaxResults: 500, ...next(t) }), { abortSignal }),
          (r) => (r.Volumes ?? []).map(map.toVolume)
        ),
      snapshots: () =>
        list(
          "DescribeSnapshots",
          "snapshots",
          (t, abortSignal) => ec2.send(new sdk.DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 1000, ...next(t) }), { abortSignal }),
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

// ---------------------------------------------------------------------------------------------
// Ec2Network (default VPC and security groups for batch/ecs default infrastructure).

export const Ec2NetworkLive: Layer.Layer<Ec2Network, never, AwsClients> = Layer.effect(
  Ec2Network,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const ec2 = yield* client(() => new sdk.EC2Client(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "EC2", operation, action }, run)

    const securityGroupId = (name: string, vpcId: string) =>
      send("DescribeSecurityGroups", `find security group ${name}`, (abortSignal) =>
        ec2.send(
          new sdk.DescribeSecurityGroupsCommand({
            Filters: [{ Name: "group-name", Values: [name] }, { Name: "vpc-id", Values: [vpcId] }]
          }),
          { abortSignal }
        )).pipe(Effect.map((r) => r.SecurityGroups?.[0]?.GroupId))

    return Ec2Network.of({
      defaultNetwork: Effect.gen(function*() {
        const vpcs = yield* send("DescribeVpcs", "find the default VPC", (abortSignal) =>
          ec2.send(new sdk.DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }), { abortSignal }))
        const vpcId = vpcs.Vpcs?.[0]?.VpcId
        if (vpcId === undefined) {
          return yield* new ResourceNotFound({
            kind: "VPC",
            name: "default",
            region: env.region,
            hint: "Create one with 'aws ec2 create-default-vpc', or create the queue yourself with 'aegea batch create-compute-environment'"
          })
        }
        const subnets = yield* send("DescribeSubnets", `list the subnets of ${vpcId}`, (abortSignal) =>
          ec2.send(new sdk.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }), { abortSignal }))
        const all = subnets.Subnets ?? []
        const preferred = all.filter((s) => s.DefaultForAz)
        const subnetIds = (preferred.length > 0 ? preferred : all).flatMap((s) => (s.SubnetId ? [s.SubnetId] : [])).sort()
        return { vpcId, subnetIds }
      }),
      securityGroupId,
      ensureSecurityGroup: (name, vpcId, description) =>
        Effect.gen(function*() {
          const existing = yield* securityGroupId(name, vpcId)
          if (existing !== undefined) return { id: existing, created: false }
          const created = yield* send("CreateSecurityGroup", `create security group ${name}`, (abortSignal) =>
            ec2.send(new sdk.CreateSecurityGroupCommand({ GroupName: name, VpcId: vpcId, Description: description }), { abortSignal })).pipe(
              Effect.map((r) => r.GroupId),
              Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && e.code === "InvalidGroup.Duplicate", () => Effect.succeed(undefined))
            )
          if (created !== undefined) return { id: created, created: true }
          const raced = yield* securityGroupId(name, vpcId)
          return { id: raced ?? "", created: false }
        })
    })
  })
)

// --- launch (issue 5) ---
// (Imports are hoisted; they sit here to keep this block separate from the code above.)
import { Ec2Launch, type RunInstanceRequest } from "../services/Ec2.ts"

const hostKeyTagKeys = new Set(["SSHHostPublicKeyPart1", "SSHHostPublicKeyPart2"])

/** The RunInstances input of a request (exported for --dry-run output and tests). */
export const runInstancesInput = (r: RunInstanceRequest) => {
  const tags = Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value }))
  const volumeTags = tags.filter((t) => !hostKeyTagKeys.has(t.Key))
  return {
    ImageId: r.imageId,
    InstanceType: r.instanceType,
    MinCount: 1,
    MaxCount: 1,
    ClientToken: r.clientToken,
    ...(r.subnetId !== undefined ? { SubnetId: r.subnetId } : {}),
    ...(r.availabilityZone !== undefined ? { Placement: { AvailabilityZone: r.availabilityZone } } : {}),
    ...(r.securityGroupIds.length > 0 ? { SecurityGroupIds: [...r.securityGroupIds] } : {}),
    ...(r.iamInstanceProfile !== undefined ? { IamInstanceProfile: { Name: r.iamInstanceProfile } } : {}),
    ...(r.keyName !== undefined ? { KeyName: r.keyName } : {}),
    UserData: r.userData,
    ...(r.blockDevices.length > 0
      ? {
        BlockDeviceMappings: r.blockDevices.map((d) => ({
          DeviceName: d.deviceName,
          Ebs: {
            VolumeSize: d.sizeGiB,
            VolumeType: d.volumeType,
            ...(d.encrypted !== undefined ? { Encrypted: d.encrypted } : {}),
            DeleteOnTermination: d.deleteOnTermination
          }
        }))
      }
      : {}),
    TagSpecifications: [
      { ResourceType: "instance" as const, Tags: tags },
      ...(volumeTags.length > 0 ? [{ ResourceType: "volume" as const, Tags: volumeTags }] : [])
    ],
    ...(r.spot !== undefined
      ? {
        InstanceMarketOptions: {
          MarketType: "spot" as const,
          SpotOptions: {
            SpotInstanceType: "one-time" as const,
            InstanceInterruptionBehavior: "terminate" as const,
            ...(r.spot.maxPrice !== undefined ? { MaxPrice: r.spot.maxPrice } : {})
          }
        }
      }
      : {})
  }
}

export const Ec2LaunchLive: Layer.Layer<Ec2Launch, never, AwsClients> = Layer.effect(
  Ec2Launch,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const ec2 = yield* client(() => new sdk.EC2Client(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "EC2", operation, action }, run)

    return Ec2Launch.of({
      findImages: (query) =>
        send("DescribeImages", "find images", (abortSignal) =>
          ec2.send(
            new sdk.DescribeImagesCommand({
              ...(query.owners ? { Owners: [...query.owners] } : {}),
              ...(query.ids ? { ImageIds: [...query.ids] } : {}),
              Filters: Object.entries(query.filters ?? {}).map(([Name, Values]) => ({ Name, Values: [...Values] }))
            }),
            { abortSignal }
          )).pipe(
            Effect.map((r) => (r.Images ?? []).map((i) => ({ ...map.toImage(i), ...(i.RootDeviceName ? { rootDeviceName: i.RootDeviceName } : {}) }))),
            Effect.catchIf((e) => e._tag === "AwsNotFound" || (e._tag === "AwsInvalidRequest" && e.code.startsWith("InvalidAMIID")), () => Effect.succeed([]))
          ),
      runInstance: (request) =>
        send("RunInstances", `launch an instance of ${request.imageId}`, (abortSignal) =>
          ec2.send(new sdk.RunInstancesCommand(runInstancesInput(request) as never), { abortSignal })).pipe(
            Effect.map((r) => map.toInstance(r.Instances?.[0] ?? {}))
          ),
      spotPrices: (instanceType, since) =>
        Stream.runCollect(
          paginate((token) =>
            send("DescribeSpotPriceHistory", `look up spot prices of ${instanceType}`, (abortSignal) =>
              ec2.send(
                new sdk.DescribeSpotPriceHistoryCommand({
                  InstanceTypes: [instanceType as never],
                  ProductDescriptions: ["Linux/UNIX"],
                  StartTime: since,
                  ...(token ? { NextToken: token } : {})
                }),
                { abortSignal }
              )).pipe(
                Effect.map((r) =>
                  [
                    (r.SpotPriceHistory ?? []).flatMap((p) =>
                      p.AvailabilityZone && p.SpotPrice
                        ? [{ availabilityZone: p.AvailabilityZone, price: Number(p.SpotPrice), timestamp: p.Timestamp ?? new Date(0) }]
                        : []
                    ),
                    r.NextToken
                  ] as const
                )
              )
          ).pipe(Stream.take(2000))
        )
    })
  })
)
