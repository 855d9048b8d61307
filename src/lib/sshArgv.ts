/**
 * `aegea ssh` and `aegea scp` take their arguments as OpenSSH does, without `--`: aegea's own flags
 * (long ones: --no-ssm, --user, --region...) come before the target, OpenSSH's single-letter options
 * may come before it too, and everything after the target goes to OpenSSH untouched. This rewrites
 * such a command line, before effect/cli parses it, into the form it parses:
 *
 *   aegea ssh -v --no-ssm box -L 8080:localhost:80 -N
 *   aegea ssh --no-ssm box -- -v -L 8080:localhost:80 -N
 *
 * Long flags of aegea's right after the target are still aegea's (OpenSSH has no long options, so
 * they cannot be meant for it); `--` is still accepted. Pure functions.
 */
import { GLOBAL_SWITCHES, GLOBAL_WITH_VALUE } from "./commandFamily.ts"

/** ssh's options that take a value (OpenSSH's getopt string), and those that do not. */
export const SSH_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set("BbcDEeFIiJLlmOopQRSWw".split(""))
export const SSH_SWITCHES: ReadonlySet<string> = new Set("46AaCfGgKkMNnqsTtVvXxYy".split(""))
/** scp's options that take a value. */
export const SCP_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set("cDFiJloPSX".split(""))

/** The long flags of `aegea ssh`/`aegea scp` that take a value (test/unit/sshArgv.test.ts checks them against the commands). */
export const SSH_FLAGS_WITH_VALUE: ReadonlySet<string> = new Set([
  "--user",
  "--server-alive-interval",
  "--server-alive-count-max",
  "--log-level",
  "--completions",
  ...[...GLOBAL_WITH_VALUE].filter((f) => f.startsWith("--"))
])
/** Their switches, and the built-in ones. */
export const SSH_FLAG_SWITCHES: ReadonlySet<string> = new Set([
  "--no-ssm",
  "--ssm-plugin",
  "--private",
  "--no-ec2-instance-connect",
  "--help",
  "--version",
  "--wizard",
  ...GLOBAL_SWITCHES
])

const flagName = (arg: string) => (arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg)
const isAegeaFlag = (arg: string) => SSH_FLAGS_WITH_VALUE.has(flagName(arg)) || SSH_FLAG_SWITCHES.has(flagName(arg))
const takesValue = (arg: string) => !arg.includes("=") && SSH_FLAGS_WITH_VALUE.has(arg)

/** Index of the subcommand (after global flags), or undefined when the first word is not one. */
const subcommandIndex = (argv: ReadonlyArray<string>): number | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith("-")) return i
    const name = flagName(arg)
    if (GLOBAL_SWITCHES.has(name) && !arg.includes("=")) continue
    if (GLOBAL_WITH_VALUE.has(name)) {
      if (!arg.includes("=")) i++
      continue
    }
    return undefined
  }
  return undefined
}

/** An OpenSSH option word ("-v", "-L", "-vL", "-oX=y"): does it take the next word as its value? */
const consumesNext = (arg: string, withValue: ReadonlySet<string>): boolean => {
  for (let j = 1; j < arg.length; j++) if (withValue.has(arg[j]!)) return j === arg.length - 1
  return false
}

export interface SplitSsh {
  /** aegea's own flags (with their values), in order. */
  readonly aegea: ReadonlyArray<string>
  /** The [user@]host word; undefined when there is none. */
  readonly target: string | undefined
  /** OpenSSH's options given before the target, then everything after it (without a leading `--`). */
  readonly openSsh: ReadonlyArray<string>
}

/** Split what follows `ssh` (or all of aegea-ssh's arguments) into aegea's flags, the target and OpenSSH's words. */
export const splitSshCommandLine = (args: ReadonlyArray<string>): SplitSsh => {
  const aegea: Array<string> = []
  const before: Array<string> = []
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") return { aegea, target: args[i + 1], openSsh: [...before, ...args.slice(i + 2)] }
    if (arg === "-h" || arg.startsWith("--")) {
      aegea.push(arg)
      if (takesValue(arg) && i + 1 < args.length) aegea.push(args[++i]!)
      continue
    }
    if (arg.startsWith("-") && arg.length > 1) {
      before.push(arg)
      if (consumesNext(arg, SSH_OPTIONS_WITH_VALUE) && i + 1 < args.length) before.push(args[++i]!)
      continue
    }
    break
  }
  const target = args[i]
  if (target === undefined) return { aegea, target, openSsh: before }
  i++
  // aegea's long flags right after the target (OpenSSH has no long options)
  while (i < args.length && args[i] !== "--" && isAegeaFlag(args[i]!)) {
    const arg = args[i++]!
    aegea.push(arg)
    if (takesValue(arg) && i < args.length) aegea.push(args[i++]!)
  }
  if (args[i] === "--") i++
  return { aegea, target, openSsh: [...before, ...args.slice(i)] }
}

/** Split what follows `scp`: aegea's flags first (or anywhere: scp has no long options), then scp's words. */
export const splitScpCommandLine = (args: ReadonlyArray<string>): { readonly aegea: ReadonlyArray<string>; readonly scp: ReadonlyArray<string> } => {
  const aegea: Array<string> = []
  const scp: Array<string> = []
  let leading = true
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      scp.push(...args.slice(i + 1))
      break
    }
    if ((leading && (arg === "-h" || arg.startsWith("--"))) || isAegeaFlag(arg)) {
      aegea.push(arg)
      if (takesValue(arg) && i + 1 < args.length) aegea.push(args[++i]!)
      continue
    }
    leading = false
    scp.push(arg)
    if (arg.startsWith("-") && consumesNext(arg, SCP_OPTIONS_WITH_VALUE) && i + 1 < args.length) scp.push(args[++i]!)
  }
  return { aegea, scp }
}

/**
 * aegea's argv with `aegea ssh ...` and `aegea scp ...` put in the form effect/cli parses: aegea's
 * flags, the target, `--`, then OpenSSH's words. Any other command line is returned as it is.
 */
export const openSshArgv = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const at = subcommandIndex(argv)
  if (at === undefined) return argv
  const command = argv[at]
  const head = argv.slice(0, at + 1)
  const rest = argv.slice(at + 1)
  if (command === "ssh") {
    const { aegea, target, openSsh } = splitSshCommandLine(rest)
    // no target: as it was (effect/cli then reports the missing argument, or prints the help)
    if (target === undefined) return argv
    return [...head, ...aegea, target, ...(openSsh.length > 0 ? ["--", ...openSsh] : [])]
  }
  if (command === "scp") {
    const { aegea, scp } = splitScpCommandLine(rest)
    return [...head, ...aegea, ...(scp.length > 0 ? ["--", ...scp] : [])]
  }
  return argv
}

/** The login name an `-l USER` (or `-lUSER`) among ssh's options gives, if any (the last one wins). */
export const loginNameOption = (options: ReadonlyArray<string>): string | undefined => {
  let user: string | undefined
  for (let i = 0; i < options.length; i++) {
    const arg = options[i]!
    if (arg === "--" || !arg.startsWith("-")) break
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!
      if (!SSH_OPTIONS_WITH_VALUE.has(letter)) continue
      const value = j < arg.length - 1 ? arg.slice(j + 1) : options[++i]
      if (letter === "l" && value !== undefined) user = value
      break
    }
  }
  return user
}
