/**
 * `aegea secrets ls | get | put | delete | grant`: Secrets Manager. Only `secrets get` ever prints a
 * secret value, to stdout; everything else (tables, messages, dry runs, errors) shows names only.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { IamLive } from "../layers/IamLive.ts"
import { SecretsLive } from "../layers/SecretsLive.ts"
import { ResourceNotFound, UsageError } from "../errors.ts"
import { Iam, type Principal } from "../services/Iam.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { listingDescription } from "../lib/table.ts"
import { grantPolicyName, readSecretPolicy, recoveryDaysRange, Secrets } from "../services/Secrets.ts"
import { confirmDestruction } from "./confirm.ts"
import { awsService, BaseLayer } from "./global.ts"
import { dryRun, putCommand, secretName } from "./secretsPut.ts"

const grantDryRun = Flag.Boolean("dry-run").pipe(
  Flag.withDescription(
    "Print the inline policy that would be put, as YAML (JSON with --json), after one line on stderr naming the principal; change nothing."
  ),
  Flag.withDefault(false)
)

export const SecretsLayer = awsService(Secrets, SecretsLive).pipe(Layer.provideMerge(BaseLayer))
export const SecretsGrantLayer = Layer.mergeAll(awsService(Secrets, SecretsLive), awsService(Iam, IamLive)).pipe(
  Layer.provideMerge(BaseLayer)
)

const secretTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "description" },
    { key: "lastChanged", header: "CHANGED", kind: "time" },
    { key: "lastAccessed", header: "ACCESSED", kind: "time" },
    { key: "tags", kind: "tags" }
  ],
  kinds: { arn: "id" }
}

const ls = Command.make(
  "ls",
  {},
  Effect.fn("secrets.ls")(function*() {
    const secrets = yield* Secrets
    const output = yield* Output
    const rows = yield* Stream.runCollect(secrets.list())
    yield* output.table(rows, secretTable, { empty: "no secrets" })
  })
).pipe(
  Command.withDescription(listingDescription("List the secrets (names and metadata, never values).", secretTable)),
  Command.withShortDescription("List the secrets (names and metadata, never values)."),
  Command.withExamples([
    { command: "aegea secrets ls", description: "All secrets in the region" },
    { command: "aegea secrets ls --columns name,arn --json", description: "Names and ARNs as JSON" }
  ])
)

/** The value of one key of a JSON object secret, as text (non-strings as JSON). */
const pickField = (name: string, value: Redacted.Redacted<string>, field: string) =>
  Effect.gen(function*() {
    let parsed: unknown
    try {
      parsed = JSON.parse(Redacted.value(value))
    } catch {
      parsed = undefined
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return yield* new UsageError({
        message: `secret ${name} is not a JSON object, so --field cannot pick a key from it`,
        hint: "Leave out --field to print the whole value"
      })
    }
    const record = parsed as Record<string, unknown>
    if (!Object.hasOwn(record, field)) {
      return yield* new ResourceNotFound({
        kind: `field of secret ${name}`,
        name: field,
        hint: `The fields are: ${Object.keys(record).join(", ") || "(none)"}`
      })
    }
    const picked = record[field]
    return Redacted.make(typeof picked === "string" ? picked : JSON.stringify(picked))
  })

const get = Command.make(
  "get",
  {
    name: secretName,
    versionId: Flag.String("version-id").pipe(Flag.withDescription("Read this version instead of the current one."), Flag.optional),
    versionStage: Flag.String("version-stage").pipe(
      Flag.withDescription("Read the version with this staging label, e.g. AWSPREVIOUS (default AWSCURRENT)."),
      Flag.optional
    ),
    field: Flag.String("field").pipe(
      Flag.withDescription("The value is a JSON object: print only this key's value."),
      Flag.optional
    )
  },
  Effect.fn("secrets.get")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("secrets get"), raw)
    const secrets = yield* Secrets
    const output = yield* Output
    const secret = yield* secrets.getValue(input.name, {
      versionId: Option.getOrUndefined(input.versionId),
      versionStage: Option.getOrUndefined(input.versionStage)
    })
    const value = Option.isSome(input.field) ? yield* pickField(input.name, secret.value, input.field.value) : secret.value
    // The one place a secret value is revealed: to stdout, for pipes.
    if (output.settings.format === "json" || output.settings.format === "yaml") {
      yield* output.document({
        name: secret.name,
        arn: secret.arn,
        versionId: secret.versionId,
        stages: secret.stages,
        ...(Option.isSome(input.field) ? { field: input.field.value } : {}),
        value: Redacted.value(value)
      })
      return
    }
    yield* output.text(Redacted.value(value))
  })
).pipe(
  Command.withDescription("Print a secret's value (only the value, followed by a newline, for pipes)."),
  Command.withExamples([
    { command: "aegea secrets get prod/db-password", description: "The current value" },
    { command: "aegea secrets get prod/db --field password", description: "One key of a JSON secret" },
    { command: "aegea secrets get prod/db-password --version-stage AWSPREVIOUS", description: "The previous value" }
  ])
)

const del = Command.make(
  "delete",
  {
    name: secretName,
    recoveryDays: Flag.Int("recovery-days").pipe(
      Flag.withDescription("Days during which the deletion can be undone (7 to 30, default 30)."),
      Flag.optional
    ),
    force: Flag.Boolean("force").pipe(Flag.withDescription("Delete at once, with no recovery window."), Flag.withDefault(false)),
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Delete without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    ),
    dryRun
  },
  Effect.fn("secrets.delete")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("secrets delete"), raw)
    const secrets = yield* Secrets
    const output = yield* Output
    const days = Option.getOrUndefined(input.recoveryDays)
    if (input.force && days !== undefined) {
      return yield* new UsageError({ message: "--force conflicts with --recovery-days", hint: "Give only one of them" })
    }
    if (days !== undefined && (!Number.isInteger(days) || days < recoveryDaysRange.min || days > recoveryDaysRange.max)) {
      return yield* new UsageError({ message: `invalid --recovery-days ${days}`, hint: "Use a number of days from 7 to 30" })
    }
    const secret = yield* secrets.describe(input.name)
    const what = input.force
      ? `delete secret ${secret.name} now, with no recovery`
      : `schedule secret ${secret.name} for deletion in ${days ?? recoveryDaysRange.max} days`
    if (input.dryRun) {
      yield* output.info(`dry run: would ${what}; nothing was changed`)
      return
    }
    yield* confirmDestruction({
      verb: "delete",
      noun: ["secret", "secrets"],
      items: [secret.name],
      detail: input.force ? "now, with no recovery" : `after a ${days ?? recoveryDaysRange.max}-day recovery window`
    }, input.yes)
    const result = yield* secrets.delete(secret.name, { force: input.force, recoveryDays: days })
    yield* output.table([{ ...result, deletion: input.force ? "deleted" : "scheduled" }], {
      columns: [
        { key: "name", kind: "name" },
        { key: "deletion", kind: "state" },
        { key: "deletionDate", header: "DELETED AT", kind: "time" },
        { key: "arn", kind: "id" }
      ]
    })
    if (!input.force) {
      yield* output.info(`until then, 'aws secretsmanager restore-secret --secret-id ${secret.name}' undoes the deletion`)
    }
  })
).pipe(
  Command.withDescription(
    "Delete a secret, after a recovery window (default 30 days) or at once with --force; asks on a terminal, and with no terminal refuses unless --yes."
  ),
  Command.withExamples([
    { command: "aegea secrets delete old-token --recovery-days 7", description: "Delete after 7 days (asks first)" },
    { command: "aegea secrets delete old-token --force --yes", description: "Delete now, without asking" }
  ])
)

const principalFlag = (kind: Principal["kind"]) =>
  Flag.String(`iam-${kind}`).pipe(Flag.withDescription(`Grant read access to this IAM ${kind}.`), Flag.optional)

const grant = Command.make(
  "grant",
  { name: secretName, role: principalFlag("role"), user: principalFlag("user"), group: principalFlag("group"), dryRun: grantDryRun },
  Effect.fn("secrets.grant")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("secrets grant"), raw)
    const secrets = yield* Secrets
    const iam = yield* Iam
    const output = yield* Output
    const given: ReadonlyArray<Principal> = [
      ...Option.toArray(input.role).map((name) => ({ kind: "role" as const, name })),
      ...Option.toArray(input.user).map((name) => ({ kind: "user" as const, name })),
      ...Option.toArray(input.group).map((name) => ({ kind: "group" as const, name }))
    ]
    const [principal, ...others] = given
    if (principal === undefined || others.length > 0) {
      return yield* new UsageError({
        message: principal === undefined ? "secrets grant needs a principal" : "give only one principal to secrets grant",
        hint: "Pass exactly one of --iam-role, --iam-user or --iam-group"
      })
    }
    const secret = yield* secrets.describe(input.name)
    const policyName = grantPolicyName(secret.name)
    const document = readSecretPolicy(secret.arn)
    if (input.dryRun) {
      yield* output.info(`dry run: would put the inline policy ${policyName} on IAM ${principal.kind} ${principal.name}; nothing was changed`)
      yield* output.document(document)
      return
    }
    yield* iam.putInlinePolicy(principal, policyName, document)
    yield* output.table([{ principal: principal.name, kind: principal.kind, policy: policyName, secret: secret.arn }], {
      columns: [{ key: "principal", kind: "name" }, { key: "kind" }, { key: "policy" }, { key: "secret", kind: "id" }]
    })
  })
).pipe(
  Command.withDescription(
    "Let an IAM role, user or group read one secret: an inline policy allowing GetSecretValue and DescribeSecret on its ARN only."
  ),
  Command.withExamples([
    { command: "aegea secrets grant prod/db-password --iam-role app-server", description: "The app-server role may read it" },
    { command: "aegea secrets grant prod/db-password --iam-user ci --dry-run", description: "Show the policy without changing IAM" }
  ])
)

export const secretsCommand = Command.make("secrets").pipe(
  Command.withDescription("Store, read, delete and share secrets in AWS Secrets Manager."),
  Command.withSubcommands([
    ls.pipe(Command.provide(SecretsLayer)),
    get.pipe(Command.provide(SecretsLayer)),
    putCommand.pipe(Command.provide(SecretsLayer)),
    del.pipe(Command.provide(SecretsLayer)),
    grant.pipe(Command.provide(SecretsGrantLayer))
  ])
)
