/**
 * `aegea __complete SHELL -- WORDS...`: the hidden command behind the completion scripts (see
 * src/lib/completion.ts for the protocol). Subcommands, flags and choices come from the command tree
 * itself; instances, log groups, queues, jobs, clusters, secrets and regions from AWS, through the
 * same service layers as the commands, within LOOKUP_TIMEOUT_MS, and cached for CACHE_TTL_MS per
 * profile and region in $XDG_CACHE_HOME/aegea (~/.cache/aegea): a slow or unreachable endpoint
 * answers with what was cached last, however old, or nothing. Tab never waits longer.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Completions from "effect/cli/Completions"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import { BatchLive } from "../layers/BatchLive.ts"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { EcsLive } from "../layers/EcsLive.ts"
import { LogsLive } from "../layers/LogsLive.ts"
import { SecretsLive } from "../layers/SecretsLive.ts"
import {
  awsKinds,
  CACHE_TTL_MS,
  cacheFileName,
  type Candidate,
  type CompletionCache,
  type CompletionTree,
  configKeyCandidates,
  knownRegions,
  LOOKUP_TIMEOUT_MS,
  parseCache,
  plan as planOf,
  type Plan,
  profilesIn,
  render,
  shells,
  staticValues,
  type SwitchIsOn,
  usable,
  type ValueKind
} from "../lib/completion.ts"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { Batch, jobStatuses } from "../services/Batch.ts"
import { globalKeys, sectionKeys, sectionNames } from "../services/ConfigSchema.ts"
import { Ec2, InstanceState } from "../services/Ec2.ts"
import { Ecs } from "../services/Ecs.ts"
import { Logs } from "../services/Logs.ts"
import { Output } from "../services/Output.ts"
import { Secrets } from "../services/Secrets.ts"
import { awsService, BaseLayer, EndpointUrl, globalFlags, Profile, Region } from "./global.ts"

/** At most this many values of one kind are kept (a Tab showing thousands helps nobody). */
const MAX_VALUES = 2_000
/** Job ids are listed from at most this many queues. */
const MAX_QUEUES = 10

/** The tree of a root command: its descriptor, the global flags (and --help), the root's built-ins. */
export const completionTree = (root: unknown): CompletionTree => {
  const flagsOf = (flags: Command.Command.Config) => Completions.fromCommand(Command.make("flags", flags)).flags
  const descriptions: Record<string, string> = {}
  const visit = (command: Command.Command.Any, path: ReadonlyArray<string>) => {
    if (command.description !== undefined) descriptions[path.join(" ")] = command.description
    for (const group of command.subcommands) for (const child of group.commands) visit(child, [...path, child.name])
  }
  visit(root as Command.Command.Any, [])
  return {
    descriptions,
    root: Completions.fromCommand(root as Command.Command.Any),
    globalFlags: flagsOf({ ...Object.fromEntries(globalFlags.map((flag) => [flag.id, flag.flag])), help: GlobalFlag.Help.flag }),
    rootFlags: flagsOf({ version: GlobalFlag.Version.flag, completions: GlobalFlag.Completions.flag })
  }
}

const take = <A, E, R>(stream: Stream.Stream<A, E, R>) => Stream.runCollect(Stream.take(stream, MAX_VALUES))

/** The AWS look-up of a kind, through the commands' own service layers (a test's, when provided). */
const lookup = (kind: ValueKind, plan: Plan) => {
  switch (kind) {
    case "instances":
    case "instance-ids":
      return Effect.gen(function*() {
        const instances = yield* take((yield* Ec2).instances())
        return instances.flatMap((i): Array<Candidate> => [
          { value: i.id, description: [i.name, i.state].filter(Boolean).join(" "), state: i.state },
          ...(i.name !== undefined && i.name !== "" ? [{ value: i.name, description: `${i.id} ${i.state}`, state: i.state }] : [])
        ])
      }).pipe(Effect.provide(awsService(Ec2, Ec2Live)))
    case "regions":
      return Effect.gen(function*() {
        return (yield* take((yield* Ec2).regions())).map((r): Candidate => ({ value: r.name }))
      }).pipe(Effect.provide(awsService(Ec2, Ec2Live)))
    case "log-groups":
      return Effect.gen(function*() {
        return (yield* take((yield* Logs).groups())).map((g): Candidate => ({ value: g.name }))
      }).pipe(Effect.provide(awsService(Logs, LogsLive)))
    case "queues":
      return Effect.gen(function*() {
        return (yield* take((yield* Batch).queues())).map((q): Candidate => ({ value: q.name, description: `${q.state} ${q.status}` }))
      }).pipe(Effect.provide(awsService(Batch, BatchLive)))
    case "compute-environments":
      return Effect.gen(function*() {
        return (yield* take((yield* Batch).computeEnvironments())).map((c): Candidate => ({ value: c.name, description: c.computeType }))
      }).pipe(Effect.provide(awsService(Batch, BatchLive)))
    case "jobs":
      return Effect.gen(function*() {
        const batch = yield* Batch
        const queues = plan.given["queue"] !== undefined
          ? [plan.given["queue"]]
          : (yield* take(batch.queues())).slice(0, MAX_QUEUES).map((q) => q.name)
        const jobs = yield* Effect.forEach(queues, (queue) => take(batch.jobs({ queue })), { concurrency: 4 })
        return jobs.flat().map((j): Candidate => ({ value: j.id, description: `${j.name} ${j.status}` }))
      }).pipe(Effect.provide(awsService(Batch, BatchLive)))
    case "clusters":
      return Effect.gen(function*() {
        return (yield* take((yield* Ecs).clusters())).map((c): Candidate => ({ value: c.name, description: c.status }))
      }).pipe(Effect.provide(awsService(Ecs, EcsLive)))
    case "secrets":
      return Effect.gen(function*() {
        return (yield* take((yield* Secrets).list())).map((s): Candidate => ({ value: s.name, description: s.description }))
      }).pipe(Effect.provide(awsService(Secrets, SecretsLive)))
    default:
      return Effect.succeed<ReadonlyArray<Candidate>>([])
  }
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())
const env = (name: string) => nonEmpty(process.env[name])

/** $XDG_CACHE_HOME/aegea, else ~/.cache/aegea. */
const cacheDirectory = () => join(env("XDG_CACHE_HOME") ?? join(env("HOME") ?? homedir(), ".cache"), "aegea")

/** The cache file of the profile and region the words (then the environment, then the config) name. */
const cacheFile = (plan: Plan, config: AegeaConfig["Service"]) => {
  const configured = (key: string) => Option.getOrUndefined(Option.filter(config.get(key), (v): v is string => typeof v === "string"))
  const profile = nonEmpty(plan.given["profile"]) ?? env("AWS_PROFILE") ?? env("AWS_DEFAULT_PROFILE") ?? configured("profile") ?? "default"
  // Without a region anywhere, the profile's own region applies (the key says so).
  const region = nonEmpty(plan.given["region"]) ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? configured("region") ?? "profile"
  return join(cacheDirectory(), cacheFileName(profile, region))
}

const readCache = (file: string): CompletionCache => {
  try {
    return parseCache(readFileSync(file, "utf8"))
  } catch {
    return {}
  }
}

/** Write the whole file anew (a temporary file, then rename: a reader never sees half of it); errors are ignored. */
const writeCache = (file: string, key: string, values: ReadonlyArray<Candidate>) => {
  try {
    const cache = { ...readCache(file), [key]: { at: Date.now(), values } }
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(cache), { mode: 0o600 })
    renameSync(temporary, file)
  } catch {
    // A cache that cannot be written only makes the next Tab ask AWS again.
  }
}

/**
 * Values of an AWS kind: fresh cached ones, else asked (within the timeout) and cached, else the
 * cached ones however old, else nothing (regions: the known list).
 */
const awsValues = (kind: ValueKind, plan: Plan, config: AegeaConfig["Service"]) =>
  Effect.gen(function*() {
    const file = cacheFile(plan, config)
    // instance-ids share the instances' entry; jobs are listed per --queue when one is given.
    const key = kind === "instance-ids" ? "instances" : kind === "jobs" && plan.given["queue"] !== undefined ? `jobs:${plan.given["queue"]}` : kind
    const cached = readCache(file)[key]
    if (cached !== undefined && Date.now() - cached.at >= 0 && Date.now() - cached.at < CACHE_TTL_MS) return cached.values
    const given = (name: string) => Option.fromUndefinedOr(nonEmpty(plan.given[name]))
    const asked = yield* lookup(kind === "instance-ids" ? "instances" : kind, plan).pipe(
      Effect.provideService(Region, given("region")),
      Effect.provideService(Profile, given("profile")),
      Effect.provideService(EndpointUrl, given("endpoint-url")),
      Effect.timeoutOption(LOOKUP_TIMEOUT_MS),
      Effect.catchCause(() => Effect.succeedNone)
    )
    if (Option.isSome(asked)) {
      writeCache(file, key, asked.value)
      return asked.value
    }
    return cached?.values ?? (kind === "regions" ? knownRegions.map((value) => ({ value })) : [])
  })

/** Profile names from ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE). */
const profiles = (): ReadonlyArray<Candidate> => {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8")
    } catch {
      return ""
    }
  }
  const home = env("HOME") ?? homedir()
  const names = [
    ...profilesIn(read(env("AWS_CONFIG_FILE") ?? join(home, ".aws", "config")), "config"),
    ...profilesIn(read(env("AWS_SHARED_CREDENTIALS_FILE") ?? join(home, ".aws", "credentials")), "credentials")
  ]
  return [...new Set(names)].map((value) => ({ value }))
}

/** The config keys: the top-level settings, then every command section's keys. */
const configKeys = (plan: Plan) =>
  configKeyCandidates(
    plan,
    Object.keys(globalKeys),
    Object.fromEntries(sectionNames().map((section) => [section, Object.keys(sectionKeys(section) ?? {})]))
  )

const valuesOf = (plan: Plan, config: Option.Option<AegeaConfig["Service"]>) => {
  const kind = plan.kind
  if (kind === undefined) return Effect.succeed<ReadonlyArray<Candidate>>([])
  const known = staticValues(kind, plan, { instanceStates: InstanceState.literals, jobStatuses })
  if (known !== undefined) return Effect.succeed(known)
  if (kind === "profiles") return Effect.sync(profiles)
  if (kind === "config-keys") return Effect.sync(() => configKeys(plan))
  if (!awsKinds.has(kind) || Option.isNone(config)) return Effect.succeed<ReadonlyArray<Candidate>>([])
  return awsValues(kind, plan, config.value)
}

/** Switches the config turns on: `ssh: {no_ssm: true}` lets Tab offer --no-no-ssm; top-level keys for global flags. */
const switchIsOn = (config: Option.Option<AegeaConfig["Service"]>): SwitchIsOn => (section, key) =>
  Option.isSome(config) &&
  (section === undefined ? Option.getOrUndefined(config.value.get(key)) : config.value.section(section)[key]) === true

/**
 * The hidden command. `root` is the whole CLI (src/cli.ts passes a function returning its own
 * root, which cannot be imported from here).
 */
export const completeCommand = (root: () => unknown) =>
  Command.make(
    "__complete",
    {
      shell: Argument.Literals("shell", shells),
      words: Argument.String("word").pipe(Argument.variadic())
    },
    Effect.fn("complete")(function*({ words }) {
      const tree = completionTree(root())
      const config = yield* Effect.serviceOption(AegeaConfig)
      const plan = planOf(tree, words, switchIsOn(config))
      const values = yield* valuesOf(plan, config)
      const output = yield* Output
      yield* output.text(render(plan, usable(plan.path, plan.kind, values)).replace(/\n$/, ""))
    })
  ).pipe(
    Command.withDescription("Complete a command line for a shell (the scripts of --completions call it)."),
    Command.unlisted,
    Command.provide(BaseLayer)
  )
