/**
 * The storage and runtime options `batch submit` and `ecs run` share (`--volumes`, `--efs-storage`,
 * `--storage`, `--mount-instance-storage`, `--privileged`, `--ulimits`): their shapes, the volumes and
 * mount points of a job or task definition, and the Fargate refusals. Pure: no AWS calls.
 */
import type { InputField } from "../errors.ts"

/** Where a job or task runs: on Fargate, or on EC2 instances of a compute environment or cluster. */
export type Platform = "FARGATE" | "EC2"

/** A host path mounted into a job's container (EC2 compute environments only). */
export interface HostVolume {
  readonly hostPath: string
  readonly containerPath: string
}

/** An EFS file system mounted into a job's container, with transit encryption. */
export interface EfsVolume {
  readonly fileSystemId: string
  readonly containerPath: string
}

/**
 * Scratch storage for a job's container: a size at a mount point (Fargate ephemeral storage or the
 * instance's storage).
 */
export interface StorageRequest {
  readonly mount: string
  readonly sizeGiB: number
}

/** A resource limit of a job's container (`nofile`, ...), soft and hard. */
export interface Ulimit {
  readonly name: string
  readonly softLimit: number
  readonly hardLimit: number
}

/** Where aegea's EC2 compute environments mount the instances' NVMe instance storage on the host. */
export const instanceStorageHostPath = "/mnt"

/** Fargate ephemeral storage sizes, GiB (AWS Batch and ECS: 21 to 200). */
export const fargateEphemeralStorage = { min: 21, max: 200 } as const

/** The container options a Batch job shape and an ECS task shape share (both extend this). */
export interface ContainerOptions {
  /** EC2 only: run the container privileged (e.g. `build-docker-image`). */
  readonly privileged?: boolean | undefined
  /** The user (name or uid[:gid]) the container runs as. */
  readonly user?: string | undefined
  /** EC2 only: host paths mounted into the container (`--volumes HOST:CONTAINER`). */
  readonly volumes?: ReadonlyArray<HostVolume> | undefined
  /** EFS file systems mounted into the container (`--efs-storage MOUNT[=FS]`, FS resolved to its id). */
  readonly efsVolumes?: ReadonlyArray<EfsVolume> | undefined
  /**
   * `--storage MOUNT=SIZE`: on EC2 the instance storage (mounted at `instanceStorageHostPath` on the
   * host) at MOUNT; on Fargate the container's ephemeral storage of SIZE GiB (one entry, 21 to 200).
   */
  readonly storage?: ReadonlyArray<StorageRequest> | undefined
  /** EC2 only: the instance storage at /mnt in the container (`--mount-instance-storage`). */
  readonly mountInstanceStorage?: boolean | undefined
  readonly ulimits?: ReadonlyArray<Ulimit> | undefined
  /** The log driver (default awslogs into the shape's log group) and its options. */
  readonly logDriver?: string | undefined
  readonly logOptions?: Readonly<Record<string, string>> | undefined
}

/** The storage-related part of a job or task shape. */
export interface StorageShape extends Omit<ContainerOptions, "user" | "logDriver" | "logOptions"> {
  readonly platform: Platform
}

/** A volume of a job or task definition: a host path or an EFS file system. */
export type DefinitionVolume =
  | { readonly name: string; readonly host: { readonly sourcePath: string } }
  | { readonly name: string; readonly efsVolumeConfiguration: { readonly fileSystemId: string; readonly transitEncryption: "ENABLED" } }

/** Where a job definition's volume appears in the container, and whether read-only. */
export interface MountPoint {
  readonly sourceVolume: string
  readonly containerPath: string
  readonly readOnly: boolean
}

/**
 * A problem with the storage options, as the sentence and hint of a UsageError: neutral, naming the
 * shape's field; `input` words it with the CLI's flag.
 */
export interface StorageProblem {
  readonly message: string
  readonly hint: string
  readonly input: InputField
}

const useEc2 = "Use the EC2 platform (with an EC2 queue or cluster)"
const passEc2 = "Pass --platform EC2 (with an EC2 queue or cluster)"

/** Undefined when the platform can do what the shape asks; otherwise the UsageError's sentence and hint. */
export const storageProblem = (shape: StorageShape): StorageProblem | undefined => {
  const paths = [
    ...(shape.volumes ?? []).map((v) => ["volumes", "--volumes", v.containerPath] as const),
    ...(shape.efsVolumes ?? []).map((v) => ["efsVolumes", "--efs-storage", v.containerPath] as const),
    ...(shape.storage ?? []).map((v) => ["storage", "--storage", v.mount] as const)
  ]
  for (const [field, flag, path] of paths) {
    if (!path.startsWith("/")) {
      return {
        message: `invalid ${field} mount ${JSON.stringify(path)}: give an absolute path in the container`,
        hint: "e.g. /data",
        input: {
          field,
          flag,
          message: `invalid ${flag} mount ${JSON.stringify(path)}: give an absolute path in the container`,
          advice: `e.g. ${flag === "--volumes" ? "--volumes /data:/data" : `${flag} /data${flag === "--storage" ? "=100" : ""}`}`
        }
      }
    }
  }
  for (const v of shape.volumes ?? []) {
    if (!v.hostPath.startsWith("/")) {
      return {
        message: `invalid volumes host path ${JSON.stringify(v.hostPath)}: give an absolute path on the instance`,
        hint: "e.g. /var/run/docker.sock",
        input: {
          field: "volumes",
          flag: "--volumes",
          message: `invalid --volumes host path ${JSON.stringify(v.hostPath)}: give an absolute path on the instance`,
          advice: "e.g. --volumes /var/run/docker.sock:/var/run/docker.sock"
        }
      }
    }
  }
  for (const s of shape.storage ?? []) {
    if (!Number.isInteger(s.sizeGiB) || s.sizeGiB < 1) {
      return {
        message: `invalid storage size for ${s.mount}: give whole GiB, at least 1`,
        hint: "e.g. 100",
        input: { field: "storage", flag: "--storage", message: `invalid --storage size for ${s.mount}: give whole GiB, at least 1`, advice: "e.g. --storage /scratch=100" }
      }
    }
  }
  for (const u of shape.ulimits ?? []) {
    if (u.softLimit > u.hardLimit) {
      const problem = `the soft limit ${u.softLimit} is above the hard limit ${u.hardLimit}`
      return {
        message: `invalid ulimits ${u.name}: ${problem}`,
        hint: "Give a soft limit at most the hard limit",
        input: {
          field: "ulimits",
          flag: "--ulimits",
          message: `invalid --ulimits ${u.name}: ${problem}`,
          advice: "Give NAME=SOFT[:HARD] with SOFT <= HARD, e.g. --ulimits nofile=4096:65536"
        }
      }
    }
  }
  if (shape.platform !== "FARGATE") return undefined
  if (shape.privileged === true) {
    return {
      message: "privileged needs EC2: Fargate cannot run privileged containers",
      hint: useEc2,
      input: { field: "privileged", flag: "--privileged", message: "--privileged needs EC2: Fargate cannot run privileged containers", advice: passEc2 }
    }
  }
  if ((shape.volumes ?? []).length > 0) {
    return {
      message: "volumes need EC2: Fargate cannot mount host paths",
      hint: `${useEc2}, or EFS volumes for shared storage`,
      input: {
        field: "volumes",
        flag: "--volumes",
        message: "--volumes needs EC2: Fargate cannot mount host paths",
        advice: `${passEc2}, or use --efs-storage MOUNT[=FS] for shared storage`
      }
    }
  }
  if (shape.mountInstanceStorage === true) {
    return {
      message: "mountInstanceStorage needs EC2: Fargate has no instance storage",
      hint: `${useEc2}, or give storage (a mount and a size) for Fargate ephemeral storage`,
      input: {
        field: "mountInstanceStorage",
        flag: "--mount-instance-storage",
        message: "--mount-instance-storage needs EC2: Fargate has no instance storage",
        advice: `${passEc2}, or give --storage MOUNT=SIZE for Fargate ephemeral storage`
      }
    }
  }
  const storage = shape.storage ?? []
  if (storage.length > 1) {
    return {
      message: "Fargate has one ephemeral storage per task: give one storage entry",
      hint: `${useEc2} for instance storage at several mounts`,
      input: {
        field: "storage",
        flag: "--storage",
        message: "Fargate has one ephemeral storage per task: give --storage once",
        advice: `${passEc2} for instance storage at several mounts`
      }
    }
  }
  const [size] = storage
  if (size !== undefined && (size.sizeGiB < fargateEphemeralStorage.min || size.sizeGiB > fargateEphemeralStorage.max)) {
    const range = `Fargate ephemeral storage is ${fargateEphemeralStorage.min} to ${fargateEphemeralStorage.max} GiB`
    return {
      message: `invalid storage size ${size.sizeGiB} GiB for ${size.mount}: ${range}`,
      hint: `${useEc2} for larger instance storage`,
      input: { field: "storage", flag: "--storage", message: `invalid --storage ${size.mount}=${size.sizeGiB}: ${range}`, advice: `${passEc2} for larger instance storage` }
    }
  }
  return undefined
}

/**
 * The definition's volumes and mount points. EC2: `--volumes` host paths, the instance storage for
 * `--storage` and `--mount-instance-storage`; both: EFS file systems. (Fargate `--storage` is the
 * definition's ephemeral storage size, see `ephemeralStorageGiB`.)
 */
export const definitionVolumes = (shape: StorageShape): { volumes: Array<DefinitionVolume>; mountPoints: Array<MountPoint> } => {
  const volumes: Array<DefinitionVolume> = []
  const mountPoints: Array<MountPoint> = []
  ;(shape.volumes ?? []).forEach((v, i) => {
    volumes.push({ name: `host${i + 1}`, host: { sourcePath: v.hostPath } })
    mountPoints.push({ sourceVolume: `host${i + 1}`, containerPath: v.containerPath, readOnly: false })
  })
  const instanceMounts = shape.platform === "EC2"
    ? [...(shape.mountInstanceStorage === true ? [instanceStorageHostPath] : []), ...(shape.storage ?? []).map((s) => s.mount)]
    : []
  if (instanceMounts.length > 0) {
    volumes.push({ name: "instance-storage", host: { sourcePath: instanceStorageHostPath } })
    for (const mount of [...new Set(instanceMounts)]) mountPoints.push({ sourceVolume: "instance-storage", containerPath: mount, readOnly: false })
  }
  ;(shape.efsVolumes ?? []).forEach((v, i) => {
    volumes.push({ name: `efs${i + 1}`, efsVolumeConfiguration: { fileSystemId: v.fileSystemId, transitEncryption: "ENABLED" } })
    mountPoints.push({ sourceVolume: `efs${i + 1}`, containerPath: v.containerPath, readOnly: false })
  })
  return { volumes, mountPoints }
}

/** Fargate `--storage MOUNT=SIZE`: the ephemeral storage size, GiB. */
export const ephemeralStorageGiB = (shape: StorageShape): number | undefined =>
  shape.platform === "FARGATE" ? shape.storage?.[0]?.sizeGiB : undefined

/**
 * EC2 `--storage MOUNT=SIZE`: shell lines that fail the job early when MOUNT has less than SIZE GiB
 * free (instance storage is the instance's, its size is not the definition's to choose).
 */
export const storageCheckLines = (shape: StorageShape): ReadonlyArray<string> =>
  shape.platform !== "EC2"
    ? []
    : (shape.storage ?? []).map((s) => {
      const path = `'${s.mount.replace(/'/g, "'\\''")}'`
      return `aegea_free=$(df -Pk ${path} | awk 'NR==2 {print $4}'); [ "$aegea_free" -ge ${s.sizeGiB * 1024 * 1024} ] || { echo "aegea: ${s.mount.replace(/["$`\\]/g, "")} has $((aegea_free / 1048576)) GiB free, --storage asked for ${s.sizeGiB}" >&2; exit 1; }`
    })
