/**
 * Which CLI bundle the launcher loads for a command line, decided from argv alone (this runs before
 * any of the CLI is loaded). The EC2 family has its own, smaller root (src/cliEc2.ts), and so has
 * `logs` (src/cliLogs.ts) and the ssh family (src/cliSsh.ts); everything
 * else, and anything this cannot read with certainty, gets the whole CLI, which parses and reports
 * exactly as before.
 */

/** The subcommands of src/cliEc2.ts (test/unit/commandFamily.test.ts checks the list). */
export const EC2_FAMILY: ReadonlySet<string> = new Set([
  "ls",
  "images",
  "volumes",
  "snapshots",
  "security-groups",
  "subnets",
  "vpcs",
  "key-pairs",
  "regions",
  "azs",
  "start",
  "stop",
  "reboot",
  "terminate",
  "console"
])

/** The subcommands of src/cliLogs.ts (test/unit/commandFamily.test.ts checks the list). */
export const LOGS_FAMILY: ReadonlySet<string> = new Set(["logs"])

/** The subcommands of src/cliSsh.ts (test/unit/commandFamily.test.ts checks the list). */
export const SSH_FAMILY: ReadonlySet<string> = new Set(["ssh", "scp", "tunnel", "run", "ssm-proxy"])

/** Global flags that take a value (src/commands/global.ts), and those that do not (the test checks both). */
export const GLOBAL_WITH_VALUE: ReadonlySet<string> = new Set(["--profile", "--region", "--endpoint-url", "--output", "-o", "--columns", "-c", "--sort-by", "--query"])
export const GLOBAL_SWITCHES: ReadonlySet<string> = new Set(["--json", "--no-color", "--no-pager", "--debug"])

/** The subcommand named on the command line, after any global flags; undefined if unsure. */
export const subcommandOf = (args: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith("-")) return arg
    const eq = arg.indexOf("=")
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (GLOBAL_SWITCHES.has(name) && eq < 0) continue
    if (GLOBAL_WITH_VALUE.has(name)) {
      if (eq < 0) i++
      continue
    }
    return undefined
  }
  return undefined
}

/** "ec2" ("logs", "ssh") when the EC2-only (logs-only, ssh-family) CLI gives the same result as the whole one, else "all". */
export const commandFamily = (args: ReadonlyArray<string>): "ec2" | "logs" | "ssh" | "all" => {
  // Shell completions describe every command, so they need the whole tree.
  if (args.some((a) => a === "--completions" || a.startsWith("--completions="))) return "all"
  // `aegea __complete SHELL -- WORDS...` (what the completion scripts run on Tab) walks the whole tree.
  if (args[0] === "__complete") return "all"
  const command = subcommandOf(args)
  return command === undefined
    ? "all"
    : EC2_FAMILY.has(command)
    ? "ec2"
    : LOGS_FAMILY.has(command)
    ? "logs"
    : SSH_FAMILY.has(command)
    ? "ssh"
    : "all"
}

/**
 * The root the launcher loads: `commandFamily`'s, except for `ls`, which has a root of its own
 * (src/cliLs.ts: the EC2 root with `ls` only), since with the command named the other EC2 commands'
 * trees would be built for nothing. Anything `commandFamily` sends to the whole CLI stays there.
 */
export const cliRoot = (args: ReadonlyArray<string>): "ls" | "ec2" | "logs" | "ssh" | "all" => {
  const family = commandFamily(args)
  return family === "ec2" && subcommandOf(args) === "ls" ? "ls" : family
}
