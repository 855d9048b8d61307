/**
 * The container options `batch submit` and `ecs run` share: storage (`--storage`, `--efs-storage`,
 * `--mount-instance-storage`, `--volumes`), `--privileged`, `--ulimits`, `--user`, `--log-driver`
 * and `--log-options`; and `--execute FILE` of any size (inline, or through S3).
 */
import { readFile } from "node:fs/promises"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Flag from "effect/cli/Flag"
import { executeExpiryRule, executePrefix } from "../../services/S3Staging.ts"
import { resolveEfsVolumes } from "../../workflows/efsVolumes.ts"
import { executeFile, type ExecuteLines } from "../../workflows/stageExecute.ts"
import { UsageError } from "../../errors.ts"
import { parseEfsStorage, parseStorage, parseUlimits, parseVolumes, singleValues } from "./parseFlags.ts"

const repeated = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.atLeast(0))
const optionalString = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
// Optional, so that config can turn them on and --no-... off again.
const optionalSwitch = (name: string, description: string) => Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.optional)

/** `--execute`'s help: how the file reaches the container, for a payload limit in KiB. */
export const executeDescription = (what: "job" | "task", inlineKiB: number) =>
  `Run this local script or binary in the container. Up to about ${inlineKiB} KiB (compressed) it rides in the ${what}'s environment; ` +
  `a larger file is uploaded to the bucket aegea-ACCOUNT-REGION under ${executePrefix} and fetched through a presigned URL ` +
  `(the image needs curl, wget, python3 or apt-get): with --watch the object is deleted when the ${what} ends, ` +
  `otherwise the bucket's lifecycle rule deletes it after ${executeExpiryRule.days} days.`

export const containerFlags = {
  storage: repeated(
    "storage",
    "MOUNT=SIZE (GiB). EC2: the instance storage at MOUNT (aegea's EC2 compute environments mount NVMe instance storage at /mnt; the job stops early when less than SIZE is free); repeatable. Fargate: SIZE GiB (21 to 200) of ephemeral storage for the container; once."
  ),
  efsStorage: repeated(
    "efs-storage",
    "MOUNT[=FS]: mount an EFS file system at MOUNT; FS is its id (fs-...) or name, default the one named aegea ('aegea efs create aegea'); repeatable."
  ),
  mountInstanceStorage: optionalSwitch(
    "mount-instance-storage",
    "EC2 only: mount the instance storage (at /mnt on aegea's EC2 instances) at /mnt in the container."
  ),
  volumes: repeated("volumes", "HOST:CONTAINER: mount a path of the EC2 instance into the container; repeatable; EC2 only."),
  privileged: optionalSwitch("privileged", "EC2 only: run the container privileged (full access to the instance's devices)."),
  ulimits: repeated("ulimits", "NAME=SOFT[:HARD]: a resource limit for the container, e.g. nofile=65536 (HARD defaults to SOFT); repeatable."),
  user: optionalString("user", "The user the container runs as: a name or UID[:GID] (default: the image's)."),
  logDriver: optionalString(
    "log-driver",
    "The container's log driver (default awslogs into aegea's log group; --watch shows log lines only with awslogs)."
  ),
  logOptions: repeated("log-options", "NAME=VALUE: an option of the log driver (with awslogs, added to the log group option); repeatable.")
}

type ContainerFlagValues = {
  readonly storage: ReadonlyArray<string>
  readonly efsStorage: ReadonlyArray<string>
  readonly mountInstanceStorage: Option.Option<boolean>
  readonly volumes: ReadonlyArray<string>
  readonly privileged: Option.Option<boolean>
  readonly ulimits: ReadonlyArray<string>
  readonly user: Option.Option<string>
  readonly logDriver: Option.Option<string>
  readonly logOptions: ReadonlyArray<string>
}

/** The container options as shape fields (EFS names resolved to ids). */
export const containerOptions = (input: ContainerFlagValues) =>
  Effect.gen(function*() {
    const ulimits = yield* parseUlimits(input.ulimits)
    const volumes = yield* parseVolumes(input.volumes)
    const storage = yield* parseStorage(input.storage)
    const efsVolumes = yield* resolveEfsVolumes(yield* parseEfsStorage(input.efsStorage))
    const logOptions = yield* singleValues("log-options", input.logOptions)
    return {
      privileged: Option.getOrElse(input.privileged, () => false) || undefined,
      mountInstanceStorage: Option.getOrElse(input.mountInstanceStorage, () => false) || undefined,
      user: Option.getOrUndefined(input.user),
      ulimits: ulimits.length > 0 ? ulimits : undefined,
      volumes: volumes.length > 0 ? volumes : undefined,
      storage: storage.length > 0 ? storage : undefined,
      efsVolumes: efsVolumes.length > 0 ? efsVolumes : undefined,
      logDriver: Option.getOrUndefined(input.logDriver),
      logOptions: Object.keys(logOptions).length > 0 ? logOptions : undefined
    }
  })

/** The bytes of `--execute FILE`, or a UsageError naming the file. */
export const readExecuteFile = (file: string) =>
  Effect.tryPromise({
    try: () => readFile(file),
    catch: (e) =>
      new UsageError({
        message: `cannot read --execute file ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
        hint: "Give the path of a local script or binary"
      })
  })

/** The lines to run: `--command` lines, after those that fetch and run `--execute FILE` (inline or through S3). */
export const runLines = (command: ReadonlyArray<string>, execute: Option.Option<string>, inlineLimit: number, options: { readonly dryRun: boolean }) =>
  Effect.gen(function*() {
    if (Option.isNone(execute)) {
      if (command.length === 0) {
        return yield* new UsageError({ message: "nothing to run", hint: "Pass --command 'LINE' (repeatable) or --execute FILE" })
      }
      return { lines: command, environment: {}, staged: Option.none() } satisfies ExecuteLines
    }
    const content = yield* readExecuteFile(execute.value)
    const file = yield* executeFile(execute.value, content, inlineLimit, options)
    return { ...file, lines: [...file.lines, ...command] } satisfies ExecuteLines
  })
