/**
 * The lean path of `aegea ssm-proxy` (the ProxyCommand `aegea scp` gives OpenSSH, and `aegea ssh` where
 * it does not relay the session itself through named pipes: src/layers/pipeHandoff.ts): when the
 * session `aegea ssh` already started is waiting in --ticket-directory, relay stdin and stdout
 * through its data channel with no AWS SDK and no command tree loaded (about a third of the
 * start-up of the whole CLI). The launcher (src/main.ts) comes here only for the exact command line
 * src/lib/sshArgs.ts proxyCommand writes; with no ticket (a second connection of the same ssh, or
 * plain ssh using `aegea ssm-proxy`), it goes on to the normal command, which starts a session.
 * TerminateSession stays with `aegea ssh`, which started the session. A lost connection is resumed
 * as everywhere else; only then is the SDK loaded, for ResumeSession (layers/ssmResume.ts). A
 * session the agent asks to encrypt calls KMS GenerateDataKey, signed by hand (layers/kmsDataKey.ts,
 * loaded only then).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { attachTicket } from "./layers/SsmSessionLive.ts"
import { claimTicket, generateDataKeyForTicket, resumeForTicket, type TicketAws } from "./layers/ssmTicket.ts"
import { relayStdio } from "./workflows/relay.ts"

/** The instance and ticket directory of `ssm-proxy ID PORT [--region R] [--profile P] [--endpoint-url U] --ticket-directory D`. */
export const ticketProxyArgs = (args: ReadonlyArray<string>): { readonly instanceId: string; readonly directory: string } | undefined => {
  if (args[0] !== "ssm-proxy" || args.length < 5 || !/^(i|mi)-[0-9a-f]+$/.test(args[1]!) || !/^\d+$/.test(args[2]!)) return undefined
  let directory: string | undefined
  for (let i = 3; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]]
    if (value === undefined || !["--region", "--profile", "--endpoint-url", "--ticket-directory"].includes(flag)) return undefined
    if (flag === "--ticket-directory") directory = value
  }
  return directory === undefined ? undefined : { instanceId: args[1]!, directory }
}

/** The `--region`, `--profile` and `--endpoint-url` of that command line (for ResumeSession). */
export const ticketProxyAws = (args: ReadonlyArray<string>): TicketAws => {
  const value = (flag: string) => {
    for (let i = 3; i < args.length; i += 2) if (args[i] === flag) return args[i + 1]
    return undefined
  }
  return { region: value("--region"), profile: value("--profile"), endpointUrl: value("--endpoint-url") }
}

/**
 * Relays through the ticket's session if there is one to claim: resolves to the exit code, or to
 * undefined when there was no ticket (the caller then runs the normal command). `aws` (default: this
 * process's command line) says where to call ResumeSession after a lost connection.
 */
export const relayClaimedTicket = async (
  instanceId: string,
  directory: string,
  aws: TicketAws = ticketProxyAws(process.argv.slice(2))
): Promise<number | undefined> => {
  const ticket = claimTicket(directory, instanceId)
  if (ticket === undefined) return undefined
  const exit = await Effect.runPromiseExit(
    Effect.scoped(Effect.flatMap(attachTicket(instanceId, ticket, "port", { resume: resumeForTicket(aws), generateDataKey: generateDataKeyForTicket(aws) }), relayStdio))
  )
  if (Exit.isSuccess(exit)) return 0
  const error = Cause.findErrorOption(exit.cause)
  const message = Option.isSome(error) ? error.value.message : undefined
  process.stderr.write(`aegea ssm-proxy: ${message ?? "the session ended unexpectedly"}\n`)
  return 1
}
