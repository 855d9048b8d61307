/**
 * An in-memory EFS (and the bits of EC2 it needs) for tests: VPCs with subnets, security groups,
 * file systems made once per creation token (available at once), one mount target per zone.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { AwsInvalidRequest, ResourceNotFound, UsageError } from "../errors.ts"
import { Efs, type FileSystem, type MountTarget, nfsPort } from "../services/Efs.ts"

/** A VPC `EfsMemory` can make mount targets in: its CIDR block and subnets. */
export interface EfsVpcSeed {
  readonly id: string
  readonly cidr: string
  readonly isDefault?: boolean
  readonly subnets: ReadonlyArray<{ readonly id: string; readonly availabilityZone: string }>
}

/** A security group `EfsMemory` made for NFS. */
export interface EfsSecurityGroup {
  readonly id: string
  readonly name: string
  readonly vpcId: string
  /** "tcp/2049 from 172.31.0.0/16" */
  readonly ingress: ReadonlyArray<string>
}

/** What `EfsMemory` made: its security groups and file systems. */
export class EfsMemoryState extends Context.Service<EfsMemoryState, {
  readonly securityGroups: Effect.Effect<ReadonlyArray<EfsSecurityGroup>>
  readonly fileSystems: Effect.Effect<ReadonlyArray<FileSystem>>
}>()("aegea/testing/EfsMemoryState") {}

const defaultVpcs: ReadonlyArray<EfsVpcSeed> = [{
  id: "vpc-default",
  cidr: "172.31.0.0/16",
  isDefault: true,
  subnets: [{ id: "subnet-a", availabilityZone: "us-east-1a" }, { id: "subnet-b", availabilityZone: "us-east-1b" }]
}]

/** `Efs` in memory, with `EfsMemoryState`: one file system per creation token, one mount target per zone. */
export const EfsMemory = {
  layer: (options: {
    readonly region?: string
    readonly vpcs?: ReadonlyArray<EfsVpcSeed>
    readonly securityGroups?: ReadonlyArray<Omit<EfsSecurityGroup, "ingress">>
  } = {}): Layer.Layer<Efs | EfsMemoryState> =>
    Layer.effectContext(Effect.gen(function*() {
      const region = options.region ?? "us-east-1"
      const vpcs = options.vpcs ?? defaultVpcs
      const groups = yield* Ref.make<ReadonlyArray<EfsSecurityGroup>>((options.securityGroups ?? []).map((g) => ({ ...g, ingress: [] })))
      const systems = yield* Ref.make<ReadonlyArray<FileSystem>>([])
      let counter = 0
      const nextId = (prefix: string) => `${prefix}-${(++counter).toString(16).padStart(8, "0")}`
      const subnetOf = (id: string) =>
        vpcs.flatMap((v) => v.subnets.map((s) => ({ ...s, vpcId: v.id }))).find((s) => s.id === id)
      const invalid = (operation: string, code: string, action: string, awsMessage: string) =>
        new AwsInvalidRequest({ service: "EFS", operation, code, action, awsMessage, region })

      const efs = Efs.of({
        region,
        list: () => Ref.get(systems),
        byCreationToken: (token) => Effect.map(Ref.get(systems), (all) => all.find((f) => f.creationToken === token)),
        network: (subnetIds) =>
          Effect.gen(function*() {
            if (subnetIds.length === 0) {
              const vpc = vpcs.find((v) => v.isDefault === true)
              if (vpc === undefined) {
                return yield* new ResourceNotFound({ kind: "default VPC", name: "", region, hint: "Name the subnets to use: aegea subnets lists them" })
              }
              return { vpcId: vpc.id, cidr: vpc.cidr, subnets: vpc.subnets }
            }
            const missing = subnetIds.filter((id) => subnetOf(id) === undefined)
            if (missing.length > 0) {
              return yield* new ResourceNotFound({ kind: "subnet", name: missing.join(", "), region, hint: "Run 'aegea subnets' to see the subnets" })
            }
            const found = subnetIds.map((id) => subnetOf(id)!)
            const vpcIds = [...new Set(found.map((s) => s.vpcId))]
            if (vpcIds.length !== 1) {
              return yield* new UsageError({
                message: `the subnets are in ${vpcIds.length} VPCs (${vpcIds.join(", ")}); a file system's mount targets share one VPC`,
                hint: "Name subnets of one VPC"
              })
            }
            const vpc = vpcs.find((v) => v.id === vpcIds[0])!
            return {
              vpcId: vpc.id,
              cidr: vpc.cidr,
              subnets: found.map((s) => ({ id: s.id, availabilityZone: s.availabilityZone }))
                .sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.id.localeCompare(b.id))
            }
          }),
        securityGroupId: (name, vpcId) =>
          Effect.map(Ref.get(groups), (all) => all.find((g) => g.name === name && g.vpcId === vpcId)?.id),
        createNfsSecurityGroup: (name, vpcId, cidr) =>
          Effect.gen(function*() {
            if ((yield* Ref.get(groups)).some((g) => g.name === name && g.vpcId === vpcId)) {
              return yield* invalid("CreateSecurityGroup", "InvalidGroup.Duplicate", `create security group ${name}`, `The security group '${name}' already exists`)
            }
            const id = nextId("sg")
            yield* Ref.update(groups, (all) => [...all, { id, name, vpcId, ingress: [`tcp/${nfsPort} from ${cidr}`] }])
            return id
          }),
        createFileSystem: (name) =>
          Effect.gen(function*() {
            const existing = (yield* Ref.get(systems)).find((f) => f.creationToken === name)
            if (existing !== undefined) return { fileSystem: existing, created: false }
            const fileSystem: FileSystem = {
              id: nextId("fs"),
              name,
              creationToken: name,
              state: "available",
              sizeBytes: 6144,
              created: new Date(yield* Clock.currentTimeMillis),
              performanceMode: "generalPurpose",
              encrypted: true,
              mountTargets: [],
              tags: { Name: name }
            }
            yield* Ref.update(systems, (all) => [...all, fileSystem])
            return { fileSystem, created: true }
          }),
        waitAvailable: () => Effect.void,
        createMountTarget: (fileSystemId, subnetId, securityGroups) =>
          Effect.gen(function*() {
            const action = `create a mount target of ${fileSystemId} in ${subnetId}`
            const fs = (yield* Ref.get(systems)).find((f) => f.id === fileSystemId)
            if (fs === undefined) return yield* invalid("CreateMountTarget", "FileSystemNotFound", action, `File system '${fileSystemId}' does not exist.`)
            const subnet = subnetOf(subnetId)
            if (subnet === undefined) return yield* invalid("CreateMountTarget", "SubnetNotFound", action, `The subnet ID '${subnetId}' does not exist`)
            if (fs.mountTargets.some((t) => t.availabilityZone === subnet.availabilityZone)) {
              return yield* invalid("CreateMountTarget", "MountTargetConflict", action, "mount target already exists in this AZ")
            }
            const target: MountTarget = {
              id: nextId("fsmt"),
              fileSystemId,
              subnetId,
              availabilityZone: subnet.availabilityZone,
              ipAddress: `10.0.${counter}.4`,
              state: "available",
              securityGroups
            }
            yield* Ref.update(systems, (all) => all.map((f) => (f.id === fileSystemId ? { ...f, mountTargets: [...f.mountTargets, target] } : f)))
            return target
          })
      })
      return Context.make(Efs, efs).pipe(
        Context.add(EfsMemoryState, EfsMemoryState.of({ securityGroups: Ref.get(groups), fileSystems: Ref.get(systems) }))
      )
    }))
}
