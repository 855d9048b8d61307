/**
 * The Ssm service for the ssh family (ssh, scp, tunnel, run): the calls a session needs
 * (DescribeInstanceInformation, StartSession, TerminateSession, ResumeSession) as signed JSON 1.1
 * calls (awsJson.ts, through aws.ts's retries and error sorting, like every SDK call), so `aegea ssh`
 * reaches OpenSSH without loading the SSM SDK client and its schemas; the other calls (parameters,
 * Run Command) go to SsmLive, loaded on first use. Where the JSON call would not reach the endpoint
 * the SDK would (FIPS or dual-stack endpoints, a client the embedding program provides), the
 * whole service is SsmLive.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { AwsClients, type AwsEnvironment } from "./AwsClients.ts"
import { idempotent } from "./aws.ts"
import { jsonCall, type JsonService, signedCallsFit } from "./awsJson.ts"
import { onFirstUse } from "./firstUse.ts"
import { SsmLive } from "./SsmLive.ts"
import { type AgentInfo, sessionRequest, Ssm } from "../services/Ssm.ts"

/** SSM's JSON 1.1 service in `region` (its AWS endpoint as the SDK's rules give it for the aws and aws-cn partitions). */
export const ssmJsonService = (region: string): JsonService => ({
  service: "SSM",
  signingName: "ssm",
  targetPrefix: "AmazonSSM",
  endpoint: `https://ssm.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`,
  endpointEnvId: "SSM",
  region
})

/** Whether the signed JSON call reaches the endpoint the SDK client would (awsJson.ts `signedCallsFit`). */
export const jsonCallsFit = (env: AwsEnvironment, processEnv: Record<string, string | undefined> = process.env): boolean =>
  signedCallsFit(env, "SSM", processEnv)

interface InstanceInformationAnswer {
  readonly InstanceInformationList?: ReadonlyArray<{
    readonly InstanceId?: string
    readonly PingStatus?: string
    readonly AgentVersion?: string
    readonly PlatformName?: string
    /** Epoch seconds. */
    readonly LastPingDateTime?: number
  }>
}

interface SessionAnswer {
  readonly SessionId?: string
  readonly StreamUrl?: string
  readonly TokenValue?: string
}

const jsonSsm = Effect.gen(function*() {
  const env = yield* AwsClients
  const service = ssmJsonService(env.region)
  const call = <O>(operation: string, input: object, action: string) => jsonCall<O>(env, service, operation, input, action, idempotent)
  // parameters and Run Command: the SDK's client, made on first use in this layer's scope
  const viaSdk = yield* onFirstUse(Ssm, () => Promise.resolve(SsmLive), env)

  const agentInfo = (instanceId: string) =>
    call<InstanceInformationAnswer>(
      "DescribeInstanceInformation",
      { Filters: [{ Key: "InstanceIds", Values: [instanceId] }] },
      `check the SSM agent of ${instanceId}`
    ).pipe(
      Effect.map((r) =>
        Option.map(Option.fromUndefinedOr(r.InstanceInformationList?.find((i) => i.InstanceId === instanceId)), (i): AgentInfo => ({
          instanceId,
          pingStatus: i.PingStatus ?? "Unknown",
          ...(i.AgentVersion !== undefined ? { agentVersion: i.AgentVersion } : {}),
          ...(i.PlatformName !== undefined ? { platform: i.PlatformName } : {}),
          ...(typeof i.LastPingDateTime === "number" ? { lastPing: new Date(i.LastPingDateTime * 1000) } : {})
        }))
      )
    )

  const startSession: Ssm["Service"]["startSession"] = (instanceId, document) => {
    const { documentName, parameters } = sessionRequest(document)
    return call<SessionAnswer>(
      "StartSession",
      { Target: instanceId, ...(documentName !== undefined ? { DocumentName: documentName } : {}), Parameters: parameters },
      `start a Session Manager session (${documentName ?? "SSM-SessionManagerRunShell"}) on ${instanceId}`
    ).pipe(
      Effect.map((r) => ({ sessionId: r.SessionId ?? "", streamUrl: r.StreamUrl ?? "", token: Redacted.make(r.TokenValue ?? "") }))
    )
  }

  const terminateSession = (sessionId: string) =>
    call<SessionAnswer>("TerminateSession", { SessionId: sessionId }, `end the Session Manager session ${sessionId}`).pipe(Effect.asVoid)

  const resumeSession = (sessionId: string) =>
    call<SessionAnswer>("ResumeSession", { SessionId: sessionId }, `resume the Session Manager session ${sessionId}`).pipe(
      Effect.map((r) =>
        r.TokenValue === undefined || r.TokenValue === ""
          ? Option.none()
          : Option.some({ sessionId: r.SessionId ?? sessionId, streamUrl: r.StreamUrl ?? "", token: Redacted.make(r.TokenValue) })
      )
    )

  return Ssm.of({
    endpoint: {
      region: env.region,
      profile: env.profile,
      endpointUrl: env.endpointUrl,
      ssmUrl: process.env.AWS_ENDPOINT_URL_SSM ?? env.endpointUrl ?? `https://ssm.${env.region}.amazonaws.com`
    },
    agentInfo,
    startSession,
    terminateSession,
    resumeSession,
    getParameter: (name) => Effect.flatMap(viaSdk, (s) => s.getParameter(name)),
    sendCommand: (instanceId, commands, options) => Effect.flatMap(viaSdk, (s) => s.sendCommand(instanceId, commands, options)),
    commandInvocation: (commandId, instanceId) => Effect.flatMap(viaSdk, (s) => s.commandInvocation(commandId, instanceId)),
    cancelCommand: (commandId, instanceId) => Effect.flatMap(viaSdk, (s) => s.cancelCommand(commandId, instanceId))
  })
})

/** Ssm with the session calls signed by hand (no SSM SDK client), or SsmLive where they would not fit. */
export const SsmJsonLive: Layer.Layer<Ssm, never, AwsClients> = Layer.unwrap(
  Effect.map(AwsClients, (env) => (jsonCallsFit(env) ? Layer.effect(Ssm, jsonSsm) : SsmLive))
)
