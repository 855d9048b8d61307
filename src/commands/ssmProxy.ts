/**
 * `aegea ssm-proxy INSTANCE_ID PORT`: the ProxyCommand `aegea ssh` gives OpenSSH. It pipes stdin and
 * stdout through a Session Manager data channel (AWS-StartSSHSession) to the instance's port. It
 * uses the session `aegea ssh` already started when its ticket is in --ticket-directory (claimed
 * once: a second invocation starts its own session).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { claimTicket } from "../layers/ssmTicket.ts"
import { SsmLive } from "../layers/SsmLive.ts"
import { SsmSessionLive } from "../layers/SsmSessionLive.ts"
import { relayStdio } from "../workflows/relay.ts"
import { OperationFailed } from "../errors.ts"
import { Ssm } from "../services/Ssm.ts"
import { SsmSession } from "../services/SsmSession.ts"
import { AwsLayer, BaseLayer, preferProvided } from "./global.ts"

const SsmLayer = preferProvided(Ssm, SsmLive)
const ProxyLayer = Layer.mergeAll(SsmLayer, preferProvided(SsmSession, SsmSessionLive.pipe(Layer.provide(SsmLayer)))).pipe(
  Layer.provide(AwsLayer),
  Layer.provideMerge(BaseLayer)
)

export const ssmProxyCommand = Command.make(
  "ssm-proxy",
  {
    instanceId: Argument.String("instance-id").pipe(Argument.withDescription("The instance to connect to (ssh passes %h).")),
    port: Argument.Int("port").pipe(Argument.withDescription("The port on the instance (ssh passes %p).")),
    ticketDirectory: Flag.String("ticket-directory").pipe(
      Flag.withDescription("A private directory where aegea ssh left an already started session for this instance."),
      Flag.optional
    )
  },
  Effect.fn("ssm-proxy")(function*(input) {
    if (!/^(i|mi)-[0-9a-f]+$/.test(input.instanceId)) {
      return yield* new OperationFailed({ message: `ssm-proxy needs an instance id, not ${JSON.stringify(input.instanceId)}`, hint: "Use aegea ssh NAME, which resolves names" })
    }
    const sessions = yield* SsmSession
    const ticket = Option.flatMap(input.ticketDirectory, (dir) => Option.fromUndefinedOr(claimTicket(dir, input.instanceId)))
    const channel = Option.isSome(ticket)
      ? yield* sessions.attach(input.instanceId, ticket.value)
      : yield* sessions.open(input.instanceId, { kind: "ssh", port: input.port })
    yield* relayStdio(channel)
  }, Effect.scoped)
).pipe(
  Command.withDescription("Pipe stdin and stdout to a port of an instance through Session Manager: the ProxyCommand aegea ssh and scp give OpenSSH, usable from plain ssh too."),
  Command.withExamples([
    { command: "ssh -o ProxyCommand='aegea ssm-proxy %h %p' ec2-user@i-0123456789abcdef0", description: "Use aegea's Session Manager client from plain ssh" }
  ]),
  Command.provide(ProxyLayer),
  // Plumbing (the ProxyCommand of aegea ssh): it runs, but is not listed among everyday commands.
  Command.unlisted
)
