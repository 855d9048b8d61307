/** `aegea launch` through the real parser and the live layers, against moto. */
import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  type Instance
} from "@aws-sdk/client-ec2"
import { GetRolePolicyCommand, IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from "@aws-sdk/client-iam"
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm"
import { NodeServices } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { afterAll, assert, describe, it } from "vitest"
import { parse } from "yaml"
import { globalFlags } from "../../src/commands/global.ts"
import { launchCommand } from "../../src/commands/launch.ts"
import { cliSummary } from "../../src/commands/remedies.ts"
import type { AegeaError } from "../../src/errors.ts"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2Live } from "../../src/layers/Ec2Live.ts"
import { Ec2NetworkLive } from "../../src/layers/Ec2NetworkLive.ts"
import { Ec2LaunchLive } from "../../src/layers/Ec2LaunchLive.ts"
import { IamIdentityLive, IamLive } from "../../src/layers/IamLive.ts"
import { SsmLive } from "../../src/layers/SsmLive.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { ec2Client, motoEndpoint, sdkConfig, TEST_AMI, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto({ each: true })

const ec2 = ec2Client()
const iam = new IAMClient(sdkConfig())
const ssm = new SSMClient(sdkConfig())
afterAll(() => {
  ec2.destroy()
  iam.destroy()
  ssm.destroy()
})

const root = Command.make("aegea").pipe(Command.withSubcommands([launchCommand]), Command.withGlobalFlags(globalFlags))

/** Run `aegea launch ...args` on the live layers; returns what it printed (JSON). */
const launch = async (args: ReadonlyArray<string>, config: Record<string, unknown> = {}) => {
  const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
  const live = Layer.mergeAll(Ec2Live, Ec2LaunchLive, Ec2NetworkLive, IamLive, IamIdentityLive, SsmLive).pipe(Layer.provide(env))
  const layers = Layer.mergeAll(
    NodeServices.layer,
    live,
    OutputTest.layer({ format: "json" }),
    layerFromValue({ launch: { instance_type: "t3.micro", ...config } })
  )
  return Effect.runPromise(
    Effect.gen(function*() {
      yield* Command.runWith(root, { version: "test" })(["launch", ...args])
      return yield* (yield* OutputCapture).stdoutText
    }).pipe(Effect.provide(layers))
  )
}

/** The error a launch failed with (undefined when it succeeded). */
const failureOf = (run: Promise<unknown>) => run.then(() => undefined, (e: unknown) => e as { _tag: string; summary: string })

const instanceNamed = async (name: string): Promise<Instance | undefined> => {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: [name] }] }))
  return r.Reservations?.flatMap((x) => x.Instances ?? [])[0]
}
const tagsOf = (i: Instance | undefined) => Object.fromEntries((i?.Tags ?? []).map((t) => [t.Key, t.Value]))

describe("aegea launch on moto", () => {
  it("--amazon-linux-ami: the AL2023 SSM parameter, tags with the host key, SG without ingress, IAM profile, cloud-init user data", async () => {
    const printed = JSON.parse(await launch(["box", "--amazon-linux-ami", "--no-wait", "--tags", "team=ml"])) as Array<Record<string, string>>
    const instance = await instanceNamed("box")
    assert.strictEqual(printed[0]?.id, instance?.InstanceId)
    assert.strictEqual(instance?.ImageId, "ami-0ed094fb1304fd857")
    const tags = tagsOf(instance)
    assert.strictEqual(tags.team, "ml")
    assert.strictEqual(tags.Owner, "moto")
    assert.match(tags.SSHHostPublicKeyPart1 ?? "", /^ssh-ed25519 /)
    assert.include(instance?.IamInstanceProfile?.Arn ?? "", "aegea.launch")
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["aegea.launch"] }] }))
    assert.strictEqual(groups.SecurityGroups?.length, 1)
    assert.deepStrictEqual(groups.SecurityGroups?.[0]?.IpPermissions ?? [], [])
    assert.deepStrictEqual(instance?.SecurityGroups?.map((g) => g.GroupName), ["aegea.launch"])
    const attribute = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instance!.InstanceId!, Attribute: "userData" }))
    const userData = Buffer.from(attribute.UserData?.Value ?? "", "base64").toString("utf8")
    assert.isTrue(userData.startsWith("#cloud-config\n"))
    const config = parse(userData) as { ssh_keys: Record<string, string> }
    assert.strictEqual(config.ssh_keys.ed25519_public, (tags.SSHHostPublicKeyPart1 ?? "") + (tags.SSHHostPublicKeyPart2 ?? ""))
    assert.notMatch(userData, /AKIA|ASIA|testing/)
  })

  it("--ami NAME finds an own image; by default the newest own image tagged by aegea", async () => {
    await launch(["builder", "--ami", TEST_AMI, "--no-wait", "--iam-role", ""])
    const builder = await instanceNamed("builder")
    const made = await ec2.send(new CreateImageCommand({ InstanceId: builder!.InstanceId!, Name: "team-image-2025" }))
    await launch(["by-name", "--ami", "team-image-*", "--no-wait"])
    assert.strictEqual((await instanceNamed("by-name"))?.ImageId, made.ImageId)
    const none = await failureOf(launch(["none-yet", "--no-wait"]))
    assert.strictEqual(none?._tag, "ResourceNotFound")
    // the library's hint is neutral; the CLI's rendering names the flags
    assert.notInclude(none?.summary, "--")
    assert.include(cliSummary(none as unknown as AegeaError), "--ubuntu-linux-ami")
    await ec2.send(new CreateTagsCommand({ Resources: [made.ImageId!], Tags: [{ Key: "AegeaVersion", Value: "3.0" }, { Key: "Owner", Value: "moto" }] }))
    await launch(["by-default", "--no-wait"])
    assert.strictEqual((await instanceNamed("by-default"))?.ImageId, made.ImageId)
    const image = await ec2.send(new DescribeImagesCommand({ ImageIds: [made.ImageId!] }))
    assert.strictEqual(image.Images?.[0]?.Architecture, "x86_64")
  })

  it("--ubuntu-linux-ami through an injected parameter prefix", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/test/canonical/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", Value: TEST_AMI, Type: "String" }))
    await launch(["noble", "--ubuntu-linux-ami", "--no-wait"], { ubuntu_ssm_parameter_prefix: "/test/canonical" })
    assert.strictEqual((await instanceNamed("noble"))?.ImageId, TEST_AMI)
  })

  it("--spot launches a spot instance in the cheapest zone with a subnet", async () => {
    const printed = JSON.parse(await launch(["cheap", "--amazon-linux-ami", "--spot", "--no-wait"])) as Array<Record<string, string>>
    const instance = await instanceNamed("cheap")
    assert.strictEqual(instance?.InstanceLifecycle, "spot")
    assert.strictEqual(printed[0]?.lifecycle, "spot")
    assert.match(instance?.Placement?.AvailabilityZone ?? "", /^us-east-1[a-f]$/)
  })

  it("--storage resizes the root and adds an encrypted gp3 volume", async () => {
    await launch(["disks", "--amazon-linux-ami", "--storage", "/=30", "--storage", "/data=50", "--no-wait"])
    const instance = await instanceNamed("disks")
    const mappings = Object.fromEntries((instance?.BlockDeviceMappings ?? []).map((m) => [m.DeviceName, m.Ebs?.VolumeId]))
    const volumes = await ec2.send(new DescribeVolumesCommand({ VolumeIds: Object.values(mappings).filter((v): v is string => !!v) }))
    const byId = new Map((volumes.Volumes ?? []).map((v) => [v.VolumeId, v]))
    const root = byId.get(mappings[instance?.RootDeviceName ?? "/dev/xvda"])
    const data = byId.get(mappings["/dev/xvdz"])
    assert.strictEqual(root?.Size, 30)
    assert.strictEqual(data?.Size, 50)
    assert.strictEqual(data?.VolumeType, "gp3")
    assert.isTrue(data?.Encrypted)
  })

  it("--dry-run prints the requests and creates nothing: no instance, no security group, no role", async () => {
    const printed = JSON.parse(await launch(["dry", "--amazon-linux-ami", "--dry-run"])) as { RunInstances: { ImageId: string; UserData: string } }
    assert.strictEqual(printed.RunInstances.ImageId, "ami-0ed094fb1304fd857")
    assert.notInclude(printed.RunInstances.UserData, "PRIVATE KEY")
    assert.isUndefined(await instanceNamed("dry"))
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["aegea.launch"] }] }))
    assert.deepStrictEqual(groups.SecurityGroups, [])
    const roles = await iam.send(new ListRolesCommand({}))
    assert.isFalse((roles.Roles ?? []).some((r) => r.RoleName === "aegea.launch"))
  })

  it("creates the IAM role and instance profile once across two launches; a duplicate name is refused", async () => {
    await launch(["first", "--amazon-linux-ami", "--no-wait"])
    await launch(["second", "--amazon-linux-ami", "--no-wait"])
    const roles = (await iam.send(new ListRolesCommand({}))).Roles ?? []
    assert.strictEqual(roles.filter((r) => r.RoleName === "aegea.launch").length, 1)
    const profiles = (await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? []
    assert.deepStrictEqual(profiles.filter((p) => p.InstanceProfileName === "aegea.launch").map((p) => p.Roles?.map((r) => r.RoleName)), [["aegea.launch"]])
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: "aegea.launch", PolicyName: "aegea.launch.ssm" }))
    assert.include(decodeURIComponent(policy.PolicyDocument ?? ""), "ssmmessages:OpenDataChannel")
    const duplicate = await failureOf(launch(["first", "--amazon-linux-ami", "--no-wait"]))
    assert.strictEqual(duplicate?._tag, "OperationFailed")
    assert.include(duplicate?.summary, "an instance named first already exists")
  })
})
