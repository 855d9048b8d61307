/** The live SSM layer (parameters, agent registration, Session Manager control plane, Run Command). SDK imported lazily. */
import { Effect, Layer, Option, Redacted } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client } from "./aws.ts"
import { type CommandInvocation, sessionRequest, Ssm } from "../services/Ssm.ts"

export const SsmLive: Layer.Layer<Ssm, never, AwsClients> = Layer.effect(
  Ssm,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-ssm"))
    const ssm = yield* client(() => new sdk.SSMClient(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "SSM", operation, action }, run)

    const getParameter = (name: string) =>
      send("GetParameter", `read the SSM parameter ${name}`, (abortSignal) =>
        ssm.send(new sdk.GetParameterCommand({ Name: name }), { abortSignal })).pipe(
          Effect.map((r) => Option.fromUndefinedOr(r.Parameter?.Value)),
          Effect.catchIf((e) => e._tag === "AwsNotFound" || e.code === "ParameterNotFound", () => Effect.succeed(Option.none<string>()))
        )

    const agentInfo = (instanceId: string) =>
      send("DescribeInstanceInformation", `check the SSM agent of ${instanceId}`, (abortSignal) =>
        ssm.send(
          new sdk.DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
          { abortSignal }
        )).pipe(
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
      return send("StartSession", `start a Session Manager session (${documentName}) on ${instanceId}`, (abortSignal) =>
        ssm.send(
          new sdk.StartSessionCommand({
            Target: instanceId,
            DocumentName: documentName,
            Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [...v]]))
          }),
          { abortSignal }
        )).pipe(
          Effect.map((r) => ({
            sessionId: r.SessionId ?? "",
            streamUrl: r.StreamUrl ?? "",
            token: Redacted.make(r.TokenValue ?? "")
          }))
        )
    }

    const terminateSession = (sessionId: string) =>
      send("TerminateSession", `end the Session Manager session ${sessionId}`, (abortSignal) =>
        ssm.send(new sdk.TerminateSessionCommand({ SessionId: sessionId }), { abortSignal })).pipe(Effect.asVoid)

    const sendCommand: Ssm["Service"]["sendCommand"] = (instanceId, commands, options = {}) =>
      send("SendCommand", `run a command on ${instanceId}`, (abortSignal) =>
        ssm.send(
          new sdk.SendCommandCommand({
            InstanceIds: [instanceId],
            DocumentName: "AWS-RunShellScript",
            Parameters: {
              commands: [...commands],
              ...(options.executionTimeoutSeconds !== undefined ? { executionTimeout: [String(options.executionTimeoutSeconds)] } : {})
            },
            ...(options.comment !== undefined ? { Comment: options.comment.slice(0, 100) } : {})
          }),
          { abortSignal }
        )).pipe(Effect.map((r) => r.Command?.CommandId ?? ""))

    const commandInvocation = (commandId: string, instanceId: string) =>
      send("GetCommandInvocation", `read the result of command ${commandId} on ${instanceId}`, (abortSignal) =>
        ssm.send(new sdk.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }), { abortSignal })).pipe(
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
      send("CancelCommand", `cancel command ${commandId} on ${instanceId}`, (abortSignal) =>
        ssm.send(new sdk.CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }), { abortSignal })).pipe(
          Effect.asVoid
        )

    const endpoint = {
      region: env.region,
      profile: env.profile,
      endpointUrl: env.endpointUrl,
      ssmUrl: process.env.AWS_ENDPOINT_URL_SSM ?? env.endpointUrl ?? `https://ssm.${env.region}.amazonaws.com`
    }
    return Ssm.of({ endpoint, getParameter, agentInfo, startSession, terminateSession, sendCommand, commandInvocation, cancelCommand })
  })
)
