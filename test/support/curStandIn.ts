/**
 * A stand-in for the Cost and Usage Report API on 127.0.0.1 (moto has none): answers
 * DescribeReportDefinitions from the definitions it is given, at most MaxResults (<= 5) per page,
 * and refuses requests that are not SigV4-signed for cur/us-east-1 with the JSON 1.1 target.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { ReportDefinition } from "../../src/services/Billing.ts"

export interface CurStandIn {
  readonly endpoint: string
  /** X-Amz-Target and body of every request, in order. */
  readonly requests: Array<{ readonly target: string; readonly body: Record<string, unknown> }>
  readonly close: () => Promise<void>
}

const wire = (d: ReportDefinition) => ({
  ReportName: d.name,
  TimeUnit: d.timeUnit,
  Format: d.format,
  Compression: d.compression,
  AdditionalSchemaElements: d.additionalSchemaElements,
  S3Bucket: d.s3Bucket,
  ...(d.s3Prefix !== undefined ? { S3Prefix: d.s3Prefix } : { S3Prefix: "" }),
  S3Region: d.s3Region,
  AdditionalArtifacts: d.additionalArtifacts,
  ...(d.refreshClosedReports !== undefined ? { RefreshClosedReports: d.refreshClosedReports } : {}),
  ...(d.versioning !== undefined ? { ReportVersioning: d.versioning } : {}),
  ...(d.billingViewArn !== undefined ? { BillingViewArn: d.billingViewArn } : {}),
  ...(d.lastStatus !== undefined || d.lastDelivery !== undefined
    ? { ReportStatus: { lastStatus: d.lastStatus, lastDelivery: d.lastDelivery } }
    : {})
})

export const startCurStandIn = (
  definitions: ReadonlyArray<ReportDefinition>,
  options: { readonly deny?: boolean } = {}
): Promise<CurStandIn> => {
  const requests: CurStandIn["requests"] = []
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "")
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>
      requests.push({ target, body })
      const fail = (status: number, type: string, message: string) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "stand-in" })
        res.end(JSON.stringify({ __type: type, message }))
      }
      const auth = String(req.headers.authorization ?? "")
      if (!/^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/cur\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/.test(auth)) {
        return fail(403, "MissingAuthenticationTokenException", `unsigned request: ${auth}`)
      }
      if (options.deny === true) return fail(400, "com.amazon.coral.service#AccessDeniedException", "User is not authorized to perform: cur:DescribeReportDefinitions")
      if (req.headers["content-type"] !== "application/x-amz-json-1.1") return fail(400, "SerializationException", "not JSON 1.1")
      if (target !== "AWSOrigamiServiceGatewayService.DescribeReportDefinitions") return fail(400, "UnknownOperationException", target)
      const max = typeof body.MaxResults === "number" ? body.MaxResults : 5
      if (max > 5) return fail(400, "ValidationException", "MaxResults must be at most 5")
      const start = typeof body.NextToken === "string" ? Number(body.NextToken) : 0
      const page = definitions.slice(start, start + max)
      const next = start + max < definitions.length ? String(start + max) : undefined
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" })
      res.end(JSON.stringify({ ReportDefinitions: page.map(wire), ...(next !== undefined ? { NextToken: next } : {}) }))
    })
  })
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((done) => server.close(() => done()))
      })
    })
  })
}
