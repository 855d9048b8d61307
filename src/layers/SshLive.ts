/** The live Ssh layer: OpenSSH's programs run through effect/process; files through node:fs. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, isAbsolute, join } from "node:path"
import { OperationFailed } from "../errors.ts"
import { Ssh } from "../services/Ssh.ts"
import { flushPendingOutput } from "./OutputLive.ts"

const findOnPath = (program: string): string | undefined => {
  const candidates = isAbsolute(program) ? [program] : (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "").map((d) => join(d, program))
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/**
 * The private directory's files (known_hosts, tickets: no subdirectories) and then the directory:
 * what `rmSync(dir, { recursive: true })` does, without loading Node's recursive removal on the way
 * out of every `aegea ssh` (about a millisecond); anything else there (a subdirectory) goes to it.
 */
const removePrivateDirectory = (dir: string): void => {
  try {
    for (const file of readdirSync(dir)) unlinkSync(join(dir, file))
    rmdirSync(dir)
  } catch {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `Ssh` with the local OpenSSH programs, run as child processes. */
export const SshLive: Layer.Layer<Ssh, never, ChildProcessSpawner.ChildProcessSpawner> = Layer.effect(
  Ssh,
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner

    const which = (program: string) => Effect.sync(() => Option.fromUndefinedOr(findOnPath(program)))

    const run = (program: string, args: ReadonlyArray<string>, options: { readonly env?: Readonly<Record<string, string>> } = {}) =>
      Effect.scoped(
        Effect.gen(function*() {
          // the child writes to our stdout: what aegea printed before must come first
          flushPendingOutput()
          const handle = yield* spawner.spawn(
            ChildProcess.make(program, [...args], {
              stdin: "inherit",
              stdout: "inherit",
              stderr: "inherit",
              // in the terminal's process group, so an interactive ssh can read the terminal
              detached: false,
              extendEnv: true,
              ...(options.env !== undefined ? { env: { ...options.env } } : {})
            })
          )
          return Number(yield* handle.exitCode)
        })
      ).pipe(
        Effect.mapError((cause) => new OperationFailed({ message: `could not run ${program}: ${cause.message}`, cause }))
      )

    const output = (program: string, args: ReadonlyArray<string>) =>
      Effect.scoped(
        Effect.gen(function*() {
          const handle = yield* spawner.spawn(ChildProcess.make(program, [...args], { stdin: "ignore", stderr: "ignore" }))
          const text = yield* handle.stdout.pipe(Stream.decodeText(), Stream.mkString)
          return { code: Number(yield* handle.exitCode), text }
        })
      )

    const agentPublicKeys = Effect.gen(function*() {
      if (process.env.SSH_AUTH_SOCK === undefined || findOnPath("ssh-add") === undefined) return []
      const { code, text } = yield* output("ssh-add", ["-L"])
      return code === 0 ? text.split("\n").map((l) => l.trim()).filter((l) => /^(ssh-|ecdsa-|sk-)/.test(l)) : []
    }).pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<string>))

    const ensureKey = (privateKeyPath: string) =>
      Effect.gen(function*() {
        const publicKeyPath = `${privateKeyPath}.pub`
        if (!existsSync(privateKeyPath)) {
          yield* Effect.try({
            try: () => mkdirSync(dirname(privateKeyPath), { recursive: true, mode: 0o700 }),
            catch: (cause) => new OperationFailed({ message: `could not create ${dirname(privateKeyPath)}`, cause })
          })
          const { code } = yield* output("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "aegea", "-f", privateKeyPath]).pipe(
            Effect.mapError((cause) => new OperationFailed({ message: "could not run ssh-keygen", hint: "Install OpenSSH's ssh-keygen", cause }))
          )
          if (code !== 0) return yield* new OperationFailed({ message: `ssh-keygen could not create ${privateKeyPath} (exit ${code})` })
        }
        const publicKey = yield* Effect.try({
          try: () => readFileSync(publicKeyPath, "utf8").trim(),
          catch: (cause) =>
            new OperationFailed({ message: `could not read ${publicKeyPath}`, hint: `Recreate it with ssh-keygen -y -f ${privateKeyPath}`, cause })
        })
        return { privateKeyPath, publicKey }
      })

    const privateDirectory = Effect.acquireRelease(
      Effect.try({
        try: () => {
          const dir = mkdtempSync(join(tmpdir(), "aegea-ssh-"))
          chmodSync(dir, 0o700)
          return dir
        },
        catch: (cause) => new OperationFailed({ message: "could not create a private temporary directory", cause })
      }),
      (dir) => Effect.sync(() => removePrivateDirectory(dir))
    )

    return Ssh.of({ which, run, agentPublicKeys, ensureKey, privateDirectory })
  })
)
