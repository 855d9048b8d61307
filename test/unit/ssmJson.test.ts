// The ssh family's Ssm layer signs its session calls by hand (layers/SsmJsonLive.ts) only where that
// reaches the endpoint the SDK's client would; elsewhere it is SsmLive.
import { describe, expect, it } from "vitest"
import * as Duration from "effect/Duration"
import type { AwsEnvironment } from "../../src/layers/AwsClients.ts"
import { jsonCallsFit, ssmJsonService } from "../../src/layers/SsmJsonLive.ts"

const env = (region: string, clients?: Record<string, object>): AwsEnvironment => ({
  region,
  profile: undefined,
  endpointUrl: undefined,
  maxAttempts: 1,
  requestTimeout: Duration.seconds(60),
  clientConfig: { region, maxAttempts: 1, credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }), customUserAgent: "aegea/test" },
  ...(clients !== undefined ? { clients } : {})
})

describe("SsmJsonLive", () => {
  it("calls SSM's regional endpoint of the aws and aws-cn partitions", () => {
    expect(ssmJsonService("eu-west-1")).toMatchObject({ endpoint: "https://ssm.eu-west-1.amazonaws.com", targetPrefix: "AmazonSSM", signingName: "ssm", endpointEnvId: "SSM" })
    expect(ssmJsonService("cn-north-1").endpoint).toBe("https://ssm.cn-north-1.amazonaws.com.cn")
  })

  it("leaves FIPS, dual-stack, GovCloud, ISO and sovereign partitions, config-file endpoints and a provided SSM client to the SDK", () => {
    const none = { AWS_CONFIG_FILE: "/nonexistent/aegea-test-config" }
    expect(jsonCallsFit(env("us-east-1"), none)).toBe(true)
    expect(jsonCallsFit(env("ap-southeast-2"), none)).toBe(true)
    expect(jsonCallsFit(env("cn-northwest-1"), none)).toBe(true)
    expect(jsonCallsFit(env("us-east-1"), { ...none, AWS_USE_FIPS_ENDPOINT: "true" })).toBe(false)
    expect(jsonCallsFit(env("us-east-1"), { ...none, AWS_USE_DUALSTACK_ENDPOINT: "TRUE" })).toBe(false)
    expect(jsonCallsFit(env("us-gov-west-1"), none)).toBe(false)
    expect(jsonCallsFit(env("us-iso-east-1"), none)).toBe(false)
    expect(jsonCallsFit(env("eusc-de-east-1"), none)).toBe(false)
    expect(jsonCallsFit(env("us-east-1", { SSM: {} }), none)).toBe(false)
    expect(jsonCallsFit(env("us-east-1"), { AWS_CONFIG_FILE: new URL("../fixtures/aws-config-endpoints", import.meta.url).pathname })).toBe(false)
    expect(jsonCallsFit(env("us-east-1"), { ...none, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })).toBe(false)
  })
})
