/** The live Ec2Resources layer: deletions by id, EBS volume changes and instance renames. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { AwsClients } from "./AwsClients.ts"
import { type Aws, idempotent, makeAws, once, tokenized } from "./aws.ts"
import * as map from "./ec2Mapping.ts"
import { type AwsError, ResourceNotFound } from "../errors.ts"
import { Ec2Resources, nounOf, type Removable, type RemovableKind } from "../services/Ec2Resources.ts"
import { pollUntil } from "../services/Polling.ts"

/** A dry run that would have succeeded comes back as the "error" DryRunOperation. */
const dryRunOk = <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A | undefined, AwsError> =>
  effect.pipe(Effect.catchIf((e) => e.code === "DryRunOperation", () => Effect.succeed(undefined)))

/** A deletion retried after a lost answer finds the thing gone: that is done too. */
const goneIsDone = (effect: Effect.Effect<unknown, AwsError>): Effect.Effect<void, AwsError> =>
  dryRunOk(effect).pipe(Effect.asVoid, Effect.catchTag("AwsNotFound", () => Effect.void))

/** Polls (2 s apart) for an EFS file system's mount targets to be gone: at most 5 minutes. */
const mountTargetGonePolls = 150

const nameTag = (tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined) =>
  tags?.find((t) => t.Key === "Name")?.Value

/** `Ec2Resources` against EC2, with the region, credentials and endpoint of `AwsClients`. */
export const Ec2ResourcesLive: Layer.Layer<Ec2Resources, never, AwsClients> = Layer.effect(
  Ec2Resources,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const aws = yield* makeAws("EC2", (config) => new sdk.EC2Client(config))

    // The other services' clients are made on first use, in this layer's scope: `aegea ebs` and
    // most of `aegea rm` never load them.
    const context = yield* Effect.context<AwsClients | Scope.Scope>()
    const later = <A>(make: Effect.Effect<A, never, AwsClients | Scope.Scope>) => Effect.cached(Effect.provideContext(make, context))
    const elb = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-elastic-load-balancing-v2"))
      return { m, aws: yield* makeAws("Elastic Load Balancing", (config) => new m.ElasticLoadBalancingV2Client(config)) }
    }))
    const elbClassic = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-elastic-load-balancing"))
      return { m, aws: yield* makeAws("Elastic Load Balancing", (config) => new m.ElasticLoadBalancingClient(config)) }
    }))
    const lambda = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-lambda"))
      return { m, aws: yield* makeAws("Lambda", (config) => new m.LambdaClient(config)) }
    }))
    const iam = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-iam"))
      return { m, aws: yield* makeAws("IAM", (config) => new m.IAMClient(config), { global: true }) }
    }))
    const efs = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-efs"))
      return { m, aws: yield* makeAws("EFS", (config) => new m.EFSClient(config)) }
    }))
    const use = <M, A>(client: Effect.Effect<{ readonly m: M; readonly aws: Aws }>, f: (m: M, aws: Aws) => Effect.Effect<A, AwsError>) =>
      Effect.flatMap(client, ({ aws, m }) => f(m, aws))

    const notFound = (kind: RemovableKind, id: string) =>
      new ResourceNotFound({ kind: nounOf(kind), name: id, region: aws.region, hint: "Check the id and the region", remedy: "check-region" })

    const found = (kind: RemovableKind, id: string, name: string | undefined, extra: Partial<Removable> = {}): Removable => ({
      kind,
      id,
      name,
      alsoDeletes: [],
      blockers: [],
      ...extra
    })

    const vpcBlockers = (vpcId: string) =>
      Effect.gen(function*() {
        const vpcFilter = [{ Name: "vpc-id", Values: [vpcId] }]
        const [subnets, instances, gateways, groups] = yield* Effect.all([
          aws.call(new sdk.DescribeSubnetsCommand({ Filters: vpcFilter }), `list the subnets of ${vpcId}`, idempotent),
          aws.call(
            new sdk.DescribeInstancesCommand({
              Filters: [...vpcFilter, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] }]
            }),
            `list the instances in ${vpcId}`,
            idempotent
          ),
          aws.call(
            new sdk.DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [vpcId] }] }),
            `list the internet gateways of ${vpcId}`,
            idempotent
          ),
          aws.call(new sdk.DescribeSecurityGroupsCommand({ Filters: vpcFilter }), `list the security groups of ${vpcId}`, idempotent)
        ], { concurrency: 4 })
        return [
          ...(subnets.Subnets ?? []).map((s) => `subnet ${s.SubnetId}`),
          ...(instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => `instance ${i.InstanceId}`),
          ...(gateways.InternetGateways ?? []).map((g) => `internet gateway ${g.InternetGatewayId}`),
          ...(groups.SecurityGroups ?? []).filter((g) => g.GroupName !== "default").map((g) => `security group ${g.GroupId}`)
        ]
      })

    /** The ids of an EFS file system's mount targets (those not already deleted). */
    const mountTargetsOf = (fileSystemId: string): Effect.Effect<ReadonlyArray<string>, AwsError> =>
      use(efs, (m, efsAws) =>
        efsAws.call(new m.DescribeMountTargetsCommand({ FileSystemId: fileSystemId }), `list the mount targets of ${fileSystemId}`, idempotent)
          .pipe(
            Effect.map((r) =>
              (r.MountTargets ?? []).filter((t) => t.LifeCycleState !== "deleted").flatMap((t) => (t.MountTargetId ? [t.MountTargetId] : []))
            )
          ))

    const lookup = (kind: RemovableKind, id: string, byName: boolean): Effect.Effect<Removable | undefined, AwsError> => {
      const what = `find ${nounOf(kind)} ${id}`
      switch (kind) {
        case "security-group":
          return aws.call(new sdk.DescribeSecurityGroupsCommand({ GroupIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.SecurityGroups?.[0]),
            Effect.map((g) => g && found(kind, id, nameTag(g.Tags) ?? g.GroupName))
          )
        case "volume":
          return aws.call(new sdk.DescribeVolumesCommand({ VolumeIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.Volumes?.[0]),
            Effect.map((v) => v && found(kind, id, nameTag(v.Tags)))
          )
        case "snapshot":
          return aws.call(new sdk.DescribeSnapshotsCommand({ SnapshotIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.Snapshots?.[0]),
            Effect.map((s) => s && found(kind, id, nameTag(s.Tags)))
          )
        case "image":
          return aws.call(new sdk.DescribeImagesCommand({ ImageIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.Images?.[0]),
            Effect.map((i) =>
              i && found(kind, id, nameTag(i.Tags) ?? i.Name, {
                alsoDeletes: (i.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : []))
              })
            )
          )
        case "subnet":
          return aws.call(new sdk.DescribeSubnetsCommand({ SubnetIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.Subnets?.[0]),
            Effect.map((s) => s && found(kind, id, nameTag(s.Tags)))
          )
        case "vpc":
          return aws.call(new sdk.DescribeVpcsCommand({ VpcIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.Vpcs?.[0]),
            Effect.flatMap((v) =>
              v === undefined ? Effect.succeed(undefined) : Effect.map(vpcBlockers(id), (blockers) => found(kind, id, nameTag(v.Tags), { blockers }))
            )
          )
        case "launch-template":
          return aws.call(new sdk.DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.LaunchTemplates?.[0]),
            Effect.map((t) => t && found(kind, id, t.LaunchTemplateName))
          )
        case "internet-gateway":
          return aws.call(new sdk.DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.InternetGateways?.[0]),
            Effect.map((g) =>
              g && found(kind, id, nameTag(g.Tags), {
                // Detached first: AWS deletes only a gateway attached to nothing.
                detachFrom: (g.Attachments ?? []).flatMap((a) => (a.VpcId ? [a.VpcId] : []))
              })
            )
          )
        case "flow-log":
          return aws.call(new sdk.DescribeFlowLogsCommand({ FlowLogIds: [id] }), what, idempotent).pipe(
            Effect.map((r) => r.FlowLogs?.[0]),
            Effect.map((f) => f && found(kind, id, nameTag(f.Tags) ?? f.LogGroupName))
          )
        case "key-pair":
          return aws.call(
            new sdk.DescribeKeyPairsCommand(byName ? { KeyNames: [id] } : { KeyPairIds: [id] }),
            what,
            idempotent
          ).pipe(
            Effect.map((r) => r.KeyPairs?.[0]),
            Effect.map((k) => k && found(kind, byName ? (k.KeyName ?? id) : id, byName ? undefined : k.KeyName))
          )
        case "load-balancer": {
          const v2 = use(elb, (m, elbAws) =>
            elbAws.call(new m.DescribeLoadBalancersCommand(byName ? { Names: [id] } : { LoadBalancerArns: [id] }), what, idempotent).pipe(
              Effect.map((r) => r.LoadBalancers?.[0]),
              Effect.map((b) => b && found(kind, b.LoadBalancerArn ?? id, b.LoadBalancerName))
            ))
          // A name no ELBv2 load balancer has may be a Classic Load Balancer's.
          const classic = use(elbClassic, (m, classicAws) =>
            classicAws.call(new m.DescribeLoadBalancersCommand({ LoadBalancerNames: [id] }), what, idempotent).pipe(
              Effect.map((r) => r.LoadBalancerDescriptions?.[0]),
              Effect.map((b) => b && found(kind, b.LoadBalancerName ?? id, b.LoadBalancerName, { classic: true }))
            ))
          return byName
            ? v2.pipe(
              Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined)),
              Effect.flatMap((b) => (b !== undefined ? Effect.succeed(b) : classic))
            )
            : v2
        }
        case "lambda-function":
          return use(lambda, (m, lambdaAws) =>
            lambdaAws.call(new m.GetFunctionCommand({ FunctionName: id }), what, idempotent).pipe(
              Effect.map((r) => r.Configuration),
              Effect.map((f) => f && found(kind, f.FunctionArn ?? id, f.FunctionName))
            ))
        case "file-system":
          return use(efs, (m, efsAws) =>
            efsAws.call(new m.DescribeFileSystemsCommand({ FileSystemId: id }), what, idempotent).pipe(
              Effect.map((r) => r.FileSystems?.[0]),
              Effect.flatMap((f) =>
                f === undefined
                  ? Effect.succeed(undefined)
                  : Effect.map(mountTargetsOf(id), (targets) => found(kind, id, f.Name, { alsoDeletes: targets }))
              )
            ))
        case "access-key":
          return use(iam, (m, iamAws) =>
            iamAws.call(new m.GetAccessKeyLastUsedCommand({ AccessKeyId: id }), what, idempotent).pipe(
              Effect.map((r) => r.UserName),
              Effect.map((user) => user === undefined ? undefined : found(kind, id, undefined, { owner: user }))
            ))
      }
    }

    const deleteCall = (target: Removable, DryRun: boolean): Effect.Effect<void, AwsError> => {
      const what = `delete ${nounOf(target.kind)} ${target.id}`
      const id = target.id
      switch (target.kind) {
        case "security-group":
          return goneIsDone(aws.call(new sdk.DeleteSecurityGroupCommand({ GroupId: id, DryRun }), what, idempotent))
        case "volume":
          return goneIsDone(aws.call(new sdk.DeleteVolumeCommand({ VolumeId: id, DryRun }), what, idempotent))
        case "snapshot":
          return goneIsDone(aws.call(new sdk.DeleteSnapshotCommand({ SnapshotId: id, DryRun }), what, idempotent))
        case "image":
          return Effect.gen(function*() {
            yield* goneIsDone(aws.call(new sdk.DeregisterImageCommand({ ImageId: id, DryRun }), `deregister AMI ${id}`, idempotent))
            for (const snapshot of target.alsoDeletes) {
              yield* goneIsDone(
                aws.call(new sdk.DeleteSnapshotCommand({ SnapshotId: snapshot, DryRun }), `delete snapshot ${snapshot} of ${id}`, idempotent)
              )
            }
          })
        case "subnet":
          return goneIsDone(aws.call(new sdk.DeleteSubnetCommand({ SubnetId: id, DryRun }), what, idempotent))
        case "vpc":
          return goneIsDone(aws.call(new sdk.DeleteVpcCommand({ VpcId: id, DryRun }), what, idempotent))
        case "launch-template":
          return goneIsDone(aws.call(new sdk.DeleteLaunchTemplateCommand({ LaunchTemplateId: id, DryRun }), what, idempotent))
        case "internet-gateway":
          return Effect.gen(function*() {
            for (const vpcId of target.detachFrom ?? []) {
              yield* goneIsDone(
                aws.call(
                  new sdk.DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpcId, DryRun }),
                  `detach internet gateway ${id} from ${vpcId}`,
                  idempotent
                )
              )
            }
            yield* goneIsDone(aws.call(new sdk.DeleteInternetGatewayCommand({ InternetGatewayId: id, DryRun }), what, idempotent))
          })
        case "flow-log":
          return goneIsDone(aws.call(new sdk.DeleteFlowLogsCommand({ FlowLogIds: [id], DryRun }), what, idempotent))
        case "key-pair":
          return goneIsDone(
            aws.call(
              new sdk.DeleteKeyPairCommand(id.startsWith("key-") && target.name !== undefined ? { KeyPairId: id, DryRun } : { KeyName: id, DryRun }),
              what,
              idempotent
            )
          )
        // No DryRun in these APIs: a dry run stops at find.
        case "file-system":
          return DryRun ? Effect.void : use(efs, (m, efsAws) =>
            Effect.gen(function*() {
              for (const mountTarget of target.alsoDeletes) {
                yield* goneIsDone(
                  efsAws.call(new m.DeleteMountTargetCommand({ MountTargetId: mountTarget }), `delete mount target ${mountTarget} of ${id}`, idempotent)
                )
              }
              // AWS deletes the file system only once its mount targets are gone (a minute or so);
              // past the bound, DeleteFileSystem says FileSystemInUse.
              yield* mountTargetsOf(id).pipe(
                (e) => pollUntil(e, "state", (left) => left.length === 0, mountTargetGonePolls)
              )
              yield* goneIsDone(efsAws.call(new m.DeleteFileSystemCommand({ FileSystemId: id }), what, idempotent))
            }))
        case "load-balancer":
          return DryRun
            ? Effect.void
            : target.classic === true
            ? use(elbClassic, (m, classicAws) =>
              goneIsDone(classicAws.call(new m.DeleteLoadBalancerCommand({ LoadBalancerName: id }), what, idempotent)))
            : use(elb, (m, elbAws) => goneIsDone(elbAws.call(new m.DeleteLoadBalancerCommand({ LoadBalancerArn: id }), what, idempotent)))
        case "lambda-function":
          return DryRun ? Effect.void : use(lambda, (m, lambdaAws) =>
            goneIsDone(lambdaAws.call(new m.DeleteFunctionCommand({ FunctionName: id }), what, idempotent)))
        case "access-key":
          return DryRun ? Effect.void : use(iam, (m, iamAws) =>
            goneIsDone(
              iamAws.call(
                new m.DeleteAccessKeyCommand({ AccessKeyId: id, ...(target.owner !== undefined ? { UserName: target.owner } : {}) }),
                what,
                idempotent
              )
            ))
      }
    }

    const volume = (id: string) =>
      aws.call(new sdk.DescribeVolumesCommand({ VolumeIds: [id] }), `find volume ${id}`, idempotent).pipe(
        Effect.map((r) => r.Volumes?.[0]),
        Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined)),
        Effect.flatMap((v) =>
          v === undefined
            ? Effect.fail(new ResourceNotFound({ kind: "volume", name: id, region: aws.region, hint: "Run 'aegea ebs ls' to see the volumes" }))
            : Effect.succeed(map.toVolume(v))
        )
      )

    const tagsFor = (resource: "volume" | "snapshot", name: string | undefined) =>
      name === undefined ? {} : { TagSpecifications: [{ ResourceType: resource, Tags: [{ Key: "Name", Value: name }] }] }

    return Ec2Resources.of({
      region: aws.region,
      find: (kind, id, options = {}) =>
        lookup(kind, id, options.byName === true).pipe(
          Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined)),
          Effect.flatMap((r) => (r === undefined ? Effect.fail(notFound(kind, id)) : Effect.succeed(r)))
        ),
      remove: (target, options = {}) => deleteCall(target, options.dryRun === true),
      volume,
      snapshot: (id) =>
        aws.call(new sdk.DescribeSnapshotsCommand({ SnapshotIds: [id] }), `find snapshot ${id}`, idempotent).pipe(
          Effect.map((r) => r.Snapshots?.[0]),
          Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined)),
          Effect.flatMap((snap) =>
            snap === undefined
              ? Effect.fail(new ResourceNotFound({ kind: "snapshot", name: id, region: aws.region, hint: "Run 'aegea snapshots' to see the snapshots" }))
              : Effect.succeed(map.toSnapshot(snap))
          )
        ),
      devicesInUse: (instanceId) =>
        aws.call(
          new sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] }),
          `list the devices of ${instanceId}`,
          idempotent
        ).pipe(
          Effect.map((r) =>
            (r.Reservations ?? []).flatMap((res) => res.Instances ?? []).flatMap((i) =>
              (i.BlockDeviceMappings ?? []).flatMap((b) => (b.DeviceName ? [b.DeviceName] : []))
            )
          )
        ),
      createVolume: (spec) =>
        dryRunOk(
          aws.call(
            new sdk.CreateVolumeCommand({
              AvailabilityZone: spec.availabilityZone,
              ...(spec.sizeGiB !== undefined ? { Size: spec.sizeGiB } : {}),
              ...(spec.type !== undefined ? { VolumeType: spec.type as "gp3" } : {}),
              ...(spec.iops !== undefined ? { Iops: spec.iops } : {}),
              ...(spec.throughput !== undefined ? { Throughput: spec.throughput } : {}),
              ...(spec.snapshotId !== undefined ? { SnapshotId: spec.snapshotId } : {}),
              ...tagsFor("volume", spec.name),
              ClientToken: crypto.randomUUID(),
              DryRun: spec.dryRun === true
            }),
            `create a volume in ${spec.availabilityZone}`,
            tokenized
          )
        ).pipe(Effect.map((r) => (r === undefined ? undefined : map.toVolume(r)))),
      attachVolume: (volumeId, instanceId, device, options = {}) =>
        dryRunOk(
          aws.call(
            new sdk.AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device, DryRun: options.dryRun === true }),
            `attach ${volumeId} to ${instanceId} at ${device}`,
            once
          )
        ).pipe(Effect.asVoid),
      detachVolume: (volumeId, options = {}) =>
        // The instance is named too: AWS does not need it, but emulators (moto) do.
        volume(volumeId).pipe(
          Effect.map((v) => v.attachedTo),
          Effect.catchTag("ResourceNotFound", () => Effect.succeed(undefined)),
          Effect.flatMap((instanceId) =>
            dryRunOk(
              aws.call(
                new sdk.DetachVolumeCommand({
                  VolumeId: volumeId,
                  ...(instanceId !== undefined ? { InstanceId: instanceId } : {}),
                  Force: options.force === true,
                  DryRun: options.dryRun === true
                }),
                `detach ${volumeId}`,
                once
              )
            )
          ),
          Effect.asVoid
        ),
      modifyVolume: (volumeId, change) =>
        dryRunOk(
          aws.call(
            new sdk.ModifyVolumeCommand({
              VolumeId: volumeId,
              ...(change.sizeGiB !== undefined ? { Size: change.sizeGiB } : {}),
              ...(change.type !== undefined ? { VolumeType: change.type as "gp3" } : {}),
              ...(change.iops !== undefined ? { Iops: change.iops } : {}),
              ...(change.throughput !== undefined ? { Throughput: change.throughput } : {}),
              DryRun: change.dryRun === true
            }),
            `modify volume ${volumeId}`,
            once
          )
        ).pipe(Effect.asVoid),
      createSnapshot: (volumeId, options = {}) =>
        dryRunOk(
          aws.call(
            new sdk.CreateSnapshotCommand({
              VolumeId: volumeId,
              ...(options.description !== undefined ? { Description: options.description } : {}),
              ...tagsFor("snapshot", options.name),
              DryRun: options.dryRun === true
            }),
            `snapshot volume ${volumeId}`,
            once
          )
        ).pipe(Effect.map((r) => (r === undefined ? undefined : map.toSnapshot(r)))),
      setInstanceName: (instanceId, name, options = {}) =>
        dryRunOk(
          aws.call(
            new sdk.CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: "Name", Value: name }], DryRun: options.dryRun === true }),
            `rename ${instanceId} to ${name}`,
            idempotent
          )
        ).pipe(Effect.asVoid)
    })
  })
)
