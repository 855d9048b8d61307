/**
 * `aegea build-ami NAME`: build an AMI with cloud-init. A builder instance is launched as `aegea launch`
 * launches (base image, instance type, subnet, IAM role, storage: the same flags), its user data the
 * config's `build_image` and `build_ami` sections (packages, commands), the files of the
 * `rootfs.skel.build_ami` folders beside each config file and `--cloud-config-data`; once cloud-init is
 * done the builder is imaged, the image tagged for `launch` to pick by default, and the builder
 * terminated. `--snapshot-existing-host` images a running instance instead; `--prune N` removes old builds.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { progressThroughOutput } from "./progressOutput.ts"
import { dirname, join, relative, sep } from "node:path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { cloudInitWaitCommand, isBuildName, parseBuildTimeout, type SkelFile, skelCloudConfig, skelFolderName } from "../lib/buildAmi.ts"
import { type CloudConfig, mergeCloudConfigs } from "../lib/cloudInit.ts"
import { UsageError } from "../errors.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { type LaunchImage } from "../services/Ec2Launch.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import {
  buildTagNames,
  defaultBuildRole,
  executeBuild,
  executePrune,
  planBuild,
  planPrune,
  snapshotHost
} from "../workflows/buildAmi.ts"
import { confirmDestruction } from "./confirm.ts"
import { launchDryRunDocument, LaunchLayer } from "./launch.ts"
import { launchFlags, type LaunchInput, launchSpec } from "./launchFlags.ts"
import { keyValues } from "./parse.ts"
import { checkRequestedColumns, listingDescription } from "../lib/table.ts"

/** A builder needs more than launch's t3a.micro to install packages in reasonable time. */
export const defaultBuildInstanceType = "t3a.medium"
export const defaultCloudInitTimeout = "20m"

const text = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const switchOff = (name: string, description: string) =>
  Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.withDefault(false))
const repeated = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.atLeast(0))

export const buildAmiFlags = {
  name: Argument.String("name").pipe(
    Argument.withDescription(
      "The image's name: its Name tag and the start of its AMI name (NAME-<UTC time>); letters, digits, '.', '_' and '-'. With --prune, wildcards are allowed."
    )
  ),
  ami: text("ami", "The base image: an id (ami-...), or the name (wildcards allowed) of one of this account's images (default: the latest Ubuntu server image)."),
  amiTags: launchFlags.amiTags,
  ubuntuLinuxAmi: launchFlags.ubuntuLinuxAmi,
  ubuntuRelease: launchFlags.ubuntuRelease,
  amazonLinuxAmi: launchFlags.amazonLinuxAmi,
  amazonLinuxRelease: launchFlags.amazonLinuxRelease,
  ubuntuSsmParameterPrefix: launchFlags.ubuntuSsmParameterPrefix,
  amazonLinuxSsmParameterPrefix: launchFlags.amazonLinuxSsmParameterPrefix,
  instanceType: Flag.String("instance-type").pipe(
    Flag.withAlias("t"),
    Flag.withDescription(`The builder's instance type (default ${defaultBuildInstanceType}); a Graviton type builds an arm64 image.`),
    Flag.optional
  ),
  subnet: launchFlags.subnet,
  availabilityZone: launchFlags.availabilityZone,
  securityGroups: launchFlags.securityGroups,
  iamRole: text("iam-role", `The IAM role and instance profile of the builder (default ${defaultBuildRole}); it needs the SSM agent's permissions.`),
  iamPolicies: launchFlags.iamPolicies,
  manageIam: launchFlags.manageIam,
  storage: launchFlags.storage,
  sshKeyName: launchFlags.sshKeyName,
  spot: launchFlags.spot,
  spotPrice: launchFlags.spotPrice,
  userData: launchFlags.userData,
  provisionUser: Flag.Boolean("provision-user").pipe(
    Flag.withDescription(
      "Also create your Linux user on the builder, as launch does (it stays in the image: for a personal image); the default is --no-provision-user."
    ),
    Flag.optional
  ),
  packages: repeated("packages", "Install these packages (comma-separated or repeated), after those of the config's build_image.packages."),
  commands: repeated("commands", "Run these shell commands at the end of cloud-init (runcmd), after the config's build_image.commands; repeatable."),
  cloudConfigData: launchFlags.cloudConfigData,
  tags: repeated("tags", "Tag the image with KEY=VALUE too; repeatable."),
  cloudInitTimeout: text(
    "cloud-init-timeout",
    `How long to wait for the builder's SSM agent and cloud-init, in minutes or with a unit (90s, 20m, 1h; default ${defaultCloudInitTimeout}).`
  ),
  keepBuilder: switchOff("keep-builder", "Keep the builder instance when the build ends (to look at it), instead of terminating it."),
  snapshotExistingHost: text("snapshot-existing-host", "Image this running instance (Name tag or id) instead of launching a builder; it is not rebooted."),
  prune: Flag.Int("prune").pipe(
    Flag.withDescription("Build nothing: of the images aegea built with this NAME, keep the newest N, deregister the others and delete their snapshots."),
    Flag.optional
  ),
  yes: switchOff("yes", "With --prune: do not ask before deregistering images."),
  dryRun: switchOff(
    "dry-run",
    "Print the builder's user data and every request the build (or --prune) would make, as YAML (JSON with --json), and change nothing."
  )
}

type BuildAmiInput = {
  readonly [K in keyof typeof buildAmiFlags]: (typeof buildAmiFlags)[K] extends Flag.Flag<infer A> ? A
    : (typeof buildAmiFlags)[K] extends Argument.Argument<infer A> ? A
    : never
}

/** The image row printed after a build. */
export const builtImageTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "imageName", header: "AMI NAME" },
    { key: "baseAmi", header: "BASE AMI", kind: "id" },
    { key: "buildTime", header: "BUILT", kind: "time" },
    { key: "configDigest", header: "CONFIG DIGEST" }
  ],
  kinds: { tags: "tags" },
  fields: ["name", "id", "state", "imageName", "architecture", "baseAmi", "buildTime", "configDigest", "tags"]
}

/** The rows --prune prints: the images removed. */
export const prunedTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "imageName", header: "AMI NAME" },
    { key: "buildTime", header: "BUILT", kind: "time" },
    { key: "snapshots" },
    { key: "action" }
  ],
  kinds: { tags: "tags" },
  fields: ["name", "id", "imageName", "buildTime", "snapshots", "action", "tags"]
}

const timeOf = (image: LaunchImage) => {
  const tagged = Date.parse(image.tags.BuildTime ?? "")
  return Number.isFinite(tagged) ? new Date(tagged) : image.created
}

const imageRow = (image: LaunchImage) => ({
  name: image.tags.Name ?? image.name,
  id: image.id,
  state: image.state,
  imageName: image.name,
  architecture: image.architecture,
  baseAmi: image.tags.BaseAMI,
  buildTime: timeOf(image),
  configDigest: image.tags.ConfigDigest,
  tags: image.tags
})

const asList = (value: unknown): ReadonlyArray<string> =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)]

const splitList = (values: ReadonlyArray<string>) => values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "")

/** packages + commands as a cloud config (nothing for empty lists). */
const listsConfig = (packages: ReadonlyArray<string>, commands: ReadonlyArray<string>): CloudConfig => ({
  ...(packages.length > 0 ? { packages: [...packages] } : {}),
  ...(commands.length > 0 ? { commands: [...commands] } : {})
})

/** At most this many files, and this many bytes in all, from rootfs.skel folders (user data holds 16 KiB anyway). */
const skelLimits = { files: 2000, bytes: 4 * 1024 * 1024 }

/** The files of the rootfs.skel.build_ami folders beside each config file that exist, in config order. */
export const readSkelFiles = (configFiles: ReadonlyArray<string>) =>
  Effect.try({
    try: () => {
      const files: Array<SkelFile> = []
      let bytes = 0
      const walk = (root: string, dir: string, depth: number) => {
        if (depth > 32) throw new Error(`${dir} is nested more than 32 folders deep (a symbolic link loop?)`)
        for (const entry of readdirSync(dir).sort()) {
          const path = join(dir, entry)
          const info = statSync(path)
          if (info.isDirectory()) walk(root, path, depth + 1)
          else if (info.isFile()) {
            const content = readFileSync(path)
            bytes += content.length
            if (files.length >= skelLimits.files || bytes > skelLimits.bytes) {
              throw new Error(`${root} holds more than ${skelLimits.files} files or ${skelLimits.bytes} bytes`)
            }
            files.push({ path: `/${relative(root, path).split(sep).join("/")}`, bytes: content, mode: info.mode })
          }
        }
      }
      for (const file of configFiles) {
        if (file === "defaults") continue
        const root = join(dirname(file), skelFolderName)
        let isDir = false
        try {
          isDir = statSync(root).isDirectory()
        } catch {
          isDir = false
        }
        if (isDir) walk(root, root, 0)
      }
      return files
    },
    catch: (cause) =>
      new UsageError({ message: `cannot read the ${skelFolderName} folders: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

/** The launch flags of the builder, with build-ami's defaults: Ubuntu, the build role, no user, no DNS. */
const builderInput = (input: BuildAmiInput, config: Readonly<Record<string, unknown>>): LaunchInput => {
  const noImage = Option.isNone(input.ami) && input.amiTags.length === 0 && !input.ubuntuLinuxAmi && !input.amazonLinuxAmi &&
    !(typeof config.ami === "string" && config.ami !== "")
  return {
    name: "builder",
    ami: input.ami,
    amiTags: input.amiTags,
    ubuntuLinuxAmi: input.ubuntuLinuxAmi || noImage,
    ubuntuRelease: input.ubuntuRelease,
    amazonLinuxAmi: input.amazonLinuxAmi,
    ubuntuSsmParameterPrefix: input.ubuntuSsmParameterPrefix,
    amazonLinuxSsmParameterPrefix: input.amazonLinuxSsmParameterPrefix,
    amazonLinuxRelease: input.amazonLinuxRelease,
    instanceType: Option.orElse(input.instanceType, () => Option.some(defaultBuildInstanceType)),
    spot: input.spot,
    spotPrice: input.spotPrice,
    subnet: input.subnet,
    availabilityZone: input.availabilityZone,
    securityGroups: input.securityGroups,
    iamRole: Option.orElse(input.iamRole, () => Option.some(defaultBuildRole)),
    iamPolicies: input.iamPolicies,
    manageIam: input.manageIam,
    storage: input.storage,
    tags: [],
    sshKeyName: input.sshKeyName,
    userData: input.userData,
    cloudConfigData: input.cloudConfigData,
    dryRun: input.dryRun,
    // The image is shared: no personal user in it (reach a kept builder with aegea session).
    provisionUser: Option.orElse(input.provisionUser, () => Option.some(false)),
    clientToken: Option.none(),
    wait: Option.some(true),
    dns: Option.some(false)
  }
}

const checkName = (name: string, wildcards: boolean) =>
  isBuildName(wildcards ? name.replace(/[*?]/g, "x") : name)
    ? Effect.void
    : Effect.fail(new UsageError({ message: `invalid image name ${JSON.stringify(name)}`, hint: "Use letters, digits, '.', '_' and '-' (at most 100)" }))

const imageTagsOf = (values: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const lists = yield* keyValues("tags", values)
    const tags = Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v[v.length - 1] ?? ""]))
    const clash = Object.keys(tags).filter((k) => (buildTagNames as ReadonlyArray<string>).includes(k))
    if (clash.length > 0) return yield* new UsageError({ message: `--tags cannot set ${clash.join(", ")}: aegea sets them on the images it builds` })
    return tags
  })

const prune = (input: BuildAmiInput, keep: number) =>
  Effect.gen(function*() {
    const output = yield* Output
    if (keep < 0) return yield* new UsageError({ message: "--prune takes the number of images to keep: 0 or more" })
    if (Option.isSome(input.snapshotExistingHost)) return yield* new UsageError({ message: "--prune builds nothing: drop --snapshot-existing-host" })
    const doomed = yield* planPrune(input.name, keep)
    if (input.dryRun) {
      yield* output.document({
        dryRun: true,
        prune: { name: input.name, keep },
        DeregisterImage: doomed.map((i) => ({ ImageId: i.id, Name: i.name, BuildTime: timeOf(i)?.toISOString() })),
        DeleteSnapshot: doomed.flatMap((i) => (i.snapshotIds ?? []).map((s) => ({ SnapshotId: s })))
      })
      yield* output.info(`dry run: nothing was changed; ${doomed.length} image${doomed.length === 1 ? "" : "s"} would be deregistered`)
      return
    }
    yield* confirmDestruction({
      verb: "deregister",
      noun: ["image", "images"],
      items: doomed.map((i) => `${i.id} (${i.name ?? i.tags.Name ?? "no name"}${(i.snapshotIds ?? []).length > 0 ? `; snapshots ${i.snapshotIds!.join(", ")}` : ""})`),
      detail: "and delete their snapshots"
    }, input.yes)
    yield* executePrune(doomed)
    yield* output.table(
      doomed.map((i) => ({ ...imageRow(i), snapshots: (i.snapshotIds ?? []).join(", "), action: "deregistered" })),
      prunedTable,
      { empty: `no images named ${input.name} beyond the newest ${keep}: nothing to prune` }
    )
  })

export const buildAmiCommand = Command.make(
  "build-ami",
  buildAmiFlags,
  Effect.fn("build-ami")(function*(raw) {
    const output = yield* Output
    const config = yield* AegeaConfig
    const section = config.section("build_ami")
    const input = withConfigDefaults(section, raw)
    yield* checkName(input.name, Option.isSome(input.prune))
    // An unknown --columns/--sort-by is a usage error before anything is created.
    yield* Effect.fromResult(checkRequestedColumns(Option.isSome(input.prune) ? prunedTable : builtImageTable, output.settings))
    if (Option.isSome(input.prune)) return yield* prune(input, input.prune.value)
    const imageTags = yield* imageTagsOf(input.tags)
    if (Option.isSome(input.snapshotExistingHost)) {
      if (input.dryRun) {
        yield* output.document({
          dryRun: true,
          CreateImage: { InstanceId: input.snapshotExistingHost.value, Name: `${input.name}-<UTC time>`, NoReboot: true, tags: imageTags }
        })
        yield* output.info(`dry run: nothing was created; ${input.snapshotExistingHost.value} would be imaged as ${input.name}`)
        return
      }
      const image = yield* snapshotHost({ instance: input.snapshotExistingHost.value, name: input.name, imageTags })
      yield* output.table([imageRow(image)], builtImageTable)
      return
    }
    const timeoutText = Option.getOrElse(input.cloudInitTimeout, () => defaultCloudInitTimeout)
    const timeout = parseBuildTimeout(String(timeoutText))
    if (timeout === undefined) {
      return yield* new UsageError({
        message: `invalid value for --cloud-init-timeout: ${JSON.stringify(timeoutText)}`,
        hint: "Give minutes, or a number with a unit between 1m and 24h: 90s, 20m, 1h"
      })
    }
    const shared = config.section("build_image")
    const skel = yield* readSkelFiles(config.files)
    const { spec } = yield* launchSpec(builderInput(input, section), section)
    if (spec.iamRole === undefined) {
      return yield* new UsageError({
        message: "the builder needs an IAM role: build-ami waits for cloud-init through its SSM agent",
        hint: `Drop --iam-role "" (the default is ${defaultBuildRole}), or name a role with the SSM agent's permissions`
      })
    }
    const buildConfig = mergeCloudConfigs([
      listsConfig(splitList(asList(shared.packages)), asList(shared.commands)),
      listsConfig(splitList(input.packages), input.commands),
      skelCloudConfig(skel),
      ...spec.userConfigs
    ])
    const plan = yield* planBuild({
      name: input.name,
      launch: spec,
      buildConfig,
      imageTags,
      cloudInitTimeoutMillis: timeout,
      keepBuilder: input.keepBuilder
    })
    if (input.dryRun) {
      const launch = yield* launchDryRunDocument(plan.launch)
      yield* output.document({
        ...launch,
        build: { name: plan.name, builder: plan.builderName, configDigest: plan.configDigest, cloudInitTimeoutSeconds: timeout / 1000 },
        SendCommand: { InstanceIds: ["<the builder's id>"], DocumentName: "AWS-RunShellScript", Parameters: { commands: [cloudInitWaitCommand] } },
        CreateImage: {
          InstanceId: "<the builder's id>",
          Name: plan.imageName,
          TagSpecifications: [{ ResourceType: "image", Tags: Object.entries(plan.imageTags).map(([Key, Value]) => ({ Key, Value })) }]
        },
        ...(plan.keepBuilder ? {} : { TerminateInstances: { InstanceIds: ["<the builder's id>"] } })
      })
      yield* output.info(`dry run: nothing was created; the builder ${plan.builderName} would boot ${plan.launch.image.id} and be imaged as ${plan.imageName}`)
      return
    }
    const image = yield* executeBuild(plan)
    yield* output.info(`built ${image.id} (${plan.imageName}); 'aegea launch NAME' boots the newest image aegea built unless given another`)
    yield* output.table([imageRow(image)], builtImageTable)
  }, progressThroughOutput)
).pipe(
  Command.withDescription(listingDescription(
    "Build an AMI with cloud-init: launch a builder as launch does, wait for cloud-init (through SSM), image it, tag the image (AegeaVersion, Owner, BaseAMI, BuildTime, ConfigDigest) so launch boots it by default, and terminate the builder. Prints the image.",
    builtImageTable
  )),
  Command.withShortDescription("Build an AMI with cloud-init"),
  Command.withExamples([
    { command: "aegea build-ami web --amazon-linux-ami --packages nginx,git --commands 'systemctl enable nginx'", description: "An Amazon Linux image with nginx and git" },
    { command: "aegea build-ami web --dry-run", description: "Print the builder's user data and the requests, change nothing" },
    { command: "aegea build-ami web --snapshot-existing-host box", description: "Image the running instance box" },
    { command: "aegea build-ami web --prune 3 --yes", description: "Keep the newest 3 images named web, deregister the others" }
  ]),
  Command.provide(LaunchLayer)
)
