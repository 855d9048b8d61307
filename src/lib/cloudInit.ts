/**
 * The cloud-init user data of `aegea launch`: one `#cloud-config` document built from aegea's own
 * parts (hostname, host key, storage) merged with the config's `launch.cloud_config`, then the
 * user's `--user-data` file and `--cloud-config-data`. Lists are appended (packages without
 * duplicates), mappings merged, other values replaced by the later source; `commands` is an alias
 * of `runcmd`. The host key is applied last, so the key in the instance's tags is the one sshd
 * presents. Rendered as YAML, gzip-compressed when over EC2's 16 KiB user-data limit.
 */
import { gunzipSync, gzipSync } from "node:zlib"
import { loadYaml } from "./yamlModule.ts"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { UsageError } from "../errors.ts"
import type { HostKey } from "./hostKey.ts"

export type CloudConfig = { readonly [key: string]: unknown }

/** An extra EBS volume as cloud-init formats and mounts it. */
export interface MountedVolume {
  readonly mountPoint: string
  /** The block device name of the mapping, e.g. /dev/xvdz. */
  readonly device: string
}

/** EC2 accepts at most 16 KiB of user data (before base64). */
export const userDataLimit = 16384

const redactedMarker = "<redacted: the host private key>"

/** /dev/xvdz, /dev/xvdy, ... as the Python aegea names extra volumes (away from the AMI's own). */
export const extraVolumeDevice = (index: number): string => `/dev/xvd${String.fromCharCode("z".charCodeAt(0) - index)}`

/**
 * On Nitro instances EBS volumes appear as /dev/nvmeXn1; the device name given at launch is in
 * the controller's vendor area. Link /dev/xvdX to each so fs_setup and mounts find them (Amazon
 * Linux's udev rules do the same; Ubuntu has nvme-cli but no such rule).
 */
const nvmeLinks = [
  "sh",
  "-c",
  "command -v nvme >/dev/null || exit 0; for dev in /dev/nvme[0-9]*n1; do [ -e \"$dev\" ] || continue; " +
  "name=$(nvme id-ctrl --raw-binary \"$dev\" 2>/dev/null | cut -c3073-3104 | tr -d ' \\000'); name=${name#/dev/}; " +
  "[ -n \"$name\" ] && [ ! -e \"/dev/$name\" ] && ln -s \"$dev\" \"/dev/$name\"; done; true"
]

/** bootcmd + fs_setup + mounts for extra volumes (XFS on the whole device, mounted with nofail). */
export const storageCloudConfig = (volumes: ReadonlyArray<MountedVolume>): CloudConfig =>
  volumes.length === 0 ? {} : {
    bootcmd: [nvmeLinks],
    fs_setup: volumes.map((v) => ({ device: v.device, filesystem: "xfs", partition: "none", overwrite: false })),
    mounts: volumes.map((v) => [v.device, v.mountPoint, "xfs", "defaults,nofail", "0", "2"])
  }

const isMapping = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** `commands: [...]` is aegea's (and the Python aegea's) name for cloud-init's `runcmd`. */
const normalize = (config: CloudConfig): CloudConfig => {
  const { commands, ...rest } = config
  if (commands === undefined) return rest
  const runcmd = Array.isArray(rest.runcmd) ? rest.runcmd : []
  return { ...rest, runcmd: [...runcmd, ...(Array.isArray(commands) ? commands : [commands])] }
}

const mergeValue = (key: string, base: unknown, overlay: unknown): unknown => {
  if (Array.isArray(base) && Array.isArray(overlay)) {
    const all = [...base, ...overlay]
    return key === "packages" ? all.filter((p, i) => all.findIndex((q) => JSON.stringify(q) === JSON.stringify(p)) === i) : all
  }
  if (isMapping(base) && isMapping(overlay)) return mergeMappings(base, overlay)
  return overlay
}

const mergeMappings = (base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overlay)) out[key] = key in out ? mergeValue(key, out[key], value) : value
  return out
}

/** Merge cloud configs left to right (later ones win on scalars; lists append; mappings merge). */
export const mergeCloudConfigs = (configs: ReadonlyArray<CloudConfig>): CloudConfig =>
  configs.map(normalize).reduce<Record<string, unknown>>((acc, c) => mergeMappings(acc, c), {})

/** The caller's Linux user as launch provisions it (see src/lib/linuxUser.ts for the name and uid). */
export interface LinuxUserSpec {
  readonly name: string
  readonly uid: number
  /** authorized_keys lines. */
  readonly authorizedKeys: ReadonlyArray<string>
}

/**
 * cloud-init `users`: the image's default user ("default": it stays, with any EC2 key pair), then the
 * caller's user as the Python aegea makes it: its uid, /bin/bash, passwordless sudo, the docker group
 * (cloud-init creates a group that does not exist, so an image without docker does not fail the
 * user), and aegea's public key.
 */
export const provisionUserCloudConfig = (user: LinuxUserSpec): CloudConfig => ({
  users: [
    "default",
    {
      name: user.name,
      uid: user.uid,
      gecos: "provisioned by aegea launch",
      shell: "/bin/bash",
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      groups: "docker",
      lock_passwd: true,
      ...(user.authorizedKeys.length > 0 ? { ssh_authorized_keys: [...user.authorizedKeys] } : {})
    }
  ]
})

/** The whole cloud config of a launch: aegea's parts, the user's configs, then the host key. */
export const launchCloudConfig = (options: {
  readonly hostname: string
  readonly hostKey: HostKey
  readonly volumes: ReadonlyArray<MountedVolume>
  /** The caller's Linux user; absent with --no-provision-user. */
  readonly user?: LinuxUserSpec | undefined
  /** The config's launch.cloud_config, then --user-data, then --cloud-config-data. */
  readonly userConfigs: ReadonlyArray<CloudConfig>
}): CloudConfig => {
  const merged = mergeCloudConfigs([
    { preserve_hostname: false, hostname: options.hostname },
    storageCloudConfig(options.volumes),
    ...(options.user !== undefined ? [provisionUserCloudConfig(options.user)] : []),
    ...options.userConfigs
  ])
  const userKeys = isMapping(merged.ssh_keys) ? merged.ssh_keys : {}
  return {
    ...merged,
    ssh_keys: {
      ...userKeys,
      ed25519_private: Redacted.value(options.hostKey.privateKey),
      ed25519_public: options.hostKey.publicKey
    }
  }
}

/** The same config with the host private key replaced by a marker, for --dry-run and logs. */
export const redactCloudConfig = (config: CloudConfig): CloudConfig =>
  isMapping(config.ssh_keys) && "ed25519_private" in config.ssh_keys
    ? { ...config, ssh_keys: { ...config.ssh_keys, ed25519_private: redactedMarker } }
    : config


/** "#cloud-config" + YAML. */
export const renderCloudConfig = (config: CloudConfig): Effect.Effect<string> =>
  Effect.map(loadYaml, (yaml) => `#cloud-config\n${yaml.stringify(config, { lineWidth: 0 })}`)

/** Parse JSON or YAML text that must hold a mapping (`--cloud-config-data`, a #cloud-config file). */
export const parseCloudConfig = (text: string, source: string): Effect.Effect<CloudConfig, UsageError> =>
  Effect.gen(function*() {
    const yaml = yield* loadYaml
    const parsed = yield* Effect.try({
      try: () => yaml.parse(text) as unknown,
      catch: (e) =>
        new UsageError({ message: `${source} is not valid JSON or YAML: ${String((e as Error).message ?? e).split("\n")[0]}` })
    })
    if (parsed === null || parsed === undefined) return {}
    if (!isMapping(parsed)) {
      return yield* new UsageError({ message: `${source} must be a mapping of cloud-config keys, e.g. {"packages": ["jq"]}` })
    }
    return parsed
  })

/** Waits until cloud-init is done (exit 0), failed (1) or done with recoverable errors (2): what build-ami runs through SSM. */
export const cloudInitStatusWait = "cloud-init status --wait"

/** Where a --user-data shell script is written on the instance and run from. */
export const userScriptPath = "/var/lib/aegea/user-data-script"

/** A --user-data file: a #cloud-config document is merged; a #! script is written and run by runcmd. */
export const userDataFileConfig = (text: string, path: string): Effect.Effect<CloudConfig, UsageError> => {
  if (/^#cloud-config\s/.test(text)) return parseCloudConfig(text, path)
  if (text.startsWith("#!")) {
    return Effect.succeed({
      write_files: [{ path: userScriptPath, permissions: "0755", content: text }],
      runcmd: [[userScriptPath]]
    })
  }
  return Effect.fail(
    new UsageError({
      message: `${path} is neither a #cloud-config document nor a #! script`,
      hint: "Start the file with '#cloud-config' or with a '#!' interpreter line"
    })
  )
}

export interface EncodedUserData {
  /** What EC2 receives: base64 of the text, or of its gzip when the text is over the limit. */
  readonly base64: string
  readonly compressed: boolean
  /** Size before base64. */
  readonly bytes: number
}

/** base64 for RunInstances; gzip (which cloud-init detects) when over 16 KiB; too big even then is a UsageError. */
export const encodeUserData = (text: string): Effect.Effect<EncodedUserData, UsageError> => {
  const raw = Buffer.from(text, "utf8")
  if (raw.length <= userDataLimit) return Effect.succeed({ base64: raw.toString("base64"), compressed: false, bytes: raw.length })
  const gz = gzipSync(raw, { level: 9 })
  if (gz.length <= userDataLimit) return Effect.succeed({ base64: gz.toString("base64"), compressed: true, bytes: gz.length })
  return Effect.fail(
    new UsageError({
      message: `the user data is ${gz.length} bytes even compressed; EC2 accepts at most ${userDataLimit}`,
      hint: "Move large files to S3 and fetch them from a runcmd command"
    })
  )
}

/** Decode what encodeUserData produced (for tests and --dry-run). */
export const decodeUserData = (base64: string): string => {
  const bytes = Buffer.from(base64, "base64")
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8")
}

const accessKeyIdPattern = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/

/**
 * What in `text` looks like AWS credentials: an access key id (AKIA/ASIA...), or the value of any
 * of `secrets` (the caller's secret key and session token). Empty when none.
 */
export const credentialLeaks = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string>>): ReadonlyArray<string> => [
  ...(accessKeyIdPattern.test(text) ? ["an AWS access key id"] : []),
  ...(secrets.some((s) => Redacted.value(s).length >= 8 && text.includes(Redacted.value(s)))
    ? ["the value of AWS_SECRET_ACCESS_KEY or AWS_SESSION_TOKEN"]
    : [])
]
