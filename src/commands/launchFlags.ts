/**
 * The flags of `aegea launch` and their translation into a `LaunchSpec`. Flags the user did not
 * give come from the config section `launch` (e.g. launch.instance_type, launch.iam_role,
 * launch.cloud_config_data), then from the built-in defaults.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Flag from "effect/cli/Flag"
import { aegeaKeyFile, existingPublicKey, readOrCreatePublicKey } from "../lib/aegeaKey.ts"
import { type CloudConfig, parseCloudConfig, userDataFileConfig } from "../lib/cloudInit.ts"
import { isSpotPrice } from "../lib/spotPrice.ts"
import { withConfigDefaults } from "../services/AegeaConfig.ts"
import { OperationFailed, UsageError } from "../errors.ts"
import { defaultLaunchRole, type LaunchSpec, type StorageRequest } from "../workflows/launch.ts"
import { type AmiSource, defaultAmiParameterPrefixes } from "../workflows/launchImage.ts"
import { dnsFlag } from "./instanceDns.ts"
import { commaList, keyValues } from "./parse.ts"

const text = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const switchOff = (name: string, description: string) =>
  Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.withDefault(false))
const repeated = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.atLeast(0))

export const launchFlags = {
  name: Argument.String("name").pipe(
    Argument.withDescription("The instance's name: its Name tag and host name (letters, digits, hyphens), unique among live instances.")
  ),
  ami: text("ami", "Boot this image: an id (ami-...), or the name (wildcards allowed) of one of this account's images."),
  amiTags: repeated("ami-tags", "Boot the newest of this account's images with this tag, as KEY=VALUE; repeatable."),
  ubuntuLinuxAmi: switchOff("ubuntu-linux-ami", "Boot the latest Ubuntu server image, found through AWS's public SSM parameters."),
  ubuntuRelease: text("ubuntu-release", "The Ubuntu release for --ubuntu-linux-ami (default 24.04)."),
  amazonLinuxAmi: switchOff("amazon-linux-ami", "Boot the latest Amazon Linux image, found through AWS's public SSM parameters."),
  // Hidden: where the public image parameters live (an emulator or a mirror lacks AWS's).
  ubuntuSsmParameterPrefix: text("ubuntu-ssm-parameter-prefix", "The SSM parameter path of Canonical's Ubuntu images.").pipe(Flag.withHidden),
  amazonLinuxSsmParameterPrefix: text("amazon-linux-ssm-parameter-prefix", "The SSM parameter path of the Amazon Linux images.").pipe(Flag.withHidden),
  amazonLinuxRelease: text("amazon-linux-release", "The Amazon Linux release for --amazon-linux-ami: 2023 (the default), 2022 or 2."),
  instanceType: Flag.String("instance-type").pipe(
    Flag.withAlias("t"),
    Flag.withDescription("The instance type (default from config launch.instance_type: t3a.micro); Graviton types boot arm64 images."),
    Flag.optional
  ),
  spot: Flag.Boolean("spot").pipe(
    Flag.withDescription("Launch a one-time spot instance, in the zone with the lowest recent spot price unless a zone or subnet is given."),
    Flag.optional
  ),
  spotPrice: text("spot-price", "The most to pay per hour for a spot instance, in USD (implies --spot; default: the on-demand price)."),
  subnet: text("subnet", "Launch into this subnet (id or Name tag) instead of the default VPC's."),
  availabilityZone: text("availability-zone", "Launch into this availability zone, e.g. us-east-1b."),
  securityGroups: repeated("security-groups", "Attach these security groups (names or ids, comma-separated or repeated) instead of aegea.launch."),
  iamRole: text("iam-role", "The IAM role and instance profile of the instance (default aegea.launch); \"\" for none."),
  iamPolicies: repeated(
    "iam-policies",
    "Also attach these managed policies to the instance's role: names (ReadOnlyAccess) or ARNs, comma-separated or repeated (needs --manage-iam)."
  ),
  manageIam: Flag.Boolean("manage-iam").pipe(
    Flag.withDescription("Create or update the role and instance profile with the permissions the SSM agent needs (the default); --no-manage-iam uses them as they are."),
    Flag.optional
  ),
  storage: repeated("storage", "Volumes as MOUNT=SIZE_GB: /=30 resizes the root volume, /data=100 adds an encrypted gp3 volume mounted at /data; repeatable."),
  tags: repeated("tags", "Tag the instance (and its volumes) with KEY=VALUE; repeatable."),
  sshKeyName: text("ssh-key-name", "Install this EC2 key pair's public key for the default user (not needed for aegea ssh)."),
  userData: text("user-data", "Merge this file into the instance's cloud-init config: a #cloud-config document, or a #! script to run at first boot."),
  cloudConfigData: text("cloud-config-data", "Merge this cloud-init config (JSON or YAML), e.g. '{\"packages\": [\"jq\"]}'."),
  dryRun: switchOff(
    "dry-run",
    "Print the requests launch would make, as YAML (JSON with --json; user data decoded, host private key redacted), and change nothing."
  ),
  provisionUser: Flag.Boolean("provision-user").pipe(
    Flag.withDescription(
      "Create your Linux user at first boot (the default): named after your IAM user or role session, with passwordless sudo, bash, the docker group and aegea's key (~/.ssh/aegea.ed25519, made if missing); --no-provision-user leaves only the image's default user."
    ),
    Flag.optional
  ),
  clientToken: text("client-token", "The RunInstances idempotency token: repeating a launch with the same token starts no second instance."),
  wait: Flag.Boolean("wait").pipe(
    Flag.withDescription("Wait until the instance is running and its SSM agent is online (the default); --no-wait returns at once."),
    Flag.optional
  ),
  dns: dnsFlag.pipe(
    Flag.withDescription(
      "Register NAME.<private zone> (config dns.private_zone, default aegea.) as an A record to the private IP, making the zone on first use (the default); --no-dns skips it."
    )
  )
}

export type LaunchInput = {
  readonly [K in keyof typeof launchFlags]: (typeof launchFlags)[K] extends Flag.Flag<infer A> ? A
    : (typeof launchFlags)[K] extends Argument.Argument<infer A> ? A
    : never
}

/** "/data=100", "/=30GB" -> { mountPoint, sizeGiB }. */
export const parseStorage = (values: ReadonlyArray<string>) =>
  Effect.forEach(commaList(values), (item) => {
    const match = /^(\/[^=]*)=(\d+)\s*(G|GB|GiB)?$/i.exec(item.trim())
    const size = Number(match?.[2])
    return match && size >= 1 && size <= 65536
      ? Effect.succeed<StorageRequest>({ mountPoint: match[1]!.replace(/(.)\/+$/, "$1"), sizeGiB: size })
      : Effect.fail(
        new UsageError({
          message: `invalid value for --storage: ${JSON.stringify(item)}`,
          hint: "Write it as MOUNT=SIZE_GB with an absolute mount point, e.g. --storage /=30 --storage /data=100"
        })
      )
  })

const isMapping = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The image source; a config launch.ami applies only when no image flag is given. */
const amiSource = (raw: LaunchInput, config: Readonly<Record<string, unknown>>, tags: Record<string, Array<string>>) =>
  Effect.gen(function*() {
    const given = [raw.ubuntuLinuxAmi, raw.amazonLinuxAmi, Option.isSome(raw.ami) || Object.keys(tags).length > 0]
    if (given.filter(Boolean).length > 1) {
      return yield* new UsageError({ message: "choose one of --ami/--ami-tags, --ubuntu-linux-ami and --amazon-linux-ami" })
    }
    const release = (flag: Option.Option<string>, key: string, fallback: string) =>
      Option.getOrElse(flag, () => String(config[key] ?? fallback))
    if (raw.ubuntuLinuxAmi) return { kind: "ubuntu", release: release(raw.ubuntuRelease, "ubuntu_release", "24.04") } satisfies AmiSource
    if (raw.amazonLinuxAmi) {
      return { kind: "amazon-linux", release: release(raw.amazonLinuxRelease, "amazon_linux_release", "2023") } satisfies AmiSource
    }
    const ami = Option.orElse(raw.ami, () => (typeof config.ami === "string" && config.ami !== "" ? Option.some(config.ami) : Option.none()))
    if (Option.isSome(ami) || Object.keys(tags).length > 0) {
      return { kind: "given", ...Option.match(ami, { onNone: () => ({}), onSome: (value) => ({ ami: value }) }), tags } satisfies AmiSource
    }
    return { kind: "own" } satisfies AmiSource
  })

/**
 * aegea's public key, for the provisioned user's authorized_keys: the key pair is made when missing,
 * except by --dry-run, which shows where the key will be read from instead.
 */
const aegeaPublicKey = (dryRun: boolean) => Effect.suspend(() => {
  const file = aegeaKeyFile()
  return Effect.try({
    try: () => (dryRun ? existingPublicKey(file) ?? `<${file}.pub, created on launch>` : readOrCreatePublicKey(file).publicKey),
    catch: (cause) =>
      new OperationFailed({
        message: `could not read or create aegea's SSH key ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
        hint: "Fix the file's permissions, or launch with --no-provision-user",
        cause
      })
  })
})

/** Flags (+ the config section `launch`) -> a LaunchSpec; bad values are UsageErrors. */
export const launchSpec = (raw: LaunchInput, config: Readonly<Record<string, unknown>>) =>
  Effect.gen(function*() {
    const input = withConfigDefaults(config, raw)
    const amiTags = yield* keyValues("ami-tags", input.amiTags)
    const tagLists = yield* keyValues("tags", input.tags)
    const tags = Object.fromEntries(Object.entries(tagLists).map(([k, v]) => [k, v[v.length - 1] ?? ""]))
    const storage = yield* parseStorage(input.storage)
    if (new Set(storage.map((s) => s.mountPoint)).size !== storage.length) {
      return yield* new UsageError({ message: "--storage names a mount point twice" })
    }
    const spotPrice = Option.getOrUndefined(input.spotPrice)
    if (spotPrice !== undefined && !isSpotPrice(spotPrice)) {
      return yield* new UsageError({ message: `invalid value for --spot-price: ${JSON.stringify(spotPrice)}`, hint: "Give USD per hour, e.g. 0.05" })
    }
    const manageIam = Option.getOrElse(input.manageIam, () => true)
    if (input.iamPolicies.length > 0 && !manageIam) {
      return yield* new UsageError({
        message: "--iam-policies needs aegea to manage the role, but --no-manage-iam (or launch.manage_iam: false) is set",
        hint: "Drop --no-manage-iam, or attach the policies to the role yourself"
      })
    }
    const spot = spotPrice !== undefined || Option.getOrElse(input.spot, () => false)
    const provisionUser = Option.getOrElse(input.provisionUser, () => true)
      ? { authorizedKeys: [yield* aegeaPublicKey(input.dryRun)] }
      : undefined
    const iamRole = Option.getOrElse(input.iamRole, () => defaultLaunchRole)
    const userConfigs: Array<CloudConfig> = []
    if (Option.isSome(input.userData)) {
      const fs = yield* FileSystem.FileSystem
      const path = input.userData.value
      const content = yield* fs.readFileString(path).pipe(
        Effect.mapError((e) => new UsageError({ message: `cannot read --user-data ${path}: ${e.message}` }))
      )
      userConfigs.push(yield* userDataFileConfig(content, path))
    }
    if (Option.isSome(input.cloudConfigData)) {
      // From the config file (launch.cloud_config_data) it may already be a mapping.
      const data: unknown = input.cloudConfigData.value
      userConfigs.push(isMapping(data) ? data : yield* parseCloudConfig(String(data), "--cloud-config-data"))
    }
    const optional = <K extends string, V>(key: K, value: Option.Option<V>) =>
      Option.match(value, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) }) as { [P in K]?: V }
    const spec: LaunchSpec = {
      name: input.name,
      ami: yield* amiSource(raw, config, amiTags),
      amiParameterPrefixes: {
        ubuntu: Option.getOrElse(input.ubuntuSsmParameterPrefix, () => defaultAmiParameterPrefixes.ubuntu),
        amazonLinux: Option.getOrElse(input.amazonLinuxSsmParameterPrefix, () => defaultAmiParameterPrefixes.amazonLinux)
      },
      instanceType: Option.getOrElse(input.instanceType, () => "t3a.micro"),
      ...(spot ? { spot: spotPrice !== undefined ? { maxPrice: spotPrice } : {} } : {}),
      ...optional("subnet", input.subnet),
      ...optional("availabilityZone", input.availabilityZone),
      securityGroups: commaList(input.securityGroups),
      iamRole: iamRole === "" || iamRole === "none" ? undefined : iamRole,
      manageIam,
      iamPolicies: commaList(input.iamPolicies),
      storage,
      tags,
      ...optional("sshKeyName", input.sshKeyName),
      userConfigs,
      ...optional("clientToken", input.clientToken),
      ...(provisionUser !== undefined ? { provisionUser } : {})
    }
    return { spec, dryRun: input.dryRun, wait: Option.getOrElse(input.wait, () => true) }
  })
