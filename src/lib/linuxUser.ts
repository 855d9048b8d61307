/**
 * The Linux user of an instance: the one `aegea launch` provisions for the caller (named and numbered
 * from the IAM name as the Python aegea does, so EFS home directories keep their owner), the tag that
 * records it, and the default user of an image when aegea provisioned none. Pure functions.
 */
import { createHash } from "node:crypto"

/** The instance tag naming the user launch provisioned, or `false` for `--no-provision-user`. */
export const provisionedUserTag = "AegeaProvisionUser"

export interface ProvisionedUser {
  readonly name: string
  readonly uid: number
}

/**
 * "Jane.Doe@example.com" -> "jane.doe": the part before "@" (the Python aegea's rule), made a name
 * useradd accepts on every distribution: lower case, letters, digits, ".", "_" and "-", starting
 * with a letter or "_", at most 32 characters. "root" (the account's root user) becomes "aegea".
 */
export const linuxUserName = (iamName: string): string => {
  const local = (iamName.split("@")[0] ?? "").toLowerCase().replace(/[^a-z0-9._-]/g, "_")
  const name = (/^[a-z_]/.test(local) ? local : `_${local}`).slice(0, 32).replace(/[.-]+$/, "")
  return name === "" || name === "_" || name === "root" ? "aegea" : name
}

/**
 * The Python aegea's uid: 2000 + the last two bytes of SHA-256(IAM name), read as a native-endian
 * (little-endian on x86 and arm64) unsigned 16-bit integer, halved: 2000..34767, stable per IAM name.
 */
export const linuxUid = (iamName: string): number => {
  const digest = createHash("sha256").update(iamName, "utf8").digest()
  return 2000 + Math.floor(digest.readUInt16LE(digest.length - 2) / 2)
}

export const provisionedUser = (iamName: string): ProvisionedUser => ({ name: linuxUserName(iamName), uid: linuxUid(iamName) })

/**
 * What the tag says: the provisioned user's name; `null` when the instance was launched with
 * --no-provision-user; undefined when the tag is absent (not launched by this aegea).
 */
export const taggedUser = (tags: Readonly<Record<string, string>>): string | null | undefined => {
  const value = tags[provisionedUserTag]
  if (value === undefined) return undefined
  return value === "" || value === "false" ? null : value
}

/** The fallback when an image says nothing recognizable (or cannot be described): Amazon Linux's user. */
export const fallbackImageUser = "ec2-user"

/** First match wins; tested against the image's name, then its description (lower case). */
const imageUsers: ReadonlyArray<readonly [RegExp, string]> = [
  [/ubuntu/, "ubuntu"],
  [/debian/, "admin"],
  [/centos/, "centos"],
  [/fedora-coreos|flatcar|\bcoreos/, "core"],
  [/fedora/, "fedora"],
  [/rocky/, "rocky"],
  [/bitnami/, "bitnami"],
  [/\bkali/, "kali"],
  [/\barch(linux)?\b/, "arch"],
  [/freebsd/, "ec2-user"],
  [/windows/, "Administrator"],
  [/amzn|al20\d\d|amazon linux|\brhel\b|rhel-|red ?hat|suse|sles|alma|oracle|ol\d|bottlerocket|ecs-optimized|deep learning/, "ec2-user"]
]

/**
 * The default user of an image from its name or description: ec2-user (Amazon Linux, RHEL, SUSE,
 * AlmaLinux, Oracle, FreeBSD), ubuntu, admin (Debian), centos, fedora, rocky, core (CoreOS,
 * Flatcar), bitnami; undefined when neither says.
 */
export const imageDefaultUser = (image: { readonly name?: string | undefined; readonly description?: string | undefined }): string | undefined => {
  for (const text of [image.name, image.description]) {
    if (text === undefined || text === "") continue
    const lower = text.toLowerCase()
    const found = imageUsers.find(([pattern]) => pattern.test(lower))
    if (found !== undefined) return found[1]
  }
  return undefined
}
