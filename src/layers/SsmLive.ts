/** The live SSM layer (parameters, agent registration, Session Manager control plane, Run Command). SDK imported lazily. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, once } from "./aws.ts"
import { type CommandInvocation, sessionRequest, Ssm } from "../services/Ssm.ts"

/** `Ssm` against Systems Manager, with the region, credentials and endpoint of `AwsClients`. */
export const SsmLive: Layer.Layer<Ssm, never, AwsClients> = Layer.effect(
  Ssm,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-ssm"))
    const aws = yield* makeAws("SSM", (config) => new sdk.SSMClient(config))
    const env = aws.env

    const getParameter = (name: string) =>
      aws.call(new sdk.GetParameterCommand({ Name: name }), `read the SSM parameter ${name}`, idempotent).pipe(
        Effect.map((r) => Option.fromUndefinedOr(r.Parameter?.Value)),
        Effect.catchIf((e) => e._tag === "AwsNotFound" || e.code === "ParameterNotFound", () => Effect.succeed(Option.none<string>()))
      )

    const agentInfo = (instanceId: string) =>
      aws.call(
        new sdk.DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
        `check the SSM agent of ${instanceId}`,
        idempotent
      ).pipe(
        Effect.map((r) =>
          Option.map(Option.fromUndefinedOr(r.InstanceInformationList?.find((i) => i.InstanceId === instanceId)), (i) => ({
            instanceId,
            pingStatus: i.PingStatus ?? "Unknown",
            ...(i.AgentVersion !== undefined ? { agentVersion: i.AgentVersion } : {}),
            ...(i.PlatformName !== undefined ? { platform: i.PlatformName } : {}),
            ...(i.LastPingDateTime !== undefined ? { lastPing: i.LastPingDateTime } : {})
          }))
        )
      )

    const startSession: Ssm["Service"]["startSession"] = (instanceId, document) => {
      const { documentName, parameters } = sessionRequest(document)
      return aws.call(
        new sdk.StartSessionCommand({
          Target: instanceId,
          ...(documentName !== undefined ? { DocumentName: documentName } : {}),
          Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [...v]]))
        }),
        `start a Session Manager session (${documentName ?? "SSM-SessionManagerRunShell"}) on ${instanceId}`,
        // Not the same twice, but harmless: a session whose answer was lost is never connected to, and
        // Session Manager ends it on its idle timeout (as when the user runs the command again). It
        // cannot be reconciled: its stream URL and token are only in the lost answer.
        idempotent
      ).pipe(
        Effect.map((r) => ({
          sessionId: r.SessionId ?? "",
          streamUrl: r.StreamUrl ?? "",
          token: Redacted.make(r.TokenValue ?? "")
        }))
      )
    }

    const terminateSession = (sessionId: string) =>
      aws.call(new sdk.TerminateSessionCommand({ SessionId: sessionId }), `end the Session Manager session ${sessionId}`, idempotent).pipe(
        Effect.asVoid
      )

    const resumeSession = (sessionId: string) =>
      aws.call(
        new sdk.ResumeSessionCommand({ SessionId: sessionId }),
        `resume the Session Manager session ${sessionId}`,
        // Each call hands out a fresh token for the same session; a second call is as good as the first.
        idempotent
      ).pipe(
        Effect.map((r) =>
          r.TokenValue === undefined || r.TokenValue === ""
            ? Option.none()
            : Option.some({ sessionId: r.SessionId ?? sessionId, streamUrl: r.StreamUrl ?? "", token: Redacted.make(r.TokenValue) })
        )
      )

    const sendCommand: Ssm["Service"]["sendCommand"] = (instanceId, commands, options = {}) =>
      aws.call(
        new sdk.SendCommandCommand({
          InstanceIds: [instanceId],
          DocumentName: "AWS-RunShellScript",
          Parameters: {
            commands: [...commands],
            ...(options.executionTimeoutSeconds !== undefined ? { executionTimeout: [String(options.executionTimeoutSeconds)] } : {})
          },
          ...(options.comment !== undefined ? { Comment: options.comment.slice(0, 100) } : {})
        }),
        `run a command on ${instanceId}`,
        // No client token and no tags: a second SendCommand would run the user's script twice.
        once
      ).pipe(Effect.map((r) => r.Command?.CommandId ?? ""))

    const commandInvocation = (commandId: string, instanceId: string) =>
      aws.call(
        new sdk.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        `read the result of command ${commandId} on ${instanceId}`,
        idempotent
      ).pipe(
        Effect.map((r): CommandInvocation => ({
          commandId,
          instanceId,
          status: r.Status ?? "Pending",
          ...(r.ResponseCode !== undefined && r.ResponseCode >= 0 ? { exitCode: r.ResponseCode } : {}),
          stdout: r.StandardOutputContent ?? "",
          stderr: r.StandardErrorContent ?? ""
        })),
        // Right after SendCommand the invocation may not exist yet: it is pending.
        Effect.catchIf(
          (e) => e.code === "InvocationDoesNotExist",
          () => Effect.succeed<CommandInvocation>({ commandId, instanceId, status: "Pending", stdout: "", stderr: "" })
        )
      )

    const cancelCommand = (commandId: string, instanceId: string) =>
      aws.call(
        new sdk.CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }),
        `cancel command ${commandId} on ${instanceId}`,
        idempotent
      ).pipe(Effect.asVoid)

    const endpoint = {
      region: env.region,
      profile: env.profile,
      endpointUrl: env.endpointUrl,
      ssmUrl: process.env.AWS_ENDPOINT_URL_SSM ?? env.endpointUrl ?? `https://ssm.${env.region}.amazonaws.com`
    }
    return Ssm.of({ endpoint, getParameter, agentInfo, startSession, terminateSession, resumeSession, sendCommand, commandInvocation, cancelCommand })
  })
)
