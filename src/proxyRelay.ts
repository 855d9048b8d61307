/**
 * The lean path of `aegea ssm-proxy` (the ProxyCommand `aegea ssh` and `scp` give OpenSSH): when the
 * session `aegea ssh` already started is waiting in --ticket-directory, relay stdin and stdout
 * through its data channel with no AWS SDK and no command tree loaded (about a third of the
 * start-up of the whole CLI). The launcher (src/main.ts) comes here only for the exact command line
 * src/lib/sshArgs.ts proxyCommand writes; with no ticket (a second connection of the same ssh, or
 * plain ssh using `aegea ssm-proxy`), it goes on to the normal command, which starts a session.
 * TerminateSession stays with `aegea ssh`, which started the session.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { attachTicket } from "./layers/SsmSessionLive.ts"
import { claimTicket } from "./layers/ssmTicket.ts"
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

/**
 * Relays through the ticket's session if there is one to claim: resolves to the exit code, or to
 * undefined when there was no ticket (the caller then runs the normal command).
 */
export const relayClaimedTicket = async (instanceId: string, directory: string): Promise<number | undefined> => {
  const ticket = claimTicket(directory, instanceId)
  if (ticket === undefined) return undefined
  const exit = await Effect.runPromiseExit(
    Effect.scoped(Effect.flatMap(attachTicket(instanceId, ticket), relayStdio))
  )
  if (Exit.isSuccess(exit)) return 0
  const error = Cause.findErrorOption(exit.cause)
  const message = Option.isSome(error) ? error.value.message : undefined
  process.stderr.write(`aegea ssm-proxy: ${message ?? "the session ended unexpectedly"}\n`)
  return 1
}
