/**
 * The Ec2 service of the ssh family (ssh, scp, tunnel, run): instance lookups (DescribeInstances) as
 * EC2 Query calls signed by hand (awsJson.ts's `signedCall`, through aws.ts's retries and error
 * sorting) with a small XML read of the fields aegea maps, so `aegea ssh` reaches OpenSSH without
 * loading the EC2 SDK client (its client, schemas and protocol code: about a third of the JavaScript
 * `aegea ssh` loaded). Every other Ec2 call goes to Ec2Live, loaded on first use. Where the hand call
 * would not reach the endpoint the SDK would (FIPS or dual-stack endpoints, other partitions,
 * endpoints set in the shared config file, a client or SDK configuration the embedding program
 * provides), the whole service is Ec2Live. `Ec2LaunchOnFirstUse`: Ec2Launch made on first use (the
 * ssh family only asks it for an image's default user, and rarely).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { AwsClients, type AwsEnvironment } from "./AwsClients.ts"
import { idempotent, paginate } from "./aws.ts"
import { type Answer, type JsonService, signedCall, signedCallsFit } from "./awsJson.ts"
import { describeInstancesArea, readDescribeInstancesBytes } from "./ec2Bytes.ts"
import { queryInstance, type QueryInstanceTexts } from "./ec2Mapping.ts"
import { onFirstUse } from "./firstUse.ts"
import { type AwsError } from "../errors.ts"
import { readOptimized } from "../lib/v8Optimize.ts"
import { child, childText, items, itemsOf, parseXml, type XmlElement, type XmlPlan } from "../lib/xmlTree.ts"
import { Ec2, type Instance, type InstanceFilter, resolveInstanceWith } from "../services/Ec2.ts"
import { Ec2Launch } from "../services/Ec2Launch.ts"

/** EC2's Query API in `region` (its AWS endpoint as the SDK's rules give it for the aws and aws-cn partitions). */
export const ec2QueryService = (region: string): JsonService => ({
  service: "EC2",
  signingName: "ec2",
  targetPrefix: "",
  endpoint: `https://ec2.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`,
  endpointEnvId: "EC2",
  region
})

/** The API version the SDK's EC2 client sends. */
const EC2_VERSION = "2016-11-15"

/** Whether the hand-signed call reaches the endpoint the SDK's EC2 client would (awsJson.ts `signedCallsFit`). */
export const queryCallsFit = (env: AwsEnvironment, processEnv: Record<string, string | undefined> = process.env): boolean =>
  signedCallsFit(env, "EC2", processEnv)

/** A Query request body: the action, the version, then the parameters in order, encoded as the SDK encodes them. */
export const queryBody = (action: string, params: ReadonlyArray<readonly [string, string]>): string =>
  [["Action", action], ["Version", EC2_VERSION], ...params].map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&")

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** DescribeInstances' parameters for a filter (as Ec2Live's request, in EC2's Query names). */
export const describeInstancesParams = (filter: InstanceFilter, token: string | undefined): Array<readonly [string, string]> => {
  const filters: Array<readonly [string, ReadonlyArray<string>]> = [
    ...(filter.names && filter.names.length > 0 ? [["tag:Name", filter.names] as const] : []),
    ...Object.entries(filter.tags ?? {}).map(([k, v]) => [`tag:${k}`, v] as const),
    ...(filter.states && filter.states.length > 0 ? [["instance-state-name", filter.states] as const] : []),
    ...Object.entries(filter.filters ?? {})
  ]
  const ids = filter.ids ?? []
  const params: Array<readonly [string, string]> = []
  filters.forEach(([name, values], i) => {
    params.push([`Filter.${i + 1}.Name`, name])
    values.forEach((v, j) => params.push([`Filter.${i + 1}.Value.${j + 1}`, v]))
  })
  ids.forEach((id, i) => params.push([`InstanceId.${i + 1}`, id]))
  if (ids.length === 0) params.push(["MaxResults", "1000"])
  if (token !== undefined) params.push(["NextToken", token])
  return params
}

const present = (s: string | undefined) => (s === undefined || s === "" ? undefined : s)

/** Below an instancesSet `<item>`: the elements instanceTexts reads (the XML names of ec2Mapping's instanceFields). */
const instancePlan: XmlPlan = {
  instanceId: {},
  tagSet: { item: { key: {}, value: {} } },
  instanceState: { name: {} },
  instanceType: {},
  placement: { availabilityZone: {} },
  privateIpAddress: {},
  ipAddress: {},
  dnsName: {},
  privateDnsName: {},
  launchTime: {},
  instanceLifecycle: {},
  iamInstanceProfile: { arn: {} },
  imageId: {},
  vpcId: {},
  subnetId: {},
  keyName: {},
  architecture: {},
  groupSet: { item: { groupName: {}, groupId: {} } }
}

/** Below DescribeInstancesResponse: the instances and the next token (their network interfaces, volumes and the rest are passed over). */
export const describeInstancesPlan: XmlPlan = { reservationSet: { item: { instancesSet: { item: instancePlan } } }, nextToken: {} }

/** One `<item>` of an instancesSet: the texts queryInstance reads. */
const instanceTexts = (i: XmlElement): QueryInstanceTexts => {
  // the first child of each name (what `child` finds), in one pass over the children the plan kept
  let instanceId, tagSet, instanceState, instanceType, placement, privateIpAddress, ipAddress, dnsName, privateDnsName, launchTime,
    instanceLifecycle, iamInstanceProfile, imageId, vpcId, subnetId, keyName, architecture, groupSet: XmlElement | undefined
  for (const c of i.children) {
    switch (c.name) {
      case "instanceId": instanceId ??= c; break
      case "tagSet": tagSet ??= c; break
      case "instanceState": instanceState ??= c; break
      case "instanceType": instanceType ??= c; break
      case "placement": placement ??= c; break
      case "privateIpAddress": privateIpAddress ??= c; break
      case "ipAddress": ipAddress ??= c; break
      case "dnsName": dnsName ??= c; break
      case "privateDnsName": privateDnsName ??= c; break
      case "launchTime": launchTime ??= c; break
      case "instanceLifecycle": instanceLifecycle ??= c; break
      case "iamInstanceProfile": iamInstanceProfile ??= c; break
      case "imageId": imageId ??= c; break
      case "vpcId": vpcId ??= c; break
      case "subnetId": subnetId ??= c; break
      case "keyName": keyName ??= c; break
      case "architecture": architecture ??= c; break
      case "groupSet": groupSet ??= c; break
    }
  }
  return {
    instanceId: instanceId?.text,
    instanceType: instanceType?.text,
    privateIpAddress: privateIpAddress?.text,
    ipAddress: ipAddress?.text,
    dnsName: dnsName?.text,
    privateDnsName: privateDnsName?.text,
    launchTime: launchTime?.text,
    instanceLifecycle: instanceLifecycle?.text,
    imageId: imageId?.text,
    vpcId: vpcId?.text,
    subnetId: subnetId?.text,
    keyName: keyName?.text,
    architecture: architecture?.text,
    stateName: childText(instanceState, "name"),
    availabilityZone: childText(placement, "availabilityZone"),
    profile: iamInstanceProfile === undefined ? undefined : { arn: childText(iamInstanceProfile, "arn") },
    tags: itemsOf(tagSet).map((t) => ({ key: childText(t, "key"), value: childText(t, "value") })),
    groups: itemsOf(groupSet).map((g) => ({ groupName: childText(g, "groupName"), groupId: childText(g, "groupId") }))
  }
}

/** A DescribeInstances answer: its instances, as toInstance maps them, and the next token. */
export const readDescribeInstances = (text: string): readonly [ReadonlyArray<Instance>, string | undefined] => {
  // a large answer (thousands of instances) is read with V8's optimizing compiler on
  const root = readOptimized(text.length, () => parseXml(text, describeInstancesPlan))
  const instances = items(root, "reservationSet").flatMap((r) =>
    items(r, "instancesSet").map((i) => queryInstance(instanceTexts(i)))
  )
  return [instances, present(childText(root, "nextToken"))]
}

/** An error answer as the SDK's EC2 client throws it: name = the code, $fault, $metadata, the raw body kept. */
export const queryAnswerError = (status: number, headers: Pick<Answer, "header">, text: string): Error => {
  let code: string | undefined
  let message: string | undefined
  try {
    const root = parseXml(text)
    const error = child(child(root, "Errors"), "Error") ?? child(root, "Error")
    code = present(childText(error, "Code")?.trim())
    message = childText(error, "Message")
  } catch {
    // not XML: an answer from something else than EC2 (aws.ts says so)
  }
  const error = new Error(code !== undefined ? (message ?? code) : "Unknown")
  return Object.assign(error, {
    name: code ?? "Unknown",
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: headers.header("x-amzn-requestid") ?? headers.header("x-amzn-request-id") ?? headers.header("x-amz-request-id") },
    $response: { statusCode: status, body: text }
  })
}

/** A 2xx answer the reader cannot read, as the SDK reports one (a parser failure: aws.ts sorts it as a foreign or cut answer). */
const readOrFail = <A>(read: (text: string) => A) => (text: string, status: number): A => {
  try {
    return read(text)
  } catch (cause) {
    throw Object.assign(new Error(`EC2 DescribeInstances answered with a body that is not XML: ${(cause as Error).message}`), {
      name: "InvalidAnswer",
      $metadata: { httpStatusCode: status },
      $response: { statusCode: status, body: text }
    })
  }
}

const queryEc2 = Effect.gen(function*() {
  const env = yield* AwsClients
  const service = ec2QueryService(env.region)
  // every other call: Ec2Live (and the SDK's client), made on first use in this layer's scope
  const viaSdk = yield* onFirstUse(Ec2, () => import("./Ec2Live.ts").then((m) => m.Ec2Live), env)
  const sdkStream = <A>(f: (ec2: Ec2["Service"]) => Stream.Stream<A, AwsError>) => Stream.unwrap(Effect.map(viaSdk, f))

  const instances = (filter: InstanceFilter = {}) =>
    paginate((token) =>
      signedCall(
        env,
        service,
        "DescribeInstances",
        { contentType: "application/x-www-form-urlencoded", body: queryBody("DescribeInstances", describeInstancesParams(filter, token)) },
        "list instances",
        idempotent,
        readOrFail(readDescribeInstances),
        queryAnswerError,
        // thousands of instances: read from the answer's bytes, collected into the WebAssembly reader's memory, where it can
        { read: (bytes) => readDescribeInstancesBytes(bytes), area: describeInstancesArea }
      )
    )

  return Ec2.of({
    region: env.region,
    instances,
    resolveInstance: resolveInstanceWith(instances, env.region),
    changeState: (action, ids, options) => Effect.flatMap(viaSdk, (s) => s.changeState(action, ids, options)),
    consoleOutput: (id) => Effect.flatMap(viaSdk, (s) => s.consoleOutput(id)),
    images: (options) => sdkStream((s) => s.images(options)),
    volumes: (options) => sdkStream((s) => s.volumes(options)),
    snapshots: (options) => sdkStream((s) => s.snapshots(options)),
    securityGroupRules: (options) => sdkStream((s) => s.securityGroupRules(options)),
    subnets: (options) => sdkStream((s) => s.subnets(options)),
    vpcs: (options) => sdkStream((s) => s.vpcs(options)),
    keyPairs: () => sdkStream((s) => s.keyPairs()),
    regions: () => sdkStream((s) => s.regions()),
    zones: () => sdkStream((s) => s.zones())
  })
})

/** Ec2 with instance lookups signed by hand (no EC2 SDK client), or Ec2Live where they would not fit. */
export const Ec2QueryLive: Layer.Layer<Ec2, never, AwsClients> = Layer.unwrap(
  Effect.map(AwsClients, (env) =>
    queryCallsFit(env) ? Layer.effect(Ec2, queryEc2) : Layer.unwrap(Effect.promise(() => import("./Ec2Live.ts").then((m) => m.Ec2Live))))
)

/** Ec2Launch (Ec2LaunchLive), made on its first call: a command that never calls it loads no EC2 client for it. */
export const Ec2LaunchOnFirstUse: Layer.Layer<Ec2Launch, never, AwsClients> = Layer.effect(
  Ec2Launch,
  Effect.gen(function*() {
    const live = yield* onFirstUse(Ec2Launch, () => import("./Ec2LaunchLive.ts").then((m) => m.Ec2LaunchLive), yield* AwsClients)
    return Ec2Launch.of({
      findImages: (query) => Effect.flatMap(live, (s) => s.findImages(query)),
      runInstance: (request) => Effect.flatMap(live, (s) => s.runInstance(request)),
      spotPrices: (instanceType, since) => Effect.flatMap(live, (s) => s.spotPrices(instanceType, since)),
      createImage: (request) => Effect.flatMap(live, (s) => s.createImage(request)),
      deregisterImage: (imageId) => Effect.flatMap(live, (s) => s.deregisterImage(imageId)),
      deleteSnapshot: (snapshotId) => Effect.flatMap(live, (s) => s.deleteSnapshot(snapshotId))
    })
  })
)
