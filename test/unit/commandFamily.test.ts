// The launcher picks the EC2-only root (src/cliEc2.ts) from argv alone: its list of names must be the
// root's subcommands, and anything it cannot read with certainty must go to the whole CLI.
import { describe, expect, it } from "vitest"
import { cli as ec2Cli } from "../../src/cliEc2.ts"
import { cli as logsCli } from "../../src/cliLogs.ts"
import { cli as sshCli } from "../../src/cliSsh.ts"
import { cli as wholeCli } from "../../src/cli.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { cli as lsCli } from "../../src/cliLs.ts"
import { cliRoot, commandFamily, EC2_FAMILY, GLOBAL_SWITCHES, GLOBAL_WITH_VALUE, LOGS_FAMILY, SSH_FAMILY, subcommandOf } from "../../src/lib/commandFamily.ts"

const namesOf = (command: typeof wholeCli | typeof ec2Cli | typeof logsCli | typeof sshCli) => command.subcommands.flatMap((group) => group.commands.map((c) => c.name))

describe("commandFamily", () => {
  it("lists exactly the subcommands of the EC2 root, all of which the whole CLI has too", () => {
    expect([...EC2_FAMILY].sort()).toEqual(namesOf(ec2Cli).sort())
    const whole = namesOf(wholeCli)
    for (const name of EC2_FAMILY) expect(whole).toContain(name)
    expect(whole.length).toBeGreaterThan(EC2_FAMILY.size)
  })

  it("lists exactly the subcommands of the logs root, which the whole CLI has too, and none of the EC2 family", () => {
    expect([...LOGS_FAMILY].sort()).toEqual(namesOf(logsCli).sort())
    const whole = namesOf(wholeCli)
    for (const name of LOGS_FAMILY) {
      expect(whole).toContain(name)
      expect(EC2_FAMILY.has(name)).toBe(false)
    }
  })

  it("lists exactly the subcommands of the ssh-family root, which the whole CLI has too, and none of the other families", () => {
    expect([...SSH_FAMILY].sort()).toEqual(namesOf(sshCli).sort())
    const whole = namesOf(wholeCli)
    for (const name of SSH_FAMILY) {
      expect(whole).toContain(name)
      expect(EC2_FAMILY.has(name) || LOGS_FAMILY.has(name)).toBe(false)
    }
  })

  it("knows every global flag of src/commands/global.ts, and whether it takes a value", () => {
    // The flag's parameter, read from effect/cli's structure (a Single param inside Optional/WithDefault).
    const single = (node: unknown): { name: string; aliases: Array<string>; primitiveType: { _tag: string } } | undefined => {
      if (node === null || typeof node !== "object") return undefined
      const n = node as Record<string, unknown>
      if (n._tag === "Single") return n as never
      for (const v of Object.values(n)) {
        const found = single(v)
        if (found) return found
      }
      return undefined
    }
    const withValue = new Set<string>()
    const switches = new Set<string>()
    for (const g of globalFlags) {
      const p = single((g as unknown as { flag: unknown }).flag)!
      const names = [`--${p.name}`, ...p.aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))]
      for (const n of names) (p.primitiveType._tag === "Boolean" ? switches : withValue).add(n)
    }
    expect([...withValue].sort()).toEqual([...GLOBAL_WITH_VALUE].sort())
    expect([...switches].sort()).toEqual([...GLOBAL_SWITCHES].sort())
  })

  it.each([
    [["ls"], "ec2"],
    [["ls", "--state", "running", "web"], "ec2"],
    [["--region", "eu-west-1", "ls"], "ec2"],
    [["--region=eu-west-1", "-o", "json", "--debug", "security-groups"], "ec2"],
    [["--json", "--no-color", "--columns", "id,name", "--sort-by", "name:desc", "--profile", "p", "--endpoint-url", "http://x", "terminate", "i-1"], "ec2"],
    [["logs"], "logs"],
    [["--region", "eu-west-1", "logs", "/aws/batch/job", "--start-time", "2h"], "logs"],
    [["logs", "export", "--help"], "logs"],
    [["logs", "--completions", "bash"], "all"],
    [["ssh", "box", "--", "true"], "ssh"],
    [["--region", "eu-west-1", "ssh", "-v", "ubuntu@box", "uname"], "ssh"],
    [["scp", "box:/a", "."], "ssh"],
    [["ssm-proxy", "i-0abc", "22", "--region", "us-east-1"], "ssh"],
    [["ssh", "--completions", "bash"], "all"],
    [["flow-logs", "get"], "all"],
    [["stop", "--completions", "bash"], "all"],
    [["--completions=zsh"], "all"],
    [["batch", "submit"], "all"],
    [["config", "show"], "all"],
    [[], "all"],
    [["--help"], "all"],
    [["--region"], "all"],
    [["--unknown", "ls"], "all"],
    [["--json=true", "ls"], "all"],
    [["lss"], "all"],
    // `aegea help ls` renders ls's help from the whole CLI, which has the help command
    [["help", "ls"], "all"],
    [["--region", "eu-west-1", "help"], "all"]
  ] as const)("%j -> %s", (args, family) => {
    expect(commandFamily(args)).toBe(family)
  })

  it("the ls root (src/cliLs.ts) is the EC2 root with its ls command only: same name, description and global flags", () => {
    expect(namesOf(lsCli)).toEqual(["ls"])
    const ec2Ls = ec2Cli.subcommands.flatMap((group) => group.commands).find((c) => c.name === "ls")
    expect(lsCli.subcommands[0]!.commands[0]).toBe(ec2Ls)
    expect(lsCli.name).toBe(ec2Cli.name)
    expect(lsCli.description).toEqual(ec2Cli.description)
  })

  it.each([
    [["ls"], "ls"],
    [["--region", "eu-west-1", "-o", "json", "ls", "--state", "running"], "ls"],
    [["ls", "--completions", "bash"], "all"],
    [["--json=true", "ls"], "all"],
    [["images"], "ec2"],
    [["logs", "ls"], "logs"],
    [["ssh", "ls"], "ssh"],
    [["help", "ls"], "all"],
    [[], "all"]
  ] as const)("cliRoot %j -> %s", (args, root) => {
    expect(cliRoot(args)).toBe(root)
  })

  it("finds the subcommand after global flags only", () => {
    expect(subcommandOf(["-o", "yaml", "vpcs"])).toBe("vpcs")
    expect(subcommandOf(["--output"])).toBeUndefined()
    expect(subcommandOf(["--", "ls"])).toBeUndefined()
  })
})
