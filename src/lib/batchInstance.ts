/**
 * What the EC2 instances of an aegea Batch compute environment boot with: the ECS-optimized AMI's
 * public SSM parameter for their architecture (and the GPU variant), and the launch template's user
 * data, a MIME multipart document (the form Batch requires, so it can add its own part) holding a
 * cloud-config that formats the NVMe instance storage (RAID 0 over several disks) as XFS on /mnt,
 * as the Python aegea's launch template does. Pure: the name is a hash of the content.
 */
import { createHash } from "node:crypto"
import { type Architecture, architectureOf } from "./instanceTypes.ts"
import { instanceStorageHostPath } from "./containerStorage.ts"

/** The ECS-optimized image of the instances: its public SSM parameter and Batch's name for its type. */
export interface EcsImageChoice {
  readonly parameter: string
  readonly imageType: "ECS_AL2023" | "ECS_AL2_NVIDIA"
}

/** undefined when there is no ECS-optimized GPU image for the architecture (arm64). */
export const ecsOptimizedImage = (architecture: Architecture, gpus: boolean): EcsImageChoice | undefined => {
  if (gpus) {
    return architecture === "x86_64"
      ? { parameter: "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id", imageType: "ECS_AL2_NVIDIA" }
      : undefined
  }
  return architecture === "arm64"
    ? { parameter: "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id", imageType: "ECS_AL2023" }
    : { parameter: "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id", imageType: "ECS_AL2023" }
}

/** Where the instance storage is mounted (and what `batch submit --mount-instance-storage` expects). */
export const instanceStorageMount = instanceStorageHostPath

/**
 * Format and mount the instance's NVMe instance-store disks (not its EBS volumes: those report the
 * model "Amazon Elastic Block Store"); several disks become one RAID 0 array. Does nothing on a type
 * without instance storage, or when /mnt is already a mount point.
 */
export const mountInstanceStorageScript = [
  "set -eu",
  `mountpoint -q ${instanceStorageMount} && exit 0`,
  "disks=''",
  "for dev in /dev/nvme*n1; do",
  "  [ -e \"$dev\" ] || continue",
  "  model=$(cat \"/sys/block/${dev#/dev/}/device/model\" 2>/dev/null || true)",
  "  case \"$model\" in *'Instance Storage'*) disks=\"$disks $dev\" ;; esac",
  "done",
  "[ -n \"$disks\" ] || exit 0",
  "set -- $disks",
  "if [ $# -gt 1 ]; then",
  "  command -v mdadm >/dev/null || dnf install -y mdadm || yum install -y mdadm",
  // create, force, run, RAID level 0, over $# devices
  "  mdadm -C /dev/md0 -f -R -l 0 -n $# \"$@\"",
  "  target=/dev/md0",
  "else",
  "  target=$1",
  "fi",
  "mkfs.xfs -f \"$target\"",
  `mkdir -p ${instanceStorageMount}`,
  `mount -o defaults,noatime "$target" ${instanceStorageMount}`,
  `chmod 1777 ${instanceStorageMount}`
].join("\n")

const boundary = "==AEGEA-BATCH-BOUNDARY=="

/** The launch template's user data: MIME multipart with one cloud-config part. */
export const batchInstanceUserData = (): string => {
  const cloudConfig = [
    "#cloud-config",
    // cloud-init's own YAML: the script as one literal block, run once per instance.
    "runcmd:",
    "  - - sh",
    "    - -c",
    "    - |",
    ...mountInstanceStorageScript.split("\n").map((line) => `      ${line}`)
  ].join("\n")
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    `--${boundary}`,
    "Content-Type: text/cloud-config; charset=\"us-ascii\"",
    "",
    cloudConfig,
    "",
    `--${boundary}--`,
    ""
  ].join("\n")
}

/** `aegea_batch_` + the first 32 hex digits of the SHA-256 of the user data (the Python aegea's naming). */
export const launchTemplateName = (userData: string): string =>
  `aegea_batch_${createHash("sha256").update(userData).digest("hex").slice(0, 32)}`

/** The instance role and profile of aegea's EC2 compute environments (the Python aegea's name). */
export const batchInstanceRoleName = "aegea.batch.ecs_container_instance"

/** The architecture of instance types (x86_64 for "optimal" and for none); undefined when they mix both. */
export const instanceTypesArchitecture = (types: ReadonlyArray<string>): Architecture | undefined => {
  const architectures = new Set(types.filter((t) => t !== "optimal").map(architectureOf))
  return architectures.size > 1 ? undefined : architectures.has("arm64") ? "arm64" : "x86_64"
}
