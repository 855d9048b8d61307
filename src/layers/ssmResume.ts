/**
 * ResumeSession for the lean ProxyCommand path (proxyRelay.ts): loaded by ssmTicket.ts only when the
 * session's connection is lost, it builds the AWS environment and the SSM layer for that one call,
 * so the call is signed, classified and retried exactly as every other SSM call.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AwsClients, type AwsSettings } from "./AwsClients.ts"
import { SsmLive } from "./SsmLive.ts"
import { Ssm } from "../services/Ssm.ts"

// as the CLI's launcher (main.ts) does before it loads the SDK: no Node-version notice on stderr
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

export const resumeSession = (aws: Pick<AwsSettings, "region" | "profile" | "endpointUrl">, sessionId: string) =>
  Effect.gen(function*() {
    const ssm = yield* Ssm
    return yield* ssm.resumeSession(sessionId)
  }).pipe(
    Effect.provide(SsmLive.pipe(Layer.provide(AwsClients.layer(aws))))
  )
