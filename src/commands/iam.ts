/**
 * `aegea iam users | groups | roles | policies | create-user | whoami`: IAM from an operator's seat.
 * IAM is global, so these commands ignore the region (except to pick the endpoint). A console
 * password made by `create-user --console-password` is printed once, in its output, and must be
 * changed at first sign-in.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { randomInt } from "node:crypto"
import { IamAdminLive } from "../layers/IamAdminLive.ts"
import { type AwsError, ResourceNotFound, UsageError } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import type { Principal, PrincipalKind } from "../services/Iam.ts"
import { IamAdmin, IamGroup, IamPolicy, IamRole, type IamUser, principalKinds } from "../services/IamAdmin.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"
import { commaList } from "./parse.ts"

export const IamAdminLayer = awsService(IamAdmin, IamAdminLive).pipe(Layer.provideMerge(BaseLayer))

const dayMillis = 86_400_000

export const userTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "mfa", header: "MFA" },
    { key: "keys", header: "ACCESS KEYS", keep: 2 },
    { key: "lastUsed", header: "LAST USED", kind: "time" },
    { key: "groups", keep: 1 }
  ],
  kinds: { arn: "id", created: "time", passwordLastUsed: "time", accessKeys: "text" },
  fields: ["name", "arn", "created", "mfa", "accessKeys", "keys", "passwordLastUsed", "lastUsed", "groups"],
  aliases: { access_keys: "keys", password_last_used: "passwordLastUsed" }
}

export const groupTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "users" },
    { key: "created", kind: "time" }
  ],
  kinds: { arn: "id" },
  fields: Object.keys(IamGroup.fields)
}

export const roleTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "trustedPrincipals", header: "TRUSTED PRINCIPALS" },
    { key: "lastUsed", header: "LAST USED", kind: "time" }
  ],
  kinds: { arn: "id", created: "time", description: "text", lastUsedRegion: "text" },
  fields: Object.keys(IamRole.fields),
  aliases: { trusted: "trustedPrincipals", principals: "trustedPrincipals" }
}

export const policyTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "type" },
    { key: "attachments", kind: "number", align: "right" },
    { key: "updated", kind: "time" },
    { key: "arn", kind: "id" }
  ],
  fields: Object.keys(IamPolicy.fields)
}

/** The columns of `iam policies --attached-to`: whose they are instead of how many principals. */
const principalPolicyTable: TableSpec = {
  ...policyTable,
  columns: [
    { key: "name", kind: "name" },
    { key: "type" },
    { key: "attachedTo", header: "ATTACHED TO" },
    { key: "arn", kind: "id" }
  ]
}

/** "AKIA...0001 active 40d": an access key, its status and its age in days. */
export const keySummary = (key: IamUser["accessKeys"][number], nowMillis: number) =>
  `${key.id} ${key.status.toLowerCase()}${key.created !== undefined ? ` ${Math.max(0, Math.floor((nowMillis - key.created.getTime()) / dayMillis))}d` : ""}`

const listing = <A>(
  name: string,
  summary: string,
  spec: TableSpec,
  rows: (iam: IamAdmin["Service"]) => Stream.Stream<A, AwsError>,
  toRow: (item: A, nowMillis: number) => Record<string, unknown>,
  example: { readonly command: string; readonly description: string }
) =>
  Command.make(name, {}, () =>
    Effect.gen(function*() {
      const iam = yield* IamAdmin
      const output = yield* Output
      const now = yield* Clock.currentTimeMillis
      const items = yield* Stream.runCollect(rows(iam))
      yield* output.table(items.map((item) => toRow(item, now)), spec, { empty: `no IAM ${name}` })
    })).pipe(
      Command.withDescription(listingDescription(summary, spec)),
      Command.withShortDescription(summary),
      Command.withExamples([example])
    )

const users = listing(
  "users",
  "List IAM users: MFA, access keys with their age, when last used, groups.",
  userTable,
  (iam) => iam.users(),
  (u, now) => ({ ...u, keys: u.accessKeys.map((k) => keySummary(k, now)) }),
  { command: "aegea iam users --columns name,keys,lastUsed --sort-by lastUsed", description: "Users by last use, with their keys" }
)

const groups = listing("groups", "List IAM groups and their members.", groupTable, (iam) => iam.groups(), (g) => ({ ...g }), {
  command: "aegea iam groups --json",
  description: "Groups and members as JSON"
})

const roles = listing(
  "roles",
  "List IAM roles: who may assume each, and when it was last used.",
  roleTable,
  (iam) => iam.roles(),
  (r) => ({ ...r }),
  { command: "aegea iam roles --columns name,trustedPrincipals", description: "Roles and who may assume them" }
)

/** "user/alice", "role/app" or a bare name looked up as a user, a group and a role. */
export const parsePrincipal = (text: string): { readonly kind?: PrincipalKind; readonly name: string } => {
  const match = /^(user|group|role)[/:](.+)$/.exec(text)
  return match ? { kind: match[1] as PrincipalKind, name: match[2]! } : { name: text }
}

const resolvePrincipal = (text: string) =>
  Effect.gen(function*() {
    const iam = yield* IamAdmin
    const parsed = parsePrincipal(text)
    if (parsed.kind !== undefined) return { kind: parsed.kind, name: parsed.name } satisfies Principal
    // IAM names never hold "/" or ":": "nobody/x" is a mistyped kind, not a name to look up
    if (/[/:]/.test(parsed.name)) {
      return yield* new UsageError({
        message: `--attached-to ${JSON.stringify(parsed.name)} names no kind of principal`,
        hint: "Give user/NAME, group/NAME, role/NAME or a bare name"
      })
    }
    const found = yield* Effect.filter(principalKinds, (kind) => iam.exists({ kind, name: parsed.name }), { concurrency: 3 })
    const [kind, ...others] = found
    if (kind === undefined) {
      return yield* new ResourceNotFound({
        kind: "IAM user, group or role",
        name: parsed.name,
        hint: "Run 'aegea iam users', 'aegea iam groups' or 'aegea iam roles' to see them"
      })
    }
    if (others.length > 0) {
      return yield* new UsageError({
        message: `${JSON.stringify(parsed.name)} is the name of an IAM ${found.join(" and an IAM ")}`,
        hint: `Say which: ${found.map((k) => `--attached-to ${k}/${parsed.name}`).join(" or ")}`
      })
    }
    return { kind, name: parsed.name } satisfies Principal
  })

const policies = Command.make(
  "policies",
  {
    attachedTo: Flag.String("attached-to").pipe(
      Flag.withDescription(
        "List the managed and inline policies of this user, group or role (user/NAME, group/NAME, role/NAME, or a NAME that is only one of them) instead of the account's customer-managed policies."
      ),
      Flag.optional
    )
  },
  Effect.fn("iam.policies")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("iam policies"), raw)
    const iam = yield* IamAdmin
    const output = yield* Output
    if (Option.isNone(input.attachedTo)) {
      yield* output.table(yield* Stream.runCollect(iam.policies()), policyTable, { empty: "no customer-managed IAM policies" })
      return
    }
    const principal = yield* resolvePrincipal(input.attachedTo.value)
    const rows = yield* iam.policiesOf(principal)
    yield* output.table(rows, principalPolicyTable, { empty: `no policies on IAM ${principal.kind} ${principal.name}` })
  })
).pipe(
  Command.withDescription(listingDescription(
    "List the account's customer-managed IAM policies, or with --attached-to the policies of one user, group or role.",
    policyTable
  )),
  Command.withShortDescription("List IAM policies (customer managed, or of one principal)."),
  Command.withExamples([
    { command: "aegea iam policies", description: "Customer-managed policies and how many principals use each" },
    { command: "aegea iam policies --attached-to role/app-server", description: "What the app-server role may do" }
  ])
)

const passwordAlphabets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*()-_=+"] as const

/** A random password of `length` with at least one character of each kind (IAM's strictest policy asks for all four). */
export const generatePassword = (length = 24, pick: (max: number) => number = randomInt): string => {
  const all = passwordAlphabets.join("")
  const chars = passwordAlphabets.map((a) => a[pick(a.length)]!)
  while (chars.length < length) chars.push(all[pick(all.length)]!)
  for (let i = chars.length - 1; i > 0; i--) {
    const j = pick(i + 1)
    ;[chars[i], chars[j]] = [chars[j]!, chars[i]!]
  }
  return chars.join("")
}

const createUser = Command.make(
  "create-user",
  {
    name: Argument.String("name").pipe(Argument.withDescription("The new user's name.")),
    groups: Flag.String("groups").pipe(
      Flag.withDescription("Add the user to these groups (comma-separated, or the flag repeated)."),
      Flag.atLeast(0)
    ),
    consolePassword: Flag.Boolean("console-password").pipe(
      Flag.withDescription(
        "Give the user console access: a generated password, printed once in the output, that must be changed at first sign-in."
      ),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print one line saying what would be done (text, on stderr; never a password) and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("iam.create-user")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("iam create-user"), raw)
    const iam = yield* IamAdmin
    const output = yield* Output
    const groupNames = [...new Set(commaList(input.groups))]
    if (yield* iam.exists({ kind: "user", name: input.name })) {
      return yield* new UsageError({
        message: `an IAM user named ${input.name} already exists`,
        hint: "Choose another name, or run 'aegea iam users' to see the users"
      })
    }
    const missing = yield* Effect.filter(groupNames, (name) => Effect.map(iam.exists({ kind: "group", name }), (found) => !found), {
      concurrency: 4
    })
    if (missing.length > 0) {
      return yield* new ResourceNotFound({
        kind: missing.length === 1 ? "IAM group" : "IAM groups",
        name: missing.join(", "),
        hint: "Run 'aegea iam groups' to see the groups"
      })
    }
    const what = `create IAM user ${input.name}${groupNames.length > 0 ? ` in ${groupNames.length === 1 ? "group" : "groups"} ${groupNames.join(", ")}` : ""}${
      input.consolePassword ? " with a console password that must be changed at first sign-in" : ""
    }`
    if (input.dryRun) {
      yield* output.info(`dry run: would ${what}; nothing was changed`)
      return
    }
    const password = input.consolePassword ? Redacted.make(generatePassword()) : undefined
    const created = yield* iam.createUser({ name: input.name, groups: groupNames, consolePassword: password })
    // The one place the password is shown: it exists nowhere else (IAM never returns it).
    yield* output.table([{ ...created, ...(password !== undefined ? { consolePassword: Redacted.value(password) } : {}) }], {
      columns: [
        { key: "name", kind: "name" },
        { key: "groups" },
        { key: "consoleAccess", header: "CONSOLE" },
        ...(password !== undefined ? [{ key: "consolePassword", header: "PASSWORD (SHOWN ONCE)", noTruncate: true }] : []),
        { key: "arn", kind: "id" }
      ]
    })
    if (password !== undefined) yield* output.info("the password is shown only this once; the user must change it at first sign-in")
  })
).pipe(
  Command.withDescription(
    "Create an IAM user, add it to groups, and with --console-password give it a generated console password (printed once; must be changed at first sign-in)."
  ),
  Command.withExamples([
    { command: "aegea iam create-user carol --groups developers,readonly --console-password", description: "A console user in two groups" },
    { command: "aegea iam create-user ci-bot --dry-run", description: "Say what would be created" }
  ])
)

const whoamiTable: TableSpec = {
  columns: [
    { key: "arn", kind: "id" },
    { key: "account", kind: "id" },
    { key: "userId", header: "USER ID", kind: "id" },
    { key: "source", header: "CREDENTIALS FROM" },
    { key: "profile" },
    { key: "region" }
  ],
  fields: ["arn", "account", "userId", "source", "profile", "region"],
  aliases: { credentials: "source", user_id: "userId" }
}

const whoami = Command.make(
  "whoami",
  {},
  Effect.fn("iam.whoami")(function*() {
    const iam = yield* IamAdmin
    const output = yield* Output
    yield* output.table([{ ...(yield* iam.whoami) }], whoamiTable)
  })
).pipe(
  Command.withDescription(listingDescription(
    "Show who the credentials belong to (STS GetCallerIdentity) and how they were found: environment, profile, SSO, web identity, instance role...",
    whoamiTable
  )),
  Command.withShortDescription("Show who the credentials belong to and where they came from."),
  Command.withExamples([{ command: "aegea iam whoami --profile prod", description: "Which identity the prod profile gives" }])
)

export const iamCommand = Command.make("iam").pipe(
  Command.withDescription("IAM users, groups, roles and policies; create a user; show who you are."),
  Command.withSubcommands([
    users.pipe(Command.provide(IamAdminLayer)),
    groups.pipe(Command.provide(IamAdminLayer)),
    roles.pipe(Command.provide(IamAdminLayer)),
    policies.pipe(Command.provide(IamAdminLayer)),
    createUser.pipe(Command.provide(IamAdminLayer)),
    whoami.pipe(Command.provide(IamAdminLayer))
  ])
)
