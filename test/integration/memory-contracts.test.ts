/**
 * The contracts of the smaller in-memory layers (Iam, Ec2Network, S3, Ec2Launch, Ssm, Cost Explorer,
 * EC2 Instance Connect; test/contract/*.ts) on the live layers against moto, each layer built once:
 * one file, so the aws project pays for its imports and a moto reset once. Their memory side is
 * test/unit/memory-contracts.test.ts.
 */
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2"
import { CreateGroupCommand, CreateUserCommand, GetGroupPolicyCommand, GetInstanceProfileCommand, GetRolePolicyCommand, GetUserPolicyCommand, IAMClient } from "@aws-sdk/client-iam"
import { CreateBucketCommand, GetBucketEncryptionCommand, GetBucketPolicyCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { Layer, ManagedRuntime } from "effect"
import { afterAll } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { CostExplorerLive } from "../../src/layers/CostExplorerLive.ts"
import { Ec2InstanceConnectLive } from "../../src/layers/Ec2InstanceConnectLive.ts"
import { Ec2LaunchLive } from "../../src/layers/Ec2LaunchLive.ts"
import { Ec2Live } from "../../src/layers/Ec2Live.ts"
import { Ec2NetworkLive } from "../../src/layers/Ec2NetworkLive.ts"
import { IamIdentityLive, IamLive } from "../../src/layers/IamLive.ts"
import { S3Live } from "../../src/layers/S3Live.ts"
import { SsmLive } from "../../src/layers/SsmLive.ts"
import type { CostPeriod } from "../../src/services/CostExplorer.ts"
import type { PolicyDocument } from "../../src/services/Iam.ts"
import { costExplorerContract } from "../contract/costExplorer.ts"
import { ec2InstanceConnectContract } from "../contract/ec2InstanceConnect.ts"
import { ec2LaunchContract } from "../contract/ec2Launch.ts"
import { ec2NetworkContract } from "../contract/ec2Network.ts"
import { iamContract } from "../contract/iam.ts"
import { s3Contract } from "../contract/s3.ts"
import { ssmContract } from "../contract/ssm.ts"
import { motoEndpoint, sdkConfig, TEST_AMI, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

const live = () => AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })

/** The live layer built once (one SDK client, one STS call), kept open until the file ends. */
const runtimes: Array<ManagedRuntime.ManagedRuntime<never, never>> = []
afterAll(() => Promise.all(runtimes.map((r) => r.dispose())))
const built = async <R>(layer: Layer.Layer<R>): Promise<Layer.Layer<R>> => {
  const runtime = ManagedRuntime.make(layer)
  runtimes.push(runtime as unknown as ManagedRuntime.ManagedRuntime<never, never>)
  return Layer.succeedContext(await runtime.context())
}
/** `built`, once for the file: every test of a contract shares the layer (and its client). */
const once = <R>(make: () => Layer.Layer<R>): () => Promise<Layer.Layer<R>> => {
  let layer: Promise<Layer.Layer<R>> | undefined
  return () => (layer ??= built(make()))
}

// --- Iam ---------------------------------------------------------------------------------------

const parse = (text: string | undefined): PolicyDocument | undefined =>
  text === undefined ? undefined : JSON.parse(decodeURIComponent(text)) as PolicyDocument

const iamLayer = once(() => Layer.mergeAll(IamLive, IamIdentityLive).pipe(Layer.provide(live())))

iamContract("live on moto", {
  make: async (seed) => {
    const client = new IAMClient(sdkConfig())
    for (const UserName of seed.users ?? []) await client.send(new CreateUserCommand({ UserName }))
    for (const GroupName of seed.groups ?? []) await client.send(new CreateGroupCommand({ GroupName }))
    const orNone = <A>(p: Promise<A>) => p.catch((e: { name?: string }) => (e.name === "NoSuchEntityException" ? undefined : Promise.reject(e)))
    return {
      layer: await iamLayer(),
      inlinePolicy: async (principal, PolicyName) => {
        switch (principal.kind) {
          case "role":
            return parse((await orNone(client.send(new GetRolePolicyCommand({ RoleName: principal.name, PolicyName }))))?.PolicyDocument)
          case "user":
            return parse((await orNone(client.send(new GetUserPolicyCommand({ UserName: principal.name, PolicyName }))))?.PolicyDocument)
          case "group":
            return parse((await orNone(client.send(new GetGroupPolicyCommand({ GroupName: principal.name, PolicyName }))))?.PolicyDocument)
        }
      },
      profileRoles: async (InstanceProfileName) =>
        ((await client.send(new GetInstanceProfileCommand({ InstanceProfileName }))).InstanceProfile?.Roles ?? []).map((r) => r.RoleName ?? "")
    }
  }
})

// --- Ec2Network --------------------------------------------------------------------------------

// "No default VPC" runs in memory only: on moto it means deleting a region's default VPC, its six
// subnets and its gateway (0.6 s) to check one ResourceNotFound.
ec2NetworkContract("live on moto", {
  make: once(() => Ec2NetworkLive.pipe(Layer.provide(live())))
})

// --- S3 ----------------------------------------------------------------------------------------

const s3Layer = once(() => S3Live.pipe(Layer.provide(live())))

s3Contract("live on moto", {
  make: async () => {
    const client = new S3Client({ ...sdkConfig(), forcePathStyle: true })
    return {
      layer: await s3Layer(),
      put: async (Bucket, Key, Body) => {
        await client.send(new CreateBucketCommand({ Bucket })).catch((e: { name?: string }) =>
          e.name === "BucketAlreadyOwnedByYou" ? undefined : Promise.reject(e)
        )
        await client.send(new PutObjectCommand({ Bucket, Key, Body }))
      },
      policy: async (Bucket) => {
        const r = await client.send(new GetBucketPolicyCommand({ Bucket })).catch((e: { name?: string }) =>
          e.name === "NoSuchBucketPolicy" ? undefined : Promise.reject(e)
        )
        return r?.Policy === undefined ? undefined : JSON.parse(r.Policy)
      },
      sseS3: async (Bucket) => {
        const r = await client.send(new GetBucketEncryptionCommand({ Bucket }))
        return (r.ServerSideEncryptionConfiguration?.Rules ?? []).some((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === "AES256")
      }
    }
  }
})

// --- Ec2Launch ---------------------------------------------------------------------------------

const launchLayer = once(() => Layer.mergeAll(Ec2LaunchLive, Ec2Live).pipe(Layer.provide(live())))

/** The default VPC's first subnet and a security group of that VPC, made once for the file. */
let launchFixture: Promise<{ readonly subnetId: string; readonly securityGroup: { readonly id: string; readonly name: string } }> | undefined
const makeLaunchFixture = async () => {
  const ec2 = new EC2Client(sdkConfig())
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }))).Vpcs?.[0]?.VpcId ?? ""
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }] }))).Subnets ?? []
  const name = `contract-launch-${Date.now()}`
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, VpcId: vpc, Description: "contract" }))
  return { subnetId: subnets.map((s) => s.SubnetId ?? "").sort()[0] ?? "", securityGroup: { id: group.GroupId ?? "", name } }
}

ec2LaunchContract("live on moto", {
  // moto launches a second instance for a repeated ClientToken (Ec2LaunchLive tags each request to find its instance).
  honoursClientToken: false,
  make: async () => ({ layer: await launchLayer(), imageId: TEST_AMI, ...(await (launchFixture ??= makeLaunchFixture())) })
})

// --- Ssm ---------------------------------------------------------------------------------------

// moto lacks DescribeInstanceInformation (agentInfo) and CancelCommand; it accepts any instance id
// and runs nothing: every invocation is Success at once, with no output.
const ssmLayer = once(() => SsmLive.pipe(Layer.provide(live())))

ssmContract("live on moto", {
  cancels: false,
  make: async () => ({ layer: await ssmLayer(), instanceId: "i-0c0ffee0000000001", otherInstanceId: "i-0c0ffee0000000002" })
})

// --- Cost Explorer -----------------------------------------------------------------------------

/** A period as GetCostAndUsage returns it (metric UnblendedCost). */
const resultByTime = (p: CostPeriod) => ({
  TimePeriod: { Start: p.start, End: p.end },
  Estimated: p.estimated,
  Total: p.total === undefined ? {} : { UnblendedCost: { Amount: p.total.amount, Unit: p.total.unit } },
  Groups: p.groups.map((g) => ({ Keys: [...g.keys], Metrics: { UnblendedCost: { Amount: g.amount.amount, Unit: g.amount.unit } } }))
})

// moto answers each new query with the next queued result (NextPageToken makes the next page a new
// query); it validates nothing and lacks GetCostForecast.
const costLayer = once(() => CostExplorerLive.pipe(Layer.provide(live())))

costExplorerContract("live on moto", {
  validates: false,
  forecasts: false,
  make: async ({ pages = [] }) => {
    if (pages.length > 0) {
      const results = pages.map((periods, i) => ({
        ResultsByTime: periods.map(resultByTime),
        DimensionValueAttributes: [],
        ...(i + 1 < pages.length ? { NextPageToken: `page-${i + 2}` } : {})
      }))
      const res = await fetch(`${motoEndpoint()}/moto-api/static/ce/cost-and-usage-results`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ results })
      })
      if (res.status !== 201) throw new Error(`queueing cost results: HTTP ${res.status}`)
    }
    return costLayer()
  }
})

// --- EC2 Instance Connect ----------------------------------------------------------------------

// moto accepts any instance and user (AWS checks both); its IAM GetUser answers default_user.
const eicLayer = once(() => Ec2InstanceConnectLive.pipe(Layer.provide(live())))

ec2InstanceConnectContract("live on moto", {
  callerName: "default_user",
  make: async () => ({ layer: await eicLayer(), instanceId: "i-0c0ffee0000000001" })
})
