/**
 * Shell completion, the pure parts. The scripts `aegea --completions bash|zsh|fish` prints are small
 * and know nothing of aegea's commands: on every Tab they run `aegea __complete SHELL -- WORDS...`
 * (the words after `aegea` up to the cursor, the last one the word being completed), which prints one
 * candidate per line (`value`, or `value<TAB>description`) and a last line `:N`, N a sum of the
 * directives below. src/commands/complete.ts runs it: it plans from the command tree (effect/cli's
 * completion descriptor: subcommands, flags with their aliases, types and choices, arguments),
 * fetches what the plan names (instances, log groups... cached, with a timeout) and renders here.
 */
import type { CommandDescriptor, FlagDescriptor } from "effect/cli/Completions"

export type Shell = "bash" | "zsh" | "fish"
export const shells: ReadonlyArray<Shell> = ["bash", "zsh", "fish"]

/** Directives, the last line of the answer (`:3`): a sum of these. */
export const NO_SPACE = 1
export const FILES = 2
export const DIRECTORIES = 4

export interface Candidate {
  readonly value: string
  readonly description?: string | undefined
  /** For filtering instances by the command (a state such as "running"); never printed. */
  readonly state?: string | undefined
}

/** Values that need a look-up: in AWS, in ~/.aws, or in lists aegea knows. */
export type ValueKind =
  | "instances"
  | "instance-ids"
  | "log-groups"
  | "queues"
  | "compute-environments"
  | "jobs"
  | "clusters"
  | "secrets"
  | "regions"
  | "profiles"
  | "instance-states"
  | "job-statuses"
  | "columns"
  | "config-keys"

/** The kinds that come from AWS (cached per profile and region). */
export const awsKinds: ReadonlySet<ValueKind> = new Set([
  "instances",
  "instance-ids",
  "log-groups",
  "queues",
  "compute-environments",
  "jobs",
  "clusters",
  "secrets",
  "regions"
])

/** The tree the completer walks: the CLI's descriptor, the global flags, the built-in ones. */
export interface CompletionTree {
  readonly root: CommandDescriptor
  /** Accepted before or after any subcommand (src/commands/global.ts and --help). */
  readonly globalFlags: ReadonlyArray<FlagDescriptor>
  /** Only before the first subcommand (--version, --completions). */
  readonly rootFlags: ReadonlyArray<FlagDescriptor>
  /** Full descriptions by command path ("batch ls"); the descriptor keeps the short ones. */
  readonly descriptions?: Readonly<Record<string, string>>
}

/**
 * What to complete, decided from the words alone. `values` are matched against `partial`; each
 * printed candidate is `prefix + value + suffix`, so that the shell replaces the whole word.
 */
export interface Plan {
  /** The subcommand path, e.g. ["batch", "submit"]. */
  readonly path: ReadonlyArray<string>
  /** The whole word being completed. */
  readonly current: string
  /** Complete candidates (subcommands, flags, choices), already filtered by the current word. */
  readonly fixed: ReadonlyArray<Candidate>
  /** Values to look up, then match against `partial`. */
  readonly kind?: ValueKind | undefined
  readonly prefix: string
  readonly partial: string
  readonly suffix: string
  /** A comma-separated list: values already in it are not offered again. */
  readonly listed: ReadonlyArray<string>
  readonly directive: number
  /** Flags given on the line, by long name without dashes ("region", "queue", "cluster"...). */
  readonly given: Readonly<Record<string, string>>
  /** Column keys of the command (for --columns and --sort-by). */
  readonly columns: ReadonlyArray<string>
}

/** Whether the config turns a switch on: (config section or undefined for the top level, config key). */
export type SwitchIsOn = (section: string | undefined, key: string) => boolean

/** `--instance-type` -> `instance_type`; ["batch", "submit"] -> `batch_submit`. */
const configKey = (name: string) => name.replace(/-/g, "_")
export const sectionOf = (path: ReadonlyArray<string>) => path.join("_").replace(/-/g, "_")

const takesValue = (flag: FlagDescriptor) => flag.type._tag !== "Boolean" && flag.optionalValue !== true
const negationOf = (flag: FlagDescriptor) =>
  flag.type._tag !== "Boolean" || flag.negation === false ? undefined : (flag.negation ?? `no-${flag.name}`)

/** Flags that take comma-separated lists of values. */
const listFlags: ReadonlySet<string> = new Set(["columns", "state", "status"])

/** The value kind of a flag: "path:flag" first (path joined with spaces), then the flag alone. */
const flagKinds: Readonly<Record<string, ValueKind>> = {
  profile: "profiles",
  region: "regions",
  columns: "columns",
  "sort-by": "columns",
  queue: "queues",
  cluster: "clusters",
  "ls:state": "instance-states",
  "batch ls:status": "job-statuses",
  "batch create-queue:compute-environments": "compute-environments"
}
/** Flags whose value is a file or a directory. */
const flagPaths: Readonly<Record<string, number>> = {
  "secrets put:from-file": FILES,
  "logs export:output-dir": DIRECTORIES,
  "ssm-proxy:ticket-directory": DIRECTORIES
}
/** The value kind of a positional argument: "path:argument". */
const argumentKinds: Readonly<Record<string, ValueKind>> = {
  "ls:name-or-id": "instances",
  "start:name-or-id": "instances",
  "stop:name-or-id": "instances",
  "reboot:name-or-id": "instances",
  "terminate:name-or-id": "instances",
  "console:name-or-id": "instances",
  "ssh:user@name": "instances",
  "scp:scp-args": "instances",
  "tunnel:name": "instances",
  "run:name": "instances",
  "ssm-proxy:instance-id": "instance-ids",
  "batch watch:job-id": "jobs",
  "batch describe:job-id": "jobs",
  "batch logs:job-id": "jobs",
  "batch terminate:job-id": "jobs",
  "batch cancel:job-id": "jobs",
  "batch delete-queue:name": "queues",
  "batch update-compute-environment:name": "compute-environments",
  "batch delete-compute-environment:name": "compute-environments",
  "logs:group": "log-groups",
  "logs export:group": "log-groups",
  "grep:pattern-and-groups": "log-groups",
  "secrets get:name": "secrets",
  "secrets put:name": "secrets",
  "secrets delete:name": "secrets",
  "secrets grant:name": "secrets",
  "config get:key": "config-keys",
  "config set:key": "config-keys",
  "config unset:key": "config-keys"
}

/** Which instances each command offers (by state); others offer every instance. */
const instanceStates: Readonly<Record<string, ReadonlyArray<string>>> = {
  start: ["stopped", "stopping"],
  stop: ["running", "pending"],
  reboot: ["running"],
  terminate: ["pending", "running", "stopping", "stopped"],
  console: ["pending", "running", "stopping", "stopped", "shutting-down"],
  ssh: ["running", "pending"],
  scp: ["running", "pending"],
  tunnel: ["running", "pending"],
  run: ["running", "pending"]
}

/** Drop instances a command cannot use (`start` offers stopped ones); other values pass. */
export const usable = (path: ReadonlyArray<string>, kind: ValueKind | undefined, values: ReadonlyArray<Candidate>) => {
  const states = kind === "instances" || kind === "instance-ids" ? instanceStates[path.join(" ")] : undefined
  return states === undefined ? values : values.filter((value) => value.state === undefined || states.includes(value.state))
}

const findSubcommand = (node: CommandDescriptor, word: string) => node.subcommands.find((sub) => sub.name === word)

const flagsAt = (tree: CompletionTree, node: CommandDescriptor, path: ReadonlyArray<string>): ReadonlyArray<FlagDescriptor> => [
  ...node.flags,
  ...tree.globalFlags,
  ...(path.length === 0 ? tree.rootFlags : [])
]

/** The flag a word names (`--output`, `--output=json`, `-o`, `--no-json`), with whether it was negated. */
const lookupFlag = (flags: ReadonlyArray<FlagDescriptor>, word: string): { flag: FlagDescriptor; negated: boolean } | undefined => {
  const name = word.startsWith("--") ? word.slice(2).split("=")[0]! : word.slice(1, 2)
  for (const flag of flags) {
    if (flag.name === name || flag.aliases.includes(name)) return { flag, negated: false }
  }
  for (const flag of flags) if (negationOf(flag) === name) return { flag, negated: true }
  return undefined
}

/**
 * Column keys from a listing command's description, as `listingDescription` (src/lib/table.ts)
 * writes it: "Columns: name, id, AZ (availabilityZone), ...; also: tags, imageId." The key is the
 * last parenthesised word, or the word itself. `logs` names three tables ("Log groups: ...").
 */
export const columnKeys = (description: string | undefined): ReadonlyArray<string> => {
  if (description === undefined) return []
  const keys = new Set<string>()
  for (const line of description.split("\n")) {
    const match = /^\s*(?:Columns|Log groups|Streams|Events): (.*)$/.exec(line)
    if (match === null) continue
    // The list ends at the first ". " (or final ".") outside parentheses.
    const text = match[1]!
    let depth = 0
    let item = ""
    const items: Array<string> = []
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!
      if (ch === "(") depth++
      if (ch === ")") depth = Math.max(0, depth - 1)
      if (depth === 0 && ch === "." && (i === text.length - 1 || text[i + 1] === " ")) break
      if (depth === 0 && (ch === "," || ch === ";")) {
        items.push(item)
        item = ""
        continue
      }
      item += ch
    }
    items.push(item)
    for (const raw of items) {
      const entry = raw.trim().replace(/^also:\s*/, "")
      const key = /\(([A-Za-z][\w.]*)\)$/.exec(entry)?.[1] ?? /^([A-Za-z][\w.]*)(?:\s*\(.*\))?$/.exec(entry)?.[1]
      if (key !== undefined) keys.add(key)
    }
  }
  return [...keys]
}

const emptyPlan = (path: ReadonlyArray<string>, current: string, given: Readonly<Record<string, string>>): Plan => ({
  path,
  current,
  fixed: [],
  prefix: "",
  partial: current,
  suffix: "",
  listed: [],
  directive: 0,
  given,
  columns: []
})

const startsWith = (prefix: string) => (candidate: Candidate) => candidate.value.startsWith(prefix)

/** The value of a flag: its choices, or the kind of value it names; `prefix` is `--flag=` when given so. */
const valuePlan = (
  base: Plan,
  flag: FlagDescriptor,
  prefix: string,
  text: string
): Plan => {
  const pathKey = base.path.join(" ")
  if (flag.type._tag === "Choice") {
    return { ...base, prefix, partial: text, fixed: flag.type.values.map((value) => ({ value: prefix + value })).filter(startsWith(prefix + text)) }
  }
  if (flag.type._tag === "Path") {
    return { ...base, prefix, partial: text, directive: flag.type.pathType === "directory" ? DIRECTORIES : FILES }
  }
  const pathFiles = flagPaths[`${pathKey}:${flag.name}`]
  if (pathFiles !== undefined) return { ...base, prefix, partial: text, directive: pathFiles }
  const kind = flagKinds[`${pathKey}:${flag.name}`] ?? (Object.hasOwn(flagKinds, flag.name) ? flagKinds[flag.name] : undefined)
  if (kind === undefined) return { ...base, prefix, partial: text }
  if (listFlags.has(flag.name)) {
    const comma = text.lastIndexOf(",")
    const listed = comma < 0 ? [] : text.slice(0, comma).split(",").map((s) => s.trim())
    return { ...base, kind, prefix: prefix + text.slice(0, comma + 1), partial: text.slice(comma + 1), listed }
  }
  if (flag.name === "sort-by" && text.includes(":")) {
    const key = text.slice(0, text.lastIndexOf(":"))
    return {
      ...base,
      prefix,
      partial: text,
      fixed: [`${key}:asc`, `${key}:desc`].map((value) => ({ value: prefix + value })).filter(startsWith(prefix + text))
    }
  }
  return { ...base, kind, prefix, partial: text }
}

/**
 * What to complete for `words` (the words after the program name, the last one being completed):
 * subcommands, flags, a flag's value or a positional argument. `switchIsOn` decides whether a switch's
 * negation (`--no-wait`) is offered: only when the config turns the switch on.
 */
export const plan = (tree: CompletionTree, words: ReadonlyArray<string>, switchIsOn: SwitchIsOn = () => false): Plan => {
  const current = words.length === 0 ? "" : words[words.length - 1]!
  const before = words.slice(0, -1)
  let node = tree.root
  const path: Array<string> = []
  const positionals: Array<string> = []
  const given: Record<string, string> = {}
  let pending: FlagDescriptor | undefined
  let endOfFlags = false
  for (const word of before) {
    if (pending !== undefined) {
      given[pending.name] = word
      pending = undefined
      continue
    }
    if (endOfFlags || word === "-" || !word.startsWith("-")) {
      const sub = !endOfFlags && positionals.length === 0 ? findSubcommand(node, word) : undefined
      if (sub !== undefined) {
        node = sub
        path.push(sub.name)
      } else positionals.push(word)
      continue
    }
    if (word === "--") {
      endOfFlags = true
      continue
    }
    const found = lookupFlag(flagsAt(tree, node, path), word)
    if (found === undefined) continue
    const eq = word.indexOf("=")
    if (eq > 0 && word.startsWith("--")) given[found.flag.name] = word.slice(eq + 1)
    else if (!found.negated && takesValue(found.flag) && (word.startsWith("--") || word.length === 2)) pending = found.flag
    else if (!found.negated && takesValue(found.flag)) given[found.flag.name] = word.slice(2) // -ojson
  }
  const base: Plan = { ...emptyPlan(path, current, given), columns: columnKeys(tree.descriptions?.[path.join(" ")] ?? node.description) }
  const flags = flagsAt(tree, node, path)

  if (pending !== undefined) return valuePlan(base, pending, "", current)

  if (!endOfFlags && current.startsWith("--") && current.includes("=")) {
    const found = lookupFlag(flags, current)
    if (found === undefined || found.negated || !takesValue(found.flag)) return base
    const eq = current.indexOf("=")
    return valuePlan(base, found.flag, current.slice(0, eq + 1), current.slice(eq + 1))
  }

  if (!endOfFlags && current.startsWith("-")) return { ...base, fixed: flagCandidates(tree, node, path, switchIsOn).filter(startsWith(current)) }

  // A positional word: subcommands (before any positional), then the argument's values.
  const subcommands: Array<Candidate> = endOfFlags || positionals.length > 0
    ? []
    : node.subcommands.map((sub) => ({ value: sub.name, description: firstLine(sub.description) }))
  const args = node.arguments
  const index = Math.min(positionals.length, args.length - 1)
  const argument = index >= 0 && (positionals.length < args.length || args[args.length - 1]!.variadic) ? args[index] : undefined
  const pathKey = path.join(" ")
  let withValue: Plan = { ...base, fixed: subcommands.filter(startsWith(current)) }
  if (argument !== undefined) {
    // grep PATTERN GROUP...: the first word is the pattern.
    const skip = pathKey === "grep" && positionals.length === 0
    const kind = skip ? undefined : argumentKinds[`${pathKey}:${argument.name}`]
    if (argument.type._tag === "Choice") {
      withValue = { ...withValue, fixed: [...withValue.fixed, ...argument.type.values.map((value) => ({ value })).filter(startsWith(current))] }
    } else if (argument.type._tag === "Path") {
      withValue = { ...withValue, directive: argument.type.pathType === "directory" ? DIRECTORIES : FILES }
    } else if (kind !== undefined) {
      withValue = { ...withValue, kind }
      if (pathKey === "ssh" && current.includes("@")) {
        const at = current.indexOf("@")
        withValue = { ...withValue, prefix: current.slice(0, at + 1), partial: current.slice(at + 1) }
      }
      if (pathKey === "scp") {
        // host:path names a remote file (nothing to offer); otherwise an instance "name:" or a local file.
        withValue = current.includes(":") || current.includes("/")
          ? { ...withValue, kind: undefined, directive: FILES }
          : { ...withValue, suffix: ":", directive: NO_SPACE | FILES }
      }
      if (kind === "config-keys") {
        const dot = current.indexOf(".")
        withValue = dot < 0 ? { ...withValue } : { ...withValue, prefix: current.slice(0, dot + 1), partial: current.slice(dot + 1) }
      }
    }
  }
  // Nothing else to offer at a command without arguments: its flags.
  if (argument === undefined && withValue.fixed.length === 0 && current === "" && node.subcommands.length === 0) {
    return { ...withValue, fixed: flagCandidates(tree, node, path, switchIsOn) }
  }
  return withValue
}

/** A description for a shell's menu: the first sentence of the first line, at most 80 characters. */
const firstLine = (text: string | undefined) => {
  const line = text?.split("\n")[0]?.trim()
  if (line === undefined || line === "") return undefined
  const sentence = /^.*?[.!?](?=\s|$)/.exec(line)?.[0] ?? line
  return sentence.length <= 80 ? sentence : `${sentence.slice(0, 79).trimEnd()}…`
}

/** Every flag of a command: its own, then the global ones; negations only when the config turns the switch on. */
const flagCandidates = (
  tree: CompletionTree,
  node: CommandDescriptor,
  path: ReadonlyArray<string>,
  switchIsOn: SwitchIsOn
): Array<Candidate> => {
  const out: Array<Candidate> = []
  const seen = new Set<string>()
  const add = (flag: FlagDescriptor, section: string | undefined) => {
    if (seen.has(flag.name)) return
    seen.add(flag.name)
    out.push({ value: `--${flag.name}`, description: firstLine(flag.description) })
    const negation = negationOf(flag)
    if (negation !== undefined && switchIsOn(section, configKey(flag.name))) {
      out.push({ value: `--${negation}`, description: `Turn off --${flag.name} (on in your config)` })
    }
  }
  for (const flag of node.flags) add(flag, path.length === 0 ? undefined : sectionOf(path))
  for (const flag of tree.globalFlags) add(flag, undefined)
  if (path.length === 0) for (const flag of tree.rootFlags) add(flag, undefined)
  return out
}

/** Values known without a look-up. */
export const staticValues = (
  kind: ValueKind,
  plan: Plan,
  lists: { readonly instanceStates: ReadonlyArray<string>; readonly jobStatuses: ReadonlyArray<string> }
): ReadonlyArray<Candidate> | undefined => {
  switch (kind) {
    case "instance-states":
      return lists.instanceStates.map((value) => ({ value }))
    case "job-statuses":
      return lists.jobStatuses.map((value) => ({ value }))
    case "columns":
      return plan.columns.map((value) => ({ value }))
    default:
      return undefined
  }
}

/**
 * The config keys for `config get|set|unset KEY`: top-level settings and `section.` first, then a
 * section's keys once a dot is typed.
 */
export const configKeyCandidates = (
  plan: Plan,
  globals: ReadonlyArray<string>,
  sections: Readonly<Record<string, ReadonlyArray<string>>>
): ReadonlyArray<Candidate> => {
  if (plan.prefix === "") {
    return [...globals.map((value) => ({ value })), ...Object.keys(sections).map((value) => ({ value: `${value}.` }))]
  }
  return (sections[plan.prefix.slice(0, -1)] ?? []).map((value) => ({ value }))
}

/** The answer: candidates (`value<TAB>description`), then `:directive`. */
export const render = (plan: Plan, values: ReadonlyArray<Candidate> = []): string => {
  const lines: Array<string> = []
  const seen = new Set<string>()
  const emit = (candidate: Candidate) => {
    if (seen.has(candidate.value) || candidate.value === "") return
    seen.add(candidate.value)
    const description = candidate.description?.replace(/[\t\n]+/g, " ").trim()
    lines.push(description ? `${candidate.value}\t${description}` : candidate.value)
  }
  for (const candidate of plan.fixed) emit(candidate)
  const listed = new Set(plan.listed)
  let directive = plan.directive
  for (const candidate of values) {
    if (!candidate.value.startsWith(plan.partial) || listed.has(candidate.value)) continue
    // config-keys: "section." continues the word.
    if (candidate.value.endsWith(".") && plan.kind === "config-keys") directive |= NO_SPACE
    emit({ value: plan.prefix + candidate.value + plan.suffix, description: candidate.description })
  }
  lines.push(`:${directive}`)
  return lines.join("\n") + "\n"
}

/** Profile names in ~/.aws/config (`[default]`, `[profile NAME]`) or ~/.aws/credentials (`[NAME]`). */
export const profilesIn = (text: string, file: "config" | "credentials"): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line)
    if (match === null) continue
    const section = match[1]!
    if (file === "credentials") out.push(section)
    else if (section === "default") out.push(section)
    else if (/^profile\s+/.test(section)) out.push(section.replace(/^profile\s+/, ""))
  }
  return out
}

/** Commercial regions, offered when EC2 cannot be asked (no credentials, offline). */
export const knownRegions: ReadonlyArray<string> = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-northeast-1", "ap-northeast-2",
  "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "sa-east-1"
]

/** A cache file: entries by kind (and scope), each with the time it was read. */
export type CompletionCache = Readonly<Record<string, { readonly at: number; readonly values: ReadonlyArray<Candidate> }>>

/** How long cached values are used without asking AWS again. */
export const CACHE_TTL_MS = 60_000
/** How long Tab waits for AWS before answering with what is cached (or nothing). */
export const LOOKUP_TIMEOUT_MS = 2_000

/** The cache file's name for a profile and region: completion-default-us-east-1.json. */
export const cacheFileName = (profile: string, region: string) =>
  `completion-${profile.replace(/[^\w.-]+/g, "_")}-${region.replace(/[^\w.-]+/g, "_")}.json`

/** Parse a cache file; anything unreadable is an empty cache. */
export const parseCache = (text: string): CompletionCache => {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== "object" || value === null || Array.isArray(value)) return {}
    const out: Record<string, { at: number; values: ReadonlyArray<Candidate> }> = {}
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      const { at, values } = (entry ?? {}) as { at?: unknown; values?: unknown }
      if (typeof at !== "number" || !Array.isArray(values)) continue
      out[key] = {
        at,
        values: values.filter((v): v is Candidate => typeof v === "object" && v !== null && typeof (v as Candidate).value === "string")
      }
    }
    return out
  } catch {
    return {}
  }
}

/**
 * The script `aegea --completions SHELL` prints. Each hands the words to `aegea __complete` and
 * shows what it answers; the answer's directive asks for no trailing space or for file names.
 */
export const completionScript = (shell: Shell, program = "aegea"): string => {
  const fn = `_${program.replace(/[^\w]/g, "_")}`
  switch (shell) {
    case "bash":
      return `# bash completion for ${program}. Install: echo 'source <(${program} --completions bash)' >> ~/.bashrc
# (or: ${program} --completions bash > ~/.local/share/bash-completion/completions/${program})
${fn}() {
  local -a words cands
  local line cur out directive=0 rest strip c
  if [[ -n \${COMP_LINE-} ]]; then
    line=\${COMP_LINE:0:\${COMP_POINT:-\${#COMP_LINE}}}
    read -r -a words <<< "$line"
    [[ $line =~ [[:space:]]$ ]] && words+=("")
  else
    words=("\${COMP_WORDS[@]:0:COMP_CWORD+1}")
  fi
  (( \${#words[@]} < 2 )) && words+=("")
  cur=\${words[\${#words[@]}-1]}
  out=$(command "\${words[0]}" __complete bash -- "\${words[@]:1}" 2>/dev/null) || return 0
  while IFS= read -r line; do
    if [[ $line == :* ]]; then directive=\${line:1}; continue; fi
    [[ -n $line ]] && cands+=("\${line%%$'\\t'*}")
  done <<< "$out"
  # readline replaces only what follows the last COMP_WORDBREAKS character (= :) of the word;
  # after @ and $ (bash's special prefixes) the character itself too.
  local wb=\${COMP_WORDBREAKS-$' \\t\\n"\\'@><=;|&(:'}
  rest=\${cur##*[$wb]}
  strip=$(( \${#cur} - \${#rest} ))
  if (( strip > 0 )); then case \${cur:strip-1:1} in [@$]) strip=$(( strip - 1 )) ;; esac; fi
  COMPREPLY=()
  for c in "\${cands[@]}"; do COMPREPLY+=("\${c:strip}"); done
  (( directive & 1 )) && compopt -o nospace 2>/dev/null
  if (( directive & 4 )); then
    compopt -o filenames 2>/dev/null; local IFS=$'\\n'; COMPREPLY+=($(compgen -d -- "$rest"))
  elif (( directive & 2 )); then
    compopt -o filenames 2>/dev/null; local IFS=$'\\n'; COMPREPLY+=($(compgen -f -- "$rest"))
  fi
  return 0
}
complete -F ${fn} ${program}
`
    case "zsh":
      return `#compdef ${program}
# zsh completion for ${program}. Install: ${program} --completions zsh > "\${fpath[1]}/_${program}" (then start a new shell),
# or add to ~/.zshrc: source <(${program} --completions zsh)
${fn}() {
  local -a args vals descs opts
  local out line value directive=0
  args=("\${(@Q)words[2,CURRENT]}")
  out=$(\${words[1]} __complete zsh -- "\${args[@]}" 2>/dev/null) || return 1
  for line in "\${(@f)out}"; do
    if [[ $line == :* ]]; then directive=\${line#:}; continue; fi
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    vals+=("$value")
    if [[ $line == *$'\\t'* ]]; then descs+=("$value  -- \${line#*$'\\t'}"); else descs+=("$value"); fi
  done
  (( directive & 1 )) && opts+=(-S '')
  (( \${#vals} )) && compadd "\${opts[@]}" -l -d descs -a vals
  (( directive & 4 )) && _files -/
  (( directive & 2 )) && _files
  return 0
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`
    case "fish":
      return `# fish completion for ${program}. Install: ${program} --completions fish > ~/.config/fish/completions/${program}.fish
function __${program}_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l prog $tokens[1]
    set -e tokens[1]
    set -l directive 0
    for line in (command $prog __complete fish -- $tokens $current 2>/dev/null)
        if string match -q -- ':*' $line
            set directive (string sub -s 2 -- $line)
        else if test -n "$line"
            echo $line
        end
    end
    if test (math "floor($directive / 2)") -ne 0
        __fish_complete_path $current
    end
end
complete -c ${program} -f -a '(__${program}_complete)'
`
  }
}
