// `aegea logs GROUP` reads its pages by FilterLogEvents calls signed by hand (layers/LogsJsonLive.ts)
// only where that reaches the endpoint the SDK's client would; elsewhere it is LogsLive. An answer's
// page: lines from its text where the fast reader can, else the records JSON.parse reads.
import { describe, expect, it } from "vitest"
import type { AwsEnvironment } from "../../src/layers/AwsClients.ts"
import { signedCallsFit } from "../../src/layers/awsJson.ts"
import { filterAnswerPage, logsJsonService } from "../../src/layers/LogsJsonLive.ts"
import { pageLinesText } from "../../src/lib/logLines.ts"

const env = (region: string, clients?: Record<string, object>, sdkConfig: Record<string, unknown> = {}): Pick<AwsEnvironment, "region" | "clients" | "clientConfig"> => ({
  region,
  clientConfig: { region, maxAttempts: 1, credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }), customUserAgent: "aegea/test", ...sdkConfig },
  ...(clients !== undefined ? { clients } : {})
})

describe("LogsJsonLive", () => {
  it("calls CloudWatch Logs' regional endpoint of the aws and aws-cn partitions, as the SDK names it", () => {
    expect(logsJsonService("eu-west-1")).toMatchObject({
      endpoint: "https://logs.eu-west-1.amazonaws.com",
      targetPrefix: "Logs_20140328",
      signingName: "logs",
      endpointEnvId: "CLOUDWATCH_LOGS",
      service: "CloudWatch Logs"
    })
    expect(logsJsonService("cn-north-1").endpoint).toBe("https://logs.cn-north-1.amazonaws.com.cn")
  })

  it("leaves FIPS, dual-stack, GovCloud, config-file endpoints, a provided CloudWatch Logs client and SDK configuration of the embedding program's own to the SDK", () => {
    const none = { AWS_CONFIG_FILE: "/nonexistent/aegea-test-config" }
    expect(signedCallsFit(env("us-east-1"), "CloudWatch Logs", none)).toBe(true)
    expect(signedCallsFit(env("us-east-1", { SSM: {} }), "CloudWatch Logs", none)).toBe(true)
    expect(signedCallsFit(env("us-east-1", { "CloudWatch Logs": {} }), "CloudWatch Logs", none)).toBe(false)
    // SDK configuration of the embedding program's own (a request handler for a proxy, say): the SDK's client honours it, a signed call would not
    expect(signedCallsFit(env("us-east-1", undefined, { requestHandler: {} }), "CloudWatch Logs", none)).toBe(false)
    expect(signedCallsFit(env("us-east-1"), "CloudWatch Logs", { ...none, AWS_USE_FIPS_ENDPOINT: "true" })).toBe(false)
    expect(signedCallsFit(env("us-east-1"), "CloudWatch Logs", { ...none, AWS_USE_DUALSTACK_ENDPOINT: "true" })).toBe(false)
    expect(signedCallsFit(env("us-gov-east-1"), "CloudWatch Logs", none)).toBe(false)
    expect(signedCallsFit(env("us-east-1"), "CloudWatch Logs", { AWS_CONFIG_FILE: new URL("../fixtures/aws-config-endpoints", import.meta.url).pathname })).toBe(false)
  })

  describe("filterAnswerPage", () => {
    const service = logsJsonService("us-east-1")
    const lines = { showGroup: false, color: false }
    const record = (n: number, extra: object = {}) => ({ logStreamName: "s", timestamp: 1_764_000_000_000 + n, message: `m${n}`, ingestionTime: 1_764_000_000_500, eventId: `e${n}`, ...extra })

    it("makes a page's lines from the text, with the next page's token", () => {
      const [pages, token] = filterAnswerPage(service, "/g", JSON.stringify({ events: [record(1), record(2)], nextToken: "t2" }), 200, lines)
      expect(token).toBe("t2")
      expect(pages).toHaveLength(1)
      expect(pages[0]!.lines).toEqual({ text: pageLinesText({ group: "/g", events: [record(1), record(2)] }, lines), count: 2 })
      expect(pages[0]!.events).toEqual([record(1), record(2)])
    })

    it("reads the records where the text is not in the fast reader's shape (a member more), in time order; no page when there are none", () => {
      const [pages, token] = filterAnswerPage(service, "/g", JSON.stringify({ events: [record(2, { extra: 1 }), record(1, { extra: 1 })], nextToken: null }), 200, lines)
      expect(token).toBeUndefined()
      expect(pages[0]!.lines).toBeUndefined()
      expect(pages[0]!.events.map((e) => e.eventId)).toEqual(["e1", "e2"])
      expect(filterAnswerPage(service, "/g", JSON.stringify({ events: [], searchedLogStreams: [] }), 200, lines)).toEqual([[], undefined])
    })

    it("an answer that is not JSON fails as the SDK's reader would, naming the operation", () => {
      let error: unknown
      try {
        filterAnswerPage(service, "/g", "<html>proxy error</html>", 200, lines)
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({ name: "InvalidAnswer", message: "CloudWatch Logs FilterLogEvents answered with a body that is not JSON", $metadata: { httpStatusCode: 200 } })
    })
  })
})
