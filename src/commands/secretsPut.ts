/**
 * `aegea secrets put NAME`: the value comes from stdin (typed twice without echo at a terminal),
 * `--from-file` or `--generate-ssh-key`, never from an argument (arguments end up in shell history and `ps`). It is wrapped in `Redacted`
 * as soon as it is read; no message, dry-run line or error ever contains it.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stdio from "effect/Stdio"
import * as Stream from "effect/Stream"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Prompt from "effect/cli/Prompt"
import { generateEd25519KeyPair, openSshFingerprint } from "../lib/sshKey.ts"
import { UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"
import { Secrets } from "../services/Secrets.ts"

/** Secrets Manager's limit on a secret value. */
export const maxSecretBytes = 65_536

export const secretName = Argument.String("name").pipe(
  Argument.withDescription("The secret's name (or ARN), e.g. prod/db-password.")
)
export const dryRun = Flag.Boolean("dry-run").pipe(
  Flag.withDescription("Print one line saying what would be done (text, on stderr; never the secret value) and change nothing."),
  Flag.withDefault(false)
)

const tooLarge = new UsageError({
  message: `the secret value is larger than ${maxSecretBytes} bytes`,
  hint: "Secrets Manager stores at most 64 KiB per secret"
})

/**
 * Ask for the value on a terminal without echoing it, twice; the two must match. Ctrl-C (or Esc)
 * ends the command with nothing stored.
 */
const promptValue = (name: string) =>
  Effect.gen(function*() {
    const ask = (message: string) =>
      Prompt.run(Prompt.Password({ message })).pipe(Effect.catchTag("QuitError", () => Effect.interrupt))
    const first = yield* ask(`Value of ${name} (not shown)`)
    if (Redacted.value(first) === "") return first
    const second = yield* ask("The same value again")
    if (Redacted.value(first) !== Redacted.value(second)) {
      return yield* new UsageError({ message: "the two values differ: nothing was stored", hint: "Run the command again" })
    }
    return first
  })

/**
 * All of stdin as text (at most maxSecretBytes); on a terminal (stdin and stderr), a prompt that does
 * not echo; a terminal on stdin alone (stderr redirected) is a UsageError.
 */
export const readStdin = (name: string) => Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  if (yield* stdio.stdinIsTerminal) {
    if (process.stderr.isTTY === true) {
      const value = yield* promptValue(name)
      if (Buffer.byteLength(Redacted.value(value)) > maxSecretBytes) return yield* tooLarge
      return value
    }
    return yield* new UsageError({
      message: "no secret value: stdin is a terminal",
      hint: "Pipe the value in (e.g. printf %s \"$VALUE\" | aegea secrets put NAME) or pass --from-file PATH"
    })
  }
  let total = 0
  const chunks = yield* stdio.stdin.pipe(
    Stream.mapEffect((chunk) => {
      total += chunk.length
      return total > maxSecretBytes ? Effect.fail(tooLarge) : Effect.succeed(chunk)
    }),
    Stream.runCollect,
    Effect.catchTag("PlatformError", () =>
      Effect.fail(new UsageError({ message: "could not read the secret value from stdin", hint: "Pass --from-file PATH instead" })))
  )
  return Redacted.make(Buffer.concat(chunks).toString("utf8"))
})

const readFile = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(path)
    if (info.type !== "File") {
      return yield* new UsageError({ message: `--from-file ${path} is not a file`, hint: "Pass the path of a file" })
    }
    if (Number(info.size) > maxSecretBytes) return yield* tooLarge
    return Redacted.make(yield* fs.readFileString(path))
  }).pipe(
    Effect.catchTag("PlatformError", (e) =>
      Effect.fail(new UsageError({ message: `could not read --from-file ${path}: ${e.message.split("\n")[0]}`, hint: "Check the path and its permissions" })))
  )

export const putCommand = Command.make(
  "put",
  {
    name: secretName,
    fromFile: Flag.String("from-file").pipe(
      Flag.withDescription("Read the value from this file instead of stdin."),
      Flag.optional
    ),
    generateSshKey: Flag.Boolean("generate-ssh-key").pipe(
      Flag.withDescription("Generate an ed25519 SSH key pair, store the private key and print the public key."),
      Flag.withDefault(false)
    ),
    description: Flag.String("description").pipe(
      Flag.withDescription("The description of a new secret (ignored when the secret exists)."),
      Flag.optional
    ),
    dryRun
  },
  Effect.fn("secrets.put")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("secrets put"), raw)
    const secrets = yield* Secrets
    const output = yield* Output
    if (input.generateSshKey && Option.isSome(input.fromFile)) {
      return yield* new UsageError({ message: "--generate-ssh-key conflicts with --from-file", hint: "Give only one of them" })
    }
    const exists = yield* secrets.describe(input.name).pipe(
      Effect.as(true),
      Effect.catchTag("ResourceNotFound", () => Effect.succeed(false))
    )
    const what = exists ? `add a new version to secret ${input.name}` : `create secret ${input.name}`
    const keyPair = input.generateSshKey ? generateEd25519KeyPair(input.name) : undefined
    const value = keyPair !== undefined
      ? Redacted.make(keyPair.privateKeyPem)
      : Option.isSome(input.fromFile)
      ? yield* readFile(input.fromFile.value)
      : yield* readStdin(input.name)
    if (Redacted.value(value) === "") {
      return yield* new UsageError({ message: "the secret value is empty", hint: "Pipe a non-empty value in, or pass --from-file PATH" })
    }
    if (input.dryRun) {
      yield* output.info(`dry run: would ${what}${keyPair ? " with a new ed25519 private key" : ""}; nothing was changed`)
      return
    }
    const result = yield* secrets.put(input.name, value, { description: Option.getOrUndefined(input.description) })
    if (keyPair !== undefined) {
      yield* output.info(`stored the private key in ${result.name} (version ${result.versionId}); public key ${openSshFingerprint(keyPair.publicKey)}:`)
      yield* output.text(keyPair.publicKey)
      return
    }
    // Not there before this put: it was created, even when CreateSecret's first answer was lost and its
    // retry met the secret it had made (the live layer then adds the same value under the same token).
    const created = result.created || !exists
    yield* output.table([{ ...result, action: created ? "created" : "new version" }], {
      columns: [{ key: "name", kind: "name" }, { key: "action" }, { key: "versionId", header: "VERSION", kind: "id" }, { key: "arn", kind: "id" }]
    })
  })
).pipe(
  Command.withDescription(
    "Store a secret value read from stdin, --from-file, or (at a terminal) typed twice without echo — never from an argument: creates the secret or adds a new current version."
  ),
  Command.withExamples([
    { command: "printf %s \"$DB_PASSWORD\" | aegea secrets put prod/db-password", description: "Store a value from a variable" },
    { command: "aegea secrets put prod/tls-key --from-file key.pem", description: "Store a file" },
    { command: "aegea secrets put deploy-key --generate-ssh-key >> ~/.ssh/authorized_keys", description: "New SSH key; public part printed" }
  ])
)
