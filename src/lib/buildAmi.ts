/**
 * The pure parts of `aegea build-ami`: names of the builder and of the image, the cloud-init
 * `write_files` of rootfs.skel folders, the config digest, the timeout syntax, and which old builds
 * `--prune N` removes.
 */
import { createHash } from "node:crypto"
import { gzipSync } from "node:zlib"
import { type CloudConfig, cloudInitStatusWait } from "./cloudInit.ts"

/** What `build-ami` runs through SSM to wait for cloud-init (exit 0 done, 1 error, 2 done with recoverable errors). */
export const cloudInitWaitCommand = cloudInitStatusWait

/** Where cloud-init writes its modules' output, and how much of it a failed build shows. */
export const cloudInitLog = "/var/log/cloud-init-output.log"
export const cloudInitLogLines = 40
export const cloudInitLogCommand = `tail -n ${cloudInitLogLines} ${cloudInitLog}`

/** The folder beside each config file whose files are written into the image (as the Python aegea names it). */
export const skelFolderName = "rootfs.skel.build_ami"

/** The name of an image build: letters, digits, hyphens, dots and underscores (it is a Name tag and part of the AMI name). */
export const isBuildName = (name: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)

/** "2026-11-30T15-43-35Z": a time as AMI names allow it (no colons). */
export const nameStamp = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-")

/** The AMI name of a build: NAME-<UTC time>, unique in the account (the Name tag is NAME). */
export const imageNameOf = (name: string, millis: number): string => `${name}-${nameStamp(millis)}`

/** The builder instance's name (a host name, at most 63 characters): aegea-build-ami-NAME-<seconds>. */
export const builderNameOf = (name: string, millis: number): string => {
  const suffix = `-${Math.floor(millis / 1000)}`
  const base = `aegea-build-ami-${name.replace(/[._]/g, "-")}`.slice(0, 63 - suffix.length).replace(/-+$/, "")
  return `${base}${suffix}`
}

/** sha256 (hex) of a text: the ConfigDigest tag of the build configuration. */
export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

/** A file of a rootfs.skel folder: its path on the instance (absolute), its bytes and mode. */
export interface SkelFile {
  readonly path: string
  readonly bytes: Uint8Array
  readonly mode: number
}

const isText = (bytes: Uint8Array): boolean => {
  if (bytes.includes(0)) return false
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}

/**
 * cloud-init `write_files` for skel files, as the Python aegea writes them: each at its path with its
 * permission bits; text as is, anything else gzip + base64 (`encoding: gz+b64`). Later files of the
 * same path (from a later config file's folder) win.
 */
export const skelCloudConfig = (files: ReadonlyArray<SkelFile>): CloudConfig => {
  const byPath = new Map<string, SkelFile>()
  for (const f of files) byPath.set(f.path, f)
  if (byPath.size === 0) return {}
  return {
    write_files: [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path)).map((f) => ({
      path: f.path,
      permissions: `0${(f.mode & 0o7777).toString(8).padStart(3, "0")}`,
      ...(isText(f.bytes)
        ? { content: Buffer.from(f.bytes).toString("utf8") }
        : { encoding: "gz+b64", content: gzipSync(f.bytes).toString("base64") })
    }))
  }
}

/**
 * `--cloud-init-timeout`: minutes, or a number with a unit (90s, 20m, 1h). Undefined when the text
 * is not one, or is not between 1 minute and 24 hours.
 */
export const parseBuildTimeout = (text: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?\s*$/i.exec(text)
  if (!match) return undefined
  const n = Number(match[1])
  const unit = (match[2] ?? "m").toLowerCase()
  const ms = n * (unit.startsWith("s") ? 1000 : unit.startsWith("h") ? 3_600_000 : 60_000)
  return ms >= 60_000 && ms <= 86_400_000 ? Math.round(ms) : undefined
}

/** An image as prune judges it: its Name tag, when it was built, its snapshots. */
export interface BuiltImage {
  readonly id: string
  readonly name?: string | undefined
  readonly created?: Date | undefined
  readonly tags: Readonly<Record<string, string>>
  readonly snapshotIds?: ReadonlyArray<string> | undefined
}

/** When an image was built: its BuildTime tag, else its creation date (ms; 0 when neither). */
export const builtAt = (image: BuiltImage): number => {
  const tagged = Date.parse(image.tags.BuildTime ?? "")
  return Number.isFinite(tagged) ? tagged : image.created?.getTime() ?? 0
}

/**
 * The images `--prune N` removes: per Name tag, all but the newest `keep` (by BuildTime, then creation
 * date, then id), oldest first within each name; names in alphabetical order.
 */
export const imagesToPrune = <I extends BuiltImage>(images: ReadonlyArray<I>, keep: number): ReadonlyArray<I> => {
  const groups = new Map<string, Array<I>>()
  for (const image of images) {
    const name = image.tags.Name ?? image.name ?? image.id
    groups.set(name, [...(groups.get(name) ?? []), image])
  }
  return [...groups.keys()].sort().flatMap((name) => {
    const newestFirst = [...groups.get(name)!].sort((a, b) => builtAt(b) - builtAt(a) || b.id.localeCompare(a.id))
    return newestFirst.slice(keep).reverse()
  })
}
