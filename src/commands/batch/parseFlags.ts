/** Parsing of `batch submit` and `ecs run` flag values; bad input is a UsageError naming the flag and its form. */
import type { HostVolume, StorageRequest, Ulimit } from "../../lib/containerStorage.ts"
import * as Effect from "effect/Effect"
import { UsageError } from "../../errors.ts"
import { keyValues } from "../parse.ts"

/** Repeated NAME=VALUE flags as one value per name (the last one wins). */
export const singleValues = (flag: string, values: ReadonlyArray<string>) =>
  Effect.map(keyValues(flag, values), (all) =>
    Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v[v.length - 1] ?? ""])) as Record<string, string>)

const invalid = (flag: string, value: string, form: string, example: string) =>
  new UsageError({ message: `invalid --${flag} ${JSON.stringify(value)}: write it as ${form}`, hint: `e.g. --${flag} ${example}` })

/** `--storage MOUNT=SIZE` (GiB, a whole number). */
export const parseStorage = (values: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<StorageRequest>, UsageError> =>
  Effect.forEach(values, (value) => {
    const eq = value.lastIndexOf("=")
    const size = Number(value.slice(eq + 1).replace(/\s*(GiB|GB|G)$/i, ""))
    return eq <= 0 || !Number.isInteger(size) || size < 1
      ? Effect.fail(invalid("storage", value, "MOUNT=SIZE (SIZE in GiB, a whole number)", "/scratch=100"))
      : Effect.succeed({ mount: value.slice(0, eq), sizeGiB: size })
  })

/** `--efs-storage MOUNT[=FS]`: the mount and the file system (id or name) when given. */
export const parseEfsStorage = (values: ReadonlyArray<string>) =>
  Effect.forEach(values, (value) => {
    const eq = value.indexOf("=")
    const mount = eq < 0 ? value : value.slice(0, eq)
    const fileSystem = eq < 0 ? undefined : value.slice(eq + 1)
    return mount === "" || fileSystem === ""
      ? Effect.fail(invalid("efs-storage", value, "MOUNT[=FS] (FS: a file system id or name; default the one named aegea)", "/efs=fs-0123456789abcdef0"))
      : Effect.succeed({ mount, fileSystem })
  })

/** `--volumes HOST:CONTAINER`. */
export const parseVolumes = (values: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<HostVolume>, UsageError> =>
  Effect.forEach(values, (value) => {
    const colon = value.indexOf(":")
    return colon <= 0 || colon === value.length - 1
      ? Effect.fail(invalid("volumes", value, "HOST:CONTAINER (a path on the instance, a path in the container)", "/var/run/docker.sock:/var/run/docker.sock"))
      : Effect.succeed({ hostPath: value.slice(0, colon), containerPath: value.slice(colon + 1) })
  })

/** `--ulimits NAME=SOFT[:HARD]` (HARD defaults to SOFT). */
export const parseUlimits = (values: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Ulimit>, UsageError> =>
  Effect.forEach(values, (value) => {
    const match = /^([a-z]+)=(\d+)(?::(\d+))?$/.exec(value)
    if (match === null) return Effect.fail(invalid("ulimits", value, "NAME=SOFT[:HARD] with whole numbers", "nofile=65536 or nofile=4096:65536"))
    const soft = Number(match[2])
    return Effect.succeed({ name: match[1] ?? "", softLimit: soft, hardLimit: match[3] === undefined ? soft : Number(match[3]) })
  })
