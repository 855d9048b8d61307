/** The ssh family of commands, for src/cli.ts: ssh, scp, tunnel, run, and the internal ssm-proxy. */
import { runCommand } from "./run.ts"
import { scpCommand } from "./scp.ts"
import { sshCommand } from "./ssh.ts"
import { ssmProxyCommand } from "./ssmProxy.ts"
import { tunnelCommand } from "./tunnel.ts"

export const sshCommands = [sshCommand, scpCommand, tunnelCommand, runCommand, ssmProxyCommand] as const
