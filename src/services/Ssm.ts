/**
 * AWS Systems Manager as aegea uses it: public parameters (AMI ids), the agent's presence on an
 * instance, Session Manager sessions (the control plane; the data channel is `SsmSession`) and
 * Run Command.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AwsError } from "../errors.ts"

/** An instance's SSM agent: whether it is online, its version and platform. */
export const AgentInfo = Schema.Struct({
  instanceId: Schema.String,
  /** "Online", "ConnectionLost", "Inactive". */
  pingStatus: Schema.String,
  agentVersion: Schema.optional(Schema.String),
  platform: Schema.optional(Schema.String),
  lastPing: Schema.optional(Schema.Date)
})
/** An instance's SSM agent: whether it is online, its version and platform. */
export type AgentInfo = typeof AgentInfo.Type

/** What StartSession returns: the data channel is opened with `streamUrl` and the one-time `token`. */
export interface SessionTicket {
  readonly sessionId: string
  readonly streamUrl: string
  readonly token: Redacted.Redacted<string>
}

/**
 * The kind of session `Ssm.startSession` starts: ssh to a port, or port forwarding (to the instance or a host
 * beyond it).
 */
export type SessionDocument =
  | { readonly kind: "ssh"; readonly port: number }
  | { readonly kind: "port-forwarding"; readonly remotePort: number; readonly localPort: number; readonly host?: string }
  /** An interactive shell: Session Manager's standard shell without a document, or the given document. */
  | { readonly kind: "shell"; readonly document?: string; readonly parameters?: Readonly<Record<string, ReadonlyArray<string>>> }

/** A command sent with `Ssm.sendCommand` on one instance: its status, exit code and output so far. */
export const CommandInvocation = Schema.Struct({
  commandId: Schema.String,
  instanceId: Schema.String,
  /** Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, Cancelling. */
  status: Schema.String,
  exitCode: Schema.optional(Schema.Number),
  stdout: Schema.String,
  stderr: Schema.String
})
/** A command sent with `Ssm.sendCommand` on one instance: its status, exit code and output so far. */
export type CommandInvocation = typeof CommandInvocation.Type

/** How `Ssm.sendCommand` runs a shell script: its time limit on the instance, and a comment. */
export interface SendCommandOptions {
  /** Seconds the command may run on the instance (AWS-RunShellScript's executionTimeout; default 3600). */
  readonly executionTimeoutSeconds?: number
  readonly comment?: string
}

/** Statuses after which a command invocation changes no more. */
export const finalCommandStatuses: ReadonlySet<string> = new Set(["Success", "Cancelled", "TimedOut", "Failed"])

/** The Session Manager document and parameters of a session (what StartSession is called with). */
export const sessionRequest = (document: SessionDocument): {
  /** undefined: Session Manager's standard shell (SSM-SessionManagerRunShell). */
  readonly documentName: string | undefined
  readonly parameters: Readonly<Record<string, ReadonlyArray<string>>>
} => {
  if (document.kind === "shell") return { documentName: document.document, parameters: document.parameters ?? {} }
  if (document.kind === "ssh") return { documentName: "AWS-StartSSHSession", parameters: { portNumber: [String(document.port)] } }
  const base = { portNumber: [String(document.remotePort)], localPortNumber: [String(document.localPort)] }
  return document.host === undefined
    ? { documentName: "AWS-StartPortForwardingSession", parameters: base }
    : { documentName: "AWS-StartPortForwardingSessionToRemoteHost", parameters: { ...base, host: [document.host] } }
}

/** Where SSM requests go, as a child process (`aegea ssm-proxy`, the Session Manager plugin) must be told. */
export interface SsmEndpoint {
  readonly region: string
  readonly profile: string | undefined
  /** `--endpoint-url` (every service), when given. */
  readonly endpointUrl: string | undefined
  /** The URL of the SSM API itself. */
  readonly ssmUrl: string
}

/**
 * Systems Manager: parameters, agent status, Session Manager sessions (start, resume, terminate) and Run
 * Command. Live: `SsmLive`; in memory: `SsmMemory`.
 */
export class Ssm extends Context.Service<Ssm, {
  readonly endpoint: SsmEndpoint
  /** A parameter's value (public ones such as /aws/service/...), or none when it does not exist. */
  readonly getParameter: (name: string) => Effect.Effect<Option.Option<string>, AwsError>
  /** The SSM agent's registration for an instance, or none when the agent never registered. */
  readonly agentInfo: (instanceId: string) => Effect.Effect<Option.Option<AgentInfo>, AwsError>
  readonly startSession: (instanceId: string, document: SessionDocument) => Effect.Effect<SessionTicket, AwsError>
  readonly terminateSession: (sessionId: string) => Effect.Effect<void, AwsError>
  /**
   * ResumeSession after the data channel's connection was lost: a new one-time token (and stream URL)
   * for the same session, or none when Session Manager gave no token (the session has ended).
   */
  readonly resumeSession: (sessionId: string) => Effect.Effect<Option.Option<SessionTicket>, AwsError>
  /** Run a shell script with AWS-RunShellScript; returns the command id. */
  readonly sendCommand: (
    instanceId: string,
    commands: ReadonlyArray<string>,
    options?: SendCommandOptions
  ) => Effect.Effect<string, AwsError>
  readonly commandInvocation: (commandId: string, instanceId: string) => Effect.Effect<CommandInvocation, AwsError>
  readonly cancelCommand: (commandId: string, instanceId: string) => Effect.Effect<void, AwsError>
}>()("aegea/Ssm") {}
