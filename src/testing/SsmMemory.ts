/**
 * An in-memory SSM for tests: seeded parameters (the public /aws/service/... AMI parameters by
 * default), agents, Session Manager sessions (recorded, never connected) and Run Command invocations
 * whose output appears step by step on Effect's Clock (so polling is tested with TestClock).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import { AwsAccessDenied, AwsInvalidRequest } from "../errors.ts"
import { type AgentInfo, type CommandInvocation, type SessionDocument, Ssm } from "../services/Ssm.ts"

/** What a command prints, step by step, and how it ends. */
export interface CommandScript {
  readonly steps?: ReadonlyArray<{ readonly after: Duration.Input; readonly stdout?: string; readonly stderr?: string }>
  readonly exitCode?: number
  /** Time from the last step to the end (default 0). */
  readonly endAfter?: Duration.Input
}

/** What `SsmMemory` starts with: parameters, agents, instances sessions are refused for, and what sent commands do. */
export interface SsmSeed {
  /** Parameters by name; the default public AMI parameters are added unless given. */
  readonly parameters?: Readonly<Record<string, string>>
  /** Registered agents by instance id; ping status "Online" unless given. StartSession refuses any other instance (TargetNotConnected), as SSM does. */
  readonly agents?: ReadonlyArray<Partial<AgentInfo> & { readonly instanceId: string }>
  /** Instance ids StartSession is refused for (AccessDeniedException), e.g. to test the pre-flight check. */
  readonly deniedSessions?: ReadonlyArray<string>
  /** The program each SendCommand runs (default: succeeds at once with no output). */
  readonly commandScript?: (instanceId: string, commands: ReadonlyArray<string>) => CommandScript
}

/** A session `SsmMemory` was asked to start. */
export interface RecordedSession {
  readonly sessionId: string
  readonly instanceId: string
  readonly document: SessionDocument
  readonly terminated: boolean
}

/** A command `SsmMemory` was asked to send. */
export interface RecordedCommand {
  readonly commandId: string
  readonly instanceId: string
  readonly commands: ReadonlyArray<string>
  readonly cancelled: boolean
}

/** What `SsmMemory` was asked: sessions, commands and every call. */
export class SsmMemoryState extends Context.Service<SsmMemoryState, {
  readonly sessions: Effect.Effect<ReadonlyArray<RecordedSession>>
  readonly commands: Effect.Effect<ReadonlyArray<RecordedCommand>>
  /** Every API-like call made, e.g. "StartSession", "GetCommandInvocation". */
  readonly calls: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/SsmMemoryState") {}

/** The public parameters aegea launch reads, with ids of moto's built-in images. */
export const publicAmiParameters: Readonly<Record<string, string>> = {
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64": "ami-0ed094fb1304fd857",
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64": "ami-0c5b9c2d5b2a5e3f1",
  "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2": "ami-0b5eea76982371e91",
  "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id": "ami-0a0e5d9c7acc336f1",
  "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id": "ami-0c4e709339fa8521a",
  "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id": "ami-0e86e20dae9224db8",
  "/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id": "ami-0a7a4e87939439934"
}

interface StoredCommand extends RecordedCommand {
  readonly startedAt: number
  readonly script: CommandScript
}

const invocationAt = (c: StoredCommand, now: number): CommandInvocation => {
  let at = c.startedAt
  let stdout = ""
  let stderr = ""
  let finished = true
  for (const step of c.script.steps ?? []) {
    at += Duration.toMillis(Duration.fromInputUnsafe(step.after))
    if (now < at) {
      finished = false
      break
    }
    stdout += step.stdout ?? ""
    stderr += step.stderr ?? ""
  }
  if (finished) at += Duration.toMillis(Duration.fromInputUnsafe(c.script.endAfter ?? 0))
  const base = { commandId: c.commandId, instanceId: c.instanceId, stdout, stderr }
  if (c.cancelled) return { ...base, status: "Cancelled" }
  if (!finished || now < at) return { ...base, status: "InProgress" }
  const exitCode = c.script.exitCode ?? 0
  return { ...base, status: exitCode === 0 ? "Success" : "Failed", exitCode }
}

/** `Ssm` in memory, with `SsmMemoryState`. */
export const SsmMemory = {
  layer: (seed: SsmSeed = {}): Layer.Layer<Ssm | SsmMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const parameters = { ...publicAmiParameters, ...seed.parameters }
        const sessions = yield* Ref.make<ReadonlyArray<RecordedSession>>([])
        const commands = yield* Ref.make<ReadonlyArray<StoredCommand>>([])
        const calls = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (call: string) => Ref.update(calls, (c) => [...c, call])
        let counter = 0
        /**
         * The command sent to that instance; undefined when the command exists but was not sent there
         * (SSM: InvocationDoesNotExist, which SsmLive reads as Pending); an id SSM never gave fails
         * with InvalidCommandId.
         */
        const findCommand = (commandId: string, instanceId: string, operation: string) =>
          Effect.gen(function*() {
            const all = yield* Ref.get(commands)
            if (!all.some((c) => c.commandId === commandId)) {
              return yield* new AwsInvalidRequest({
                action: operation === "CancelCommand" ? `cancel command ${commandId} on ${instanceId}` : `read the result of command ${commandId} on ${instanceId}`,
                service: "SSM",
                operation,
                code: "InvalidCommandId",
                awsMessage: "Invalid command id."
              })
            }
            return all.find((c) => c.commandId === commandId && c.instanceId === instanceId)
          })
        const ssm = Ssm.of({
          endpoint: { region: "us-east-1", profile: undefined, endpointUrl: undefined, ssmUrl: "https://ssm.us-east-1.amazonaws.com" },
          getParameter: (name) => record("GetParameter").pipe(Effect.as(Option.fromUndefinedOr(parameters[name]))),
          agentInfo: (instanceId) =>
            record("DescribeInstanceInformation").pipe(
              Effect.as(Option.map(Option.fromUndefinedOr(seed.agents?.find((a) => a.instanceId === instanceId)), (a) => ({
                pingStatus: "Online",
                agentVersion: "3.3.1957.0",
                ...a
              })))
            ),
          startSession: (instanceId, document) =>
            Effect.gen(function*() {
              yield* record("StartSession")
              if (seed.deniedSessions?.includes(instanceId)) {
                return yield* new AwsAccessDenied({
                  action: `start a Session Manager session on ${instanceId}`,
                  service: "SSM",
                  operation: "StartSession",
                  code: "AccessDeniedException",
                  awsMessage: `User is not authorized to perform: ssm:StartSession on resource: ${instanceId}`
                })
              }
              // as SSM refuses a target whose agent is not registered or not online
              const agent = seed.agents?.find((a) => a.instanceId === instanceId)
              if (agent === undefined || (agent.pingStatus ?? "Online") !== "Online") {
                return yield* new AwsInvalidRequest({
                  action: `start a Session Manager session on ${instanceId}`,
                  service: "SSM",
                  operation: "StartSession",
                  code: "TargetNotConnected",
                  awsMessage: `${instanceId} is not connected.`
                })
              }
              const sessionId = `aegea-test-${(++counter).toString().padStart(17, "0")}`
              yield* Ref.update(sessions, (s) => [...s, { sessionId, instanceId, document, terminated: false }])
              return { sessionId, streamUrl: `wss://ssmmessages.invalid/v1/data-channel/${sessionId}`, token: Redacted.make(`token-${sessionId}`) }
            }),
          terminateSession: (sessionId) =>
            record("TerminateSession").pipe(
              Effect.andThen(Ref.update(sessions, (s) => s.map((x) => (x.sessionId === sessionId ? { ...x, terminated: true } : x))))
            ),
          resumeSession: (sessionId) =>
            Effect.gen(function*() {
              yield* record("ResumeSession")
              const session = (yield* Ref.get(sessions)).find((s) => s.sessionId === sessionId)
              if (session === undefined) {
                // what SsmLive makes of SSM's DoesNotExistException (layers/aws.ts: an invalid request)
                return yield* new AwsInvalidRequest({
                  action: `resume the Session Manager session ${sessionId}`,
                  service: "SSM",
                  operation: "ResumeSession",
                  code: "DoesNotExistException",
                  awsMessage: `Session ${sessionId} does not exist`
                })
              }
              if (session.terminated) return Option.none()
              return Option.some({
                sessionId,
                streamUrl: `wss://ssmmessages.invalid/v1/data-channel/${sessionId}`,
                token: Redacted.make(`token-${sessionId}-resumed-${++counter}`)
              })
            }),
          sendCommand: (instanceId, list) =>
            Effect.gen(function*() {
              yield* record("SendCommand")
              const commandId = `00000000-0000-4000-8000-${(++counter).toString().padStart(12, "0")}`
              const script = seed.commandScript?.(instanceId, list) ?? {}
              const startedAt = yield* Clock.currentTimeMillis
              yield* Ref.update(commands, (c) => [...c, { commandId, instanceId, commands: list, cancelled: false, startedAt, script }])
              return commandId
            }),
          commandInvocation: (commandId, instanceId) =>
            Effect.gen(function*() {
              yield* record("GetCommandInvocation")
              const found = yield* findCommand(commandId, instanceId, "GetCommandInvocation")
              if (found === undefined) return { commandId, instanceId, status: "Pending", stdout: "", stderr: "" }
              return invocationAt(found, yield* Clock.currentTimeMillis)
            }),
          cancelCommand: (commandId, instanceId) =>
            Effect.gen(function*() {
              yield* record("CancelCommand")
              yield* findCommand(commandId, instanceId, "CancelCommand")
              yield* Ref.update(commands, (c) => c.map((x) => (x.commandId === commandId && x.instanceId === instanceId ? { ...x, cancelled: true } : x)))
            })
        })
        const state = SsmMemoryState.of({
          sessions: Ref.get(sessions),
          commands: Effect.map(Ref.get(commands), (c) => c.map(({ commandId, instanceId, commands: list, cancelled }) => ({ commandId, instanceId, commands: list, cancelled }))),
          calls: Ref.get(calls)
        })
        return Context.make(Ssm, ssm).pipe(Context.add(SsmMemoryState, state))
      })
    )
}
