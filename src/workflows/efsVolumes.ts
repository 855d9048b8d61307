/**
 * `--efs-storage MOUNT[=FS]` of `batch submit` and `ecs run`: each FS (a file system id, or a name;
 * default the file system named aegea, as `aegea efs create aegea` makes) resolved to its id.
 */
import type { EfsVolume } from "../lib/containerStorage.ts"
import * as Effect from "effect/Effect"
import { AmbiguousName, ResourceNotFound } from "../errors.ts"
import { Efs } from "../services/Efs.ts"

/** The file system `--efs-storage` uses when it names none. */
export const defaultEfsName = "aegea"

export const resolveEfsVolumes = (requests: ReadonlyArray<{ readonly mount: string; readonly fileSystem: string | undefined }>) =>
  Effect.gen(function*() {
    if (requests.length === 0) return [] as ReadonlyArray<EfsVolume>
    const efs = yield* Efs
    const all = yield* efs.list()
    return yield* Effect.forEach(requests, (request): Effect.Effect<EfsVolume, ResourceNotFound | AmbiguousName> => {
      const wanted = request.fileSystem ?? defaultEfsName
      const matches = all.filter((fs) => fs.id === wanted || fs.name === wanted)
      const [only] = matches
      if (only === undefined) {
        return Effect.fail(
          new ResourceNotFound({
            kind: "EFS file system",
            name: wanted,
            region: efs.region,
            hint: request.fileSystem === undefined
              ? `Create it with 'aegea efs create ${defaultEfsName}', or name another file system for ${request.mount} (see 'aegea efs ls')`
              : "Run 'aegea efs ls' to see the file systems",
            ...(request.fileSystem === undefined ? { remedy: "efs-storage" as const } : {})
          })
        )
      }
      if (matches.length > 1) {
        return Effect.fail(
          new AmbiguousName({ kind: "EFS file system", name: wanted, candidates: matches.map((fs) => fs.id), listCommand: "aegea efs ls" })
        )
      }
      return Effect.succeed({ fileSystemId: only.id, containerPath: request.mount } satisfies EfsVolume)
    })
  })
