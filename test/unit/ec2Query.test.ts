// The ssh family reads instances without the EC2 SDK client (src/layers/Ec2QueryLive.ts) and signs its
// hand-made calls without @smithy/signature-v4 (awsJson.ts signV4): each must give what the SDK gives.
// Here the SDK's own client runs against a canned answer (a request handler in this process, no
// network): the same request parameters, the same instances from the same XML, the same error.
// test/integration/ec2Query.test.ts compares the two layers on moto.
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2"
import { HttpResponse } from "@smithy/core/protocols"
import { SignatureV4 } from "@smithy/signature-v4"
import * as Duration from "effect/Duration"
import { createHash, createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { AwsEnvironment } from "../../src/layers/AwsClients.ts"
import { environmentCredentials } from "../../src/layers/AwsClients.ts"
import { signV4 } from "../../src/layers/awsJson.ts"
import { toInstance } from "../../src/layers/ec2Mapping.ts"
import { describeInstancesParams, queryAnswerError, queryBody, queryCallsFit, readDescribeInstances } from "../../src/layers/Ec2QueryLive.ts"
import type { InstanceFilter } from "../../src/services/Ec2.ts"

interface Seen {
  body?: string
}

/** The SDK's EC2 client answering every request with `status` and `xml`, recording the request body. */
const sdkAnswering = (status: number, xml: string, seen: Seen = {}) =>
  new EC2Client({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: unknown }) => {
        seen.body = String(request.body)
        return { response: new HttpResponse({ statusCode: status, headers: { "content-type": "text/xml;charset=UTF-8" }, body: Buffer.from(xml) }) }
      }
    }
  })

/** What Ec2Live sends for a filter (its toFilters and request, copied from src/layers/Ec2Live.ts). */
const ec2LiveInput = (f: InstanceFilter, token?: string) => {
  const Filters = [
    ...(f.names && f.names.length > 0 ? [{ Name: "tag:Name", Values: [...f.names] }] : []),
    ...Object.entries(f.tags ?? {}).map(([k, v]) => ({ Name: `tag:${k}`, Values: [...v] })),
    ...(f.states && f.states.length > 0 ? [{ Name: "instance-state-name", Values: [...f.states] }] : []),
    ...Object.entries(f.filters ?? {}).map(([k, v]) => ({ Name: k, Values: [...v] }))
  ]
  const ids = f.ids && f.ids.length > 0 ? { InstanceIds: [...f.ids] } : {}
  return { ...ids, ...(Filters.length > 0 ? { Filters } : {}), ...(ids.InstanceIds ? {} : { MaxResults: 1000 }), ...(token ? { NextToken: token } : {}) }
}

const sortedParams = (body: string) => body.split("&").sort()

const EMPTY = `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>`

const instanceXml = (id: string, extra: string) => `<item>
      <instanceId>${id}</instanceId>
      <imageId>ami-0123</imageId>
      <instanceState><code>16</code><name>running</name></instanceState>
      <privateDnsName>ip-10-0-0-5.ec2.internal</privateDnsName>
      <dnsName>ec2-1-2-3-4.compute-1.amazonaws.com</dnsName>
      <reason/>
      <keyName>my key &amp; more</keyName>
      <amiLaunchIndex>0</amiLaunchIndex>
      <instanceType>t3.micro</instanceType>
      <launchTime>2026-11-30T21:16:25.000Z</launchTime>
      <placement><availabilityZone>us-east-1a</availabilityZone><groupName/><tenancy>default</tenancy></placement>
      <monitoring><state>disabled</state></monitoring>
      <subnetId>subnet-1</subnetId>
      <vpcId>vpc-1</vpcId>
      <privateIpAddress>10.0.0.5</privateIpAddress>
      <ipAddress>1.2.3.4</ipAddress>
      <groupSet><item><groupId>sg-1</groupId><groupName>web</groupName></item><item><groupId>sg-2</groupId></item></groupSet>
      <architecture>x86_64</architecture>
      <rootDeviceType>ebs</rootDeviceType>
      <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1</volumeId><status>attached</status></ebs></item></blockDeviceMapping>
      <iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/path/aegea-role</arn><id>AIPA</id></iamInstanceProfile>
      <networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId>
        <groupSet><item><groupId>sg-nested</groupId><groupName>nested</groupName></item></groupSet>
        <tagSet><item><key>nested</key><value>no</value></item></tagSet>
        <privateIpAddress>10.9.9.9</privateIpAddress></item></networkInterfaceSet>
      ${extra}
    </item>`

const DOCUMENT = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1</reservationId>
      <ownerId>123456789012</ownerId>
      <instancesSet>
        ${
  instanceXml(
    "i-0000000000000000a",
    `<tagSet><item><key>Name</key><value>box &lt;1&gt;</value></item><item><key>empty</key><value/></item><item><key>SSHHostPublicKeyPart1</key><value>ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI+/=</value></item><item><key>unicode</key><value>caf&#233; &#x1F600; ü</value></item><item><key>cdata</key><value><![CDATA[a <b> & c]]></value></item><item><key>spaced</key><value>  two  </value></item><item><key>indented</key><value>
          </value></item><item><key>gone</key><value>&nbsp;x</value></item></tagSet>
      <instanceLifecycle>spot</instanceLifecycle>`
  )
}
        <item><instanceId>i-0000000000000000b</instanceId><instanceState><code>80</code><name>stopped</name></instanceState><instanceType>t3.small</instanceType><placement><availabilityZone/></placement><ipAddress></ipAddress><dnsName/><groupSet/><tagSet/></item>
      </instancesSet>
    </item>
    <item><reservationId>r-2</reservationId><instancesSet>${instanceXml("i-0000000000000000c", "")}</instancesSet></item>
  </reservationSet>
  <nextToken>token+/=&amp;x</nextToken>
</DescribeInstancesResponse>`

describe("Ec2QueryLive's DescribeInstances against the SDK's EC2 client", () => {
  it("sends the parameters the SDK sends for every kind of filter, encoded the same", async () => {
    const filters: ReadonlyArray<[InstanceFilter, string | undefined]> = [
      [{}, undefined],
      [{ ids: ["i-0123456789abcdef0"] }, undefined],
      [{ ids: ["i-1", "i-2"], states: ["running"] }, "tok/+="],
      [{ names: ["box"], states: ["pending", "running", "stopping", "stopped", "shutting-down"] }, undefined],
      [{ names: ["a b*?!'()~"], tags: { "team name": ["x&y=z", "ü€"] }, filters: { "dns-name": ["ec2-1-2-3-4.compute-1.amazonaws.com"] } }, "next token"]
    ]
    for (const [filter, token] of filters) {
      const seen: Seen = {}
      await sdkAnswering(200, EMPTY, seen).send(new DescribeInstancesCommand(ec2LiveInput(filter, token)))
      expect(sortedParams(queryBody("DescribeInstances", describeInstancesParams(filter, token))), JSON.stringify(filter)).toStrictEqual(sortedParams(seen.body!))
    }
  })

  it("reads the instances and the next token the SDK reads from the same answer", async () => {
    const sdk = await sdkAnswering(200, DOCUMENT).send(new DescribeInstancesCommand({}))
    const expected = (sdk.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map(toInstance))
    const [instances, next] = readDescribeInstances(DOCUMENT)
    expect(instances).toStrictEqual(expected)
    expect(next).toBe(sdk.NextToken)
    expect(instances.map((i) => i.id)).toStrictEqual(["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"])
    expect(instances[0]!.tags).toMatchObject({ Name: "box <1>", empty: "", cdata: "a <b> & c" })
    expect(instances[0]!.securityGroups).toStrictEqual(["web", "sg-2"])
    expect(readDescribeInstances(EMPTY)).toStrictEqual([[], undefined])
  })

  it("reads what the SDK reads where elements it passes over are jumped over (no comment or CDATA in the answer)", async () => {
    // DOCUMENT has a CDATA section, so its elements passed over are read tag by tag; without it they
    // are jumped over to their end tags (lib/xmlTree.ts), the path of a real answer
    const plain = DOCUMENT.replace("<![CDATA[a <b> & c]]>", "a &lt;b&gt; &amp; c")
    const fixture = readFileSync(new URL("../fixtures/ec2/describeInstances-moto.xml", import.meta.url), "utf8")
    for (const document of [plain, fixture]) {
      const sdk = await sdkAnswering(200, document).send(new DescribeInstancesCommand({}))
      const [instances, next] = readDescribeInstances(document)
      expect(instances).toStrictEqual((sdk.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map(toInstance)))
      expect(next).toBe(sdk.NextToken)
      expect(instances.length).toBeGreaterThan(0)
    }
  })

  it("fails as the SDK fails on an error answer: the same name, message, fault and status", async () => {
    const answers: ReadonlyArray<[number, string]> = [
      [400, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>req-1</RequestID></Response>`],
      [400, `<Response><Errors><Error><Code>InvalidInstanceID.Malformed</Code><Message>Invalid id: "box" &amp; more</Message></Error></Errors><RequestID>req-2</RequestID></Response>`],
      [403, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>req-3</RequestID></Response>`],
      [503, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-4</RequestID></Response>`]
    ]
    for (const [status, xml] of answers) {
      const thrown = await sdkAnswering(status, xml).send(new DescribeInstancesCommand({})).then(() => undefined, (e: unknown) => e as Error & Record<string, any>)
      const ours = queryAnswerError(status, { header: () => undefined }, xml) as Error & Record<string, any>
      expect({ name: ours.name, message: ours.message, fault: ours.$fault, status: ours.$metadata.httpStatusCode, requestId: ours.$metadata.requestId }, xml).toStrictEqual({
        name: thrown?.name,
        message: thrown?.message,
        fault: thrown?.$fault,
        status: thrown?.$metadata.httpStatusCode,
        requestId: thrown?.$metadata.requestId
      })
    }
  })
})

describe("Ec2QueryLive's reach", () => {
  const env = (region: string, extra: Partial<AwsEnvironment> = {}, sdkConfig: Record<string, unknown> = {}): AwsEnvironment => ({
    region,
    profile: undefined,
    endpointUrl: undefined,
    maxAttempts: 1,
    requestTimeout: Duration.seconds(60),
    clientConfig: { region, maxAttempts: 1, credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }), customUserAgent: "aegea/test", ...sdkConfig },
    ...extra
  })
  const none = { AWS_CONFIG_FILE: "/nonexistent/aegea-test-config" }

  it("signs by hand only where that reaches the SDK's endpoint", () => {
    expect(queryCallsFit(env("us-east-1"), none)).toBe(true)
    expect(queryCallsFit(env("cn-north-1"), none)).toBe(true)
    expect(queryCallsFit(env("us-east-1"), { ...none, AWS_USE_FIPS_ENDPOINT: "true" })).toBe(false)
    expect(queryCallsFit(env("us-east-1"), { ...none, AWS_USE_DUALSTACK_ENDPOINT: "true" })).toBe(false)
    expect(queryCallsFit(env("us-gov-west-1"), none)).toBe(false)
    expect(queryCallsFit(env("us-iso-east-1"), none)).toBe(false)
    expect(queryCallsFit(env("us-east-1", { clients: { EC2: {} } }), none)).toBe(false)
    expect(queryCallsFit(env("us-east-1", {}, { requestHandler: {} }), none)).toBe(false)
    // endpoints in the shared config file (endpoint_url, a services section) are the SDK's to read
    expect(queryCallsFit(env("us-east-1"), { AWS_CONFIG_FILE: new URL("../fixtures/aws-config-endpoints", import.meta.url).pathname })).toBe(false)
    expect(queryCallsFit(env("us-east-1"), { ...none, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })).toBe(false)
    expect(queryCallsFit(env("us-east-1"), { AWS_CONFIG_FILE: new URL("../fixtures/aws-config-fips", import.meta.url).pathname })).toBe(false)
  })
})

describe("signV4 against @smithy/signature-v4", () => {
  const bytes = (d: string | ArrayBuffer | ArrayBufferView) =>
    typeof d === "string" ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength)
  // what awsJson.ts gave SignatureV4 before: SHA-256 over node:crypto
  class Sha256 {
    private hash
    constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
      this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret))
    }
    update(data: string | ArrayBuffer | ArrayBufferView) {
      this.hash.update(bytes(data))
    }
    digest() {
      return Promise.resolve(new Uint8Array(this.hash.digest()))
    }
  }

  it("makes the same headers, signature included", async () => {
    const when = new Date("2026-11-30T21:16:25.123Z")
    const cases = [
      { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }, path: "/", body: "Action=DescribeInstances&Version=2016-11-15" },
      {
        credentials: { accessKeyId: "ASIA", secretAccessKey: "s", sessionToken: "token/with+chars==" },
        path: "/a/./b/../c d/",
        body: JSON.stringify({ Target: "i-0123", Parameters: { portNumber: ["22"] } })
      },
      { credentials: { accessKeyId: "A", secretAccessKey: "S" }, path: "", body: "" }
    ]
    for (const { credentials, path, body } of cases) {
      const headers = {
        host: "ssm.eu-west-1.amazonaws.com",
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AmazonSSM.StartSession",
        "user-agent": "aegea/1.0  (spaces)",
        "X-Custom": "  a   b\tc  "
      }
      const sdk = await new SignatureV4({ service: "ssm", region: "eu-west-1", credentials, sha256: Sha256 }).sign(
        { method: "POST", protocol: "https:", hostname: "ssm.eu-west-1.amazonaws.com", path, query: {}, headers, body },
        { signingDate: when }
      )
      expect(signV4({ method: "POST", path, headers, body }, credentials, { region: "eu-west-1", service: "ssm" }, when)).toStrictEqual(sdk.headers)
    }
  })
})

describe("environmentCredentials", () => {
  it("answers as the SDK's fromEnv when there are keys and no profile, and leaves the rest to the chain", async () => {
    const env = { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "tok", AWS_CREDENTIAL_EXPIRATION: "2030-01-01T00:00:00Z", AWS_ACCOUNT_ID: "123456789012" }
    const { fromEnv } = await import("@aws-sdk/credential-provider-env")
    const saved = { ...process.env }
    Object.assign(process.env, env)
    try {
      expect(await environmentCredentials(undefined, env)!()).toStrictEqual(await fromEnv()())
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k]
    }
    expect(environmentCredentials("dev", env)).toBeUndefined()
    expect(environmentCredentials(undefined, { AWS_ACCESS_KEY_ID: "AKID" })).toBeUndefined()
  })
})
