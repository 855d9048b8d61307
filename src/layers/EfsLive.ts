/**
 * The live EFS layer: EFS for file systems and mount targets, EC2 for the VPC, subnets and the NFS
 * security group. A file system's creation token is its name, so `efs create` run twice makes one.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, once, paginate, tokenized } from "./aws.ts"
import { type AwsError, ResourceNotFound, UsageError } from "../errors.ts"
import { Efs, type FileSystem, type MountTarget, nfsPort } from "../services/Efs.ts"
import { pollUntil } from "../services/Polling.ts"

/** Bound on polls while a new file system becomes available (2 s apart: 10 minutes). */
const maxAvailablePolls = 300

interface SdkFileSystem {
  readonly FileSystemId?: string | undefined
  readonly Name?: string | undefined
  readonly CreationToken?: string | undefined
  readonly LifeCycleState?: string | undefined
  readonly SizeInBytes?: { readonly Value?: number | undefined } | undefined
  readonly CreationTime?: Date | undefined
  readonly PerformanceMode?: string | undefined
  readonly Encrypted?: boolean | undefined
  readonly Tags?: ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }> | undefined
}

const toFileSystem = (f: SdkFileSystem, mountTargets: ReadonlyArray<MountTarget>): FileSystem => {
  const tags = Object.fromEntries((f.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]))
  return {
    id: f.FileSystemId ?? "",
    name: f.Name ?? tags["Name"] ?? "",
    creationToken: f.CreationToken ?? "",
    state: f.LifeCycleState ?? "",
    sizeBytes: f.SizeInBytes?.Value ?? 0,
    created: f.CreationTime instanceof Date ? f.CreationTime : new Date(0),
    performanceMode: f.PerformanceMode ?? "",
    encrypted: f.Encrypted === true,
    mountTargets,
    tags
  }
}

/** `Efs` against EFS and EC2, with the region, credentials and endpoint of `AwsClients`. */
export const EfsLive: Layer.Layer<Efs, never, AwsClients> = Layer.effect(
  Efs,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-efs"))
    // The trimmed EC2 entry point (sdk/ec2.ts): the package barrel would bring all of EC2 into the bundle.
    const ec2Sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const aws = yield* makeAws("EFS", (config) => new sdk.EFSClient(config))
    const ec2 = yield* makeAws("EC2", (config) => new ec2Sdk.EC2Client(config))

    const mountTargets = (fileSystemId: string) =>
      Effect.gen(function*() {
        const targets = yield* Stream.runCollect(paginate((marker) =>
          aws.call(
            new sdk.DescribeMountTargetsCommand({ FileSystemId: fileSystemId, ...(marker ? { Marker: marker } : {}) }),
            `list the mount targets of ${fileSystemId}`,
            idempotent
          ).pipe(Effect.map((r) => [r.MountTargets ?? [], r.NextMarker] as const))
        ))
        return yield* Effect.forEach(targets, (t) =>
          aws.call(
            new sdk.DescribeMountTargetSecurityGroupsCommand({ MountTargetId: t.MountTargetId }),
            `list the security groups of mount target ${t.MountTargetId}`,
            idempotent
          ).pipe(Effect.map((g): MountTarget => ({
            id: t.MountTargetId ?? "",
            fileSystemId,
            subnetId: t.SubnetId ?? "",
            availabilityZone: t.AvailabilityZoneName ?? "",
            ipAddress: t.IpAddress ?? "",
            state: t.LifeCycleState ?? "",
            securityGroups: g.SecurityGroups ?? []
          }))), { concurrency: 4 })
      })

    const describe = (filter: { readonly FileSystemId?: string; readonly CreationToken?: string }) =>
      Effect.gen(function*() {
        const found = yield* Stream.runCollect(paginate((marker) =>
          aws.call(
            new sdk.DescribeFileSystemsCommand({ ...filter, ...(marker ? { Marker: marker } : {}) }),
            filter.CreationToken !== undefined ? `look up file system ${filter.CreationToken}` : "list file systems",
            idempotent
          ).pipe(Effect.map((r) => [r.FileSystems ?? [], r.NextMarker] as const))
        ))
        return yield* Effect.forEach(found, (f) =>
          Effect.map(mountTargets(f.FileSystemId ?? ""), (targets) => toFileSystem(f, targets)), { concurrency: 4 })
      })

    const byCreationToken = (token: string) => Effect.map(describe({ CreationToken: token }), (all) => all[0])

    const network = (subnetIds: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const vpcs = (yield* ec2.call(
          new ec2Sdk.DescribeVpcsCommand(subnetIds.length === 0 ? { Filters: [{ Name: "is-default", Values: ["true"] }] } : {}),
          subnetIds.length === 0 ? "find the default VPC" : "list VPCs",
          idempotent
        )).Vpcs ?? []
        let subnets: ReadonlyArray<{ id: string; availabilityZone: string; vpcId: string }>
        if (subnetIds.length === 0) {
          const vpc = vpcs[0]
          if (vpc?.VpcId === undefined) {
            return yield* new ResourceNotFound({
              kind: "default VPC",
              name: "",
              region: ec2.region,
              hint: "Name the subnets to use: aegea subnets lists them"
            })
          }
          const r = yield* ec2.call(
            new ec2Sdk.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }] }),
            `list the subnets of ${vpc.VpcId}`,
            idempotent
          )
          subnets = (r.Subnets ?? []).map((s) => ({ id: s.SubnetId ?? "", availabilityZone: s.AvailabilityZone ?? "", vpcId: vpc.VpcId! }))
        } else {
          const r = yield* ec2.call(
            new ec2Sdk.DescribeSubnetsCommand({ Filters: [{ Name: "subnet-id", Values: [...subnetIds] }] }),
            `look up subnets ${subnetIds.join(", ")}`,
            idempotent
          )
          subnets = (r.Subnets ?? []).map((s) => ({ id: s.SubnetId ?? "", availabilityZone: s.AvailabilityZone ?? "", vpcId: s.VpcId ?? "" }))
          const missing = subnetIds.filter((id) => !subnets.some((s) => s.id === id))
          if (missing.length > 0) {
            return yield* new ResourceNotFound({ kind: "subnet", name: missing.join(", "), region: ec2.region, hint: "Run 'aegea subnets' to see the subnets" })
          }
        }
        const vpcIds = [...new Set(subnets.map((s) => s.vpcId))]
        if (vpcIds.length !== 1) {
          return yield* new UsageError({
            message: vpcIds.length === 0 ? "the default VPC has no subnets" : `the subnets are in ${vpcIds.length} VPCs (${vpcIds.join(", ")}); a file system's mount targets share one VPC`,
            hint: "Name subnets of one VPC"
          })
        }
        const vpcId = vpcIds[0]!
        const vpc = vpcs.find((v) => v.VpcId === vpcId) ??
          ((yield* ec2.call(new ec2Sdk.DescribeVpcsCommand({ VpcIds: [vpcId] }), `look up ${vpcId}`, idempotent)).Vpcs ?? [])[0]
        return {
          vpcId,
          cidr: vpc?.CidrBlock ?? "",
          subnets: [...subnets].sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.id.localeCompare(b.id))
            .map((s) => ({ id: s.id, availabilityZone: s.availabilityZone }))
        }
      })

    const securityGroupId = (name: string, vpcId: string) =>
      ec2.call(
        new ec2Sdk.DescribeSecurityGroupsCommand({
          Filters: [{ Name: "group-name", Values: [name] }, { Name: "vpc-id", Values: [vpcId] }]
        }),
        `look up security group ${name}`,
        idempotent
      ).pipe(Effect.map((r) => r.SecurityGroups?.[0]?.GroupId))

    const createNfsSecurityGroup = (name: string, vpcId: string, cidr: string) =>
      Effect.gen(function*() {
        const created = yield* ec2.call(
          new ec2Sdk.CreateSecurityGroupCommand({ GroupName: name, VpcId: vpcId, Description: "NFS to EFS mount targets from the VPC (aegea efs)" }),
          `create security group ${name} in ${vpcId}`,
          once
        ).pipe(
          Effect.map((r) => r.GroupId),
          // Made meanwhile (or by an attempt whose answer was lost): use that one.
          Effect.catchIf((e: AwsError) => e.code === "InvalidGroup.Duplicate", () => securityGroupId(name, vpcId))
        )
        const id = created ?? ""
        yield* ec2.call(
          new ec2Sdk.AuthorizeSecurityGroupIngressCommand({
            GroupId: id,
            IpPermissions: [{ IpProtocol: "tcp", FromPort: nfsPort, ToPort: nfsPort, IpRanges: [{ CidrIp: cidr, Description: "NFS from the VPC" }] }]
          }),
          `allow NFS from ${cidr} in security group ${id}`,
          idempotent
        ).pipe(Effect.catchIf((e: AwsError) => e.code === "InvalidPermission.Duplicate", () => Effect.void))
        return id
      })

    const createFileSystem = (name: string) =>
      aws.call(
        new sdk.CreateFileSystemCommand({
          CreationToken: name,
          PerformanceMode: "generalPurpose",
          Encrypted: true,
          Tags: [{ Key: "Name", Value: name }]
        }),
        `create file system ${name}`,
        tokenized
      ).pipe(
        Effect.map((f) => ({ fileSystem: toFileSystem(f, []), created: true })),
        Effect.catchIf(
          (e: AwsError) => e.code === "FileSystemAlreadyExists",
          (e) =>
            Effect.flatMap(byCreationToken(name), (existing) =>
              existing === undefined ? Effect.fail(e) : Effect.succeed({ fileSystem: existing, created: false }))
        )
      )

    const waitAvailable = (id: string) =>
      describe({ FileSystemId: id }).pipe(
        Effect.map((all) => all[0]?.state),
        (e) => pollUntil(e, "state", (state) => state !== "creating", maxAvailablePolls),
        Effect.asVoid
      )

    const createMountTarget = (fileSystemId: string, subnetId: string, securityGroups: ReadonlyArray<string>) =>
      aws.call(
        new sdk.CreateMountTargetCommand({ FileSystemId: fileSystemId, SubnetId: subnetId, SecurityGroups: [...securityGroups] }),
        `create a mount target of ${fileSystemId} in ${subnetId}`,
        once
      ).pipe(Effect.map((t): MountTarget => ({
        id: t.MountTargetId ?? "",
        fileSystemId,
        subnetId: t.SubnetId ?? subnetId,
        availabilityZone: t.AvailabilityZoneName ?? "",
        ipAddress: t.IpAddress ?? "",
        state: t.LifeCycleState ?? "",
        securityGroups
      })))

    return Efs.of({
      region: aws.region,
      list: () => describe({}),
      byCreationToken,
      network,
      securityGroupId,
      createNfsSecurityGroup,
      createFileSystem,
      waitAvailable,
      createMountTarget
    })
  })
)
