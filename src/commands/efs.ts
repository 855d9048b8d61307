/**
 * `aegea efs ls | create`: EFS file systems with their mount targets, and a file system with a mount
 * target in each subnet (default: every subnet of the default VPC), reachable over NFS from its VPC.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { EfsLive } from "../layers/EfsLive.ts"
import { UsageError } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Efs, type FileSystem, nfsPort, nfsSecurityGroupName } from "../services/Efs.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"
import { commaList } from "./parse.ts"

export const EfsLayer = awsService(Efs, EfsLive).pipe(Layer.provideMerge(BaseLayer))

export const fileSystemTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "sizeBytes", header: "SIZE", kind: "bytes", align: "right" },
    { key: "mountTargets", header: "MOUNT TARGETS (SUBNET: SECURITY GROUPS)", keep: 2 },
    { key: "created", kind: "time" }
  ],
  kinds: { tags: "tags", creationToken: "text", performanceMode: "text", encrypted: "text" },
  aliases: { file_system_id: "id", size: "sizeBytes", mount_targets: "mountTargets", creation_time: "created" }
}

/** One row per file system; JSON and YAML hold each mount target whole, other formats "subnet: groups, ...". */
export const fileSystemRow = (fs: FileSystem, format: string): Row => ({
  ...fs,
  mountTargets: format === "json" || format === "yaml"
    ? fs.mountTargets
    : fs.mountTargets.map((t) => `${t.subnetId}: ${t.securityGroups.join(" ") || "-"}`).join(", ")
})

const ls = Command.make(
  "ls",
  {},
  Effect.fn("efs.ls")(function*() {
    const efs = yield* Efs
    const output = yield* Output
    const all = yield* efs.list()
    yield* output.table(all.map((fs) => fileSystemRow(fs, output.settings.format)), fileSystemTable, { empty: `no EFS file systems in ${efs.region}` })
  })
).pipe(
  Command.withDescription(listingDescription("List EFS file systems with their mount targets (one per subnet) and their security groups.", fileSystemTable)),
  Command.withShortDescription("List EFS file systems with their mount targets and security groups."),
  Command.withExamples([
    { command: "aegea efs ls", description: "Every file system of the region" },
    { command: "aegea efs ls --json", description: "With each mount target's subnet, zone, IP and security groups" }
  ])
)

/** `--subnets a,b --subnets c` -> [a, b, c]. */

const create = Command.make(
  "create",
  {
    name: Argument.String("name").pipe(
      Argument.withDescription("The file system's name, also its creation token: creating the same name again changes nothing.")
    ),
    subnets: Flag.String("subnets").pipe(
      Flag.withDescription("Make a mount target in each of these subnets (repeat or separate with commas; default: every subnet of the default VPC)."),
      Flag.atLeast(0)
    ),
    securityGroup: Flag.String("security-group").pipe(
      Flag.withDescription(
        `Give the mount targets this security group (repeatable; default: ${nfsSecurityGroupName}, made when missing to allow NFS from the VPC).`
      ),
      Flag.atLeast(0)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print what would be created, as YAML (JSON with --json), and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("efs.create")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("efs create"), raw)
    const efs = yield* Efs
    const output = yield* Output
    if (input.name.trim() === "" || input.name.length > 64) {
      return yield* new UsageError({ message: `invalid file system name '${input.name}'`, hint: "Use 1 to 64 characters" })
    }
    const network = yield* efs.network(commaList(input.subnets))
    const givenGroups = commaList(input.securityGroup)
    const existingGroup = givenGroups.length === 0 ? yield* efs.securityGroupId(nfsSecurityGroupName, network.vpcId) : undefined
    const existing = yield* efs.byCreationToken(input.name)
    const zonesWithTargets = new Set(existing?.mountTargets.map((t) => t.availabilityZone) ?? [])
    const newSubnets = network.subnets.filter((s) => !zonesWithTargets.has(s.availabilityZone))
    if (input.dryRun) {
      yield* output.info(`dry run: nothing was changed; this is what 'efs create ${input.name}' would do in ${efs.region}`)
      yield* output.document({
        fileSystem: { name: input.name, creationToken: input.name, ...(existing ? { existing: existing.id } : { create: true }) },
        vpc: network.vpcId,
        securityGroups: givenGroups.length > 0
          ? givenGroups
          : [existingGroup ?? `new ${nfsSecurityGroupName} (NFS, TCP ${nfsPort}, from ${network.cidr})`],
        mountTargets: newSubnets.map((s) => ({ subnet: s.id, availabilityZone: s.availabilityZone }))
      })
      return
    }
    const groups = givenGroups.length > 0
      ? givenGroups
      : [existingGroup ?? (yield* efs.createNfsSecurityGroup(nfsSecurityGroupName, network.vpcId, network.cidr))]
    const { created, fileSystem } = yield* efs.createFileSystem(input.name)
    yield* output.info(created ? `created file system ${fileSystem.id} (${input.name})` : `file system ${input.name} exists: ${fileSystem.id}`)
    yield* efs.waitAvailable(fileSystem.id)
    const present = new Set(fileSystem.mountTargets.map((t) => t.availabilityZone))
    for (const subnet of network.subnets) {
      if (present.has(subnet.availabilityZone)) continue
      const target = yield* efs.createMountTarget(fileSystem.id, subnet.id, groups)
      present.add(target.availabilityZone || subnet.availabilityZone)
    }
    const now = (yield* efs.byCreationToken(input.name)) ?? fileSystem
    yield* output.table([fileSystemRow(now, output.settings.format)], fileSystemTable)
  })
).pipe(
  Command.withDescription(
    `Create an EFS file system (general purpose, encrypted) with a mount target in each subnet, reachable over NFS from the VPC; the name is the creation token, so running it again only adds missing mount targets.`
  ),
  Command.withShortDescription("Create an EFS file system with a mount target in each subnet."),
  Command.withExamples([
    { command: "aegea efs create shared-home", description: "In every subnet of the default VPC, with the aegea.efs security group" },
    { command: "aegea efs create data --subnets subnet-1,subnet-2 --security-group sg-123", description: "In two subnets, with your group" },
    { command: "aegea efs create data --dry-run", description: "Show the plan" }
  ])
)

export const efsCommand = Command.make("efs").pipe(
  Command.withDescription("EFS file systems: list them, create one with its mount targets."),
  Command.withSubcommands([ls.pipe(Command.provide(EfsLayer)), create.pipe(Command.provide(EfsLayer))])
)
