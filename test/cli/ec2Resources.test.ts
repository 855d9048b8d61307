// `aegea rm`, `aegea rename` and `aegea ebs` as a user runs them (dist/aegea.js), against moto.
import {
  CreateImageCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand
} from "@aws-sdk/client-ec2"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, sdkConfig, seedInstances, useMoto } from "../support/moto.ts"

useMoto({ each: true })

const ec2 = () => ec2Client()
const volumeExists = async (id: string) =>
  ((await ec2().send(new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: [id] }] }))).Volumes ?? []).length > 0
const newVolume = async (size = 2) => (await ec2().send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: size }))).VolumeId!
const nameOf = async (id: string) =>
  (await ec2().send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.Tags?.find((t) =>
    t.Key === "Name"
  )?.Value

describe("aegea rm", () => {
  it("is a dry run by default; --force refuses without --yes; -f -y deletes", async () => {
    const vol = await newVolume()
    const dry = await runCli(["rm", vol])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/ID\s+KIND\s+NAME\s+ALSO DELETES\s+RESULT/)
    expect(dry.stdout).toContain("would delete")
    expect(dry.stderr).toContain("run again with --force (-f)")
    expect(await volumeExists(vol)).toBe(true)
    const explicit = await runCli(["rm", vol, "--dry-run", "--json"])
    expect(JSON.parse(explicit.stdout)).toEqual([{ id: vol, kind: "volume", name: null, alsoDeletes: null, result: "would delete" }])
    expect(await volumeExists(vol)).toBe(true)

    const refused = await runCli(["rm", vol, "--force"])
    expect(refused.code).toBe(2)
    expect(refused.stderr.trim()).toBe(`aegea: refusing to delete resource ${vol} without --yes: no terminal to ask on. Pass --yes to confirm`)
    expect(await volumeExists(vol)).toBe(true)

    const done = await runCli(["rm", vol, "-f", "-y", "--json"])
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toEqual([{ id: vol, kind: "volume", name: null, alsoDeletes: null, result: "deleted" }])
    expect(await volumeExists(vol)).toBe(false)
  })

  it("unknown prefixes are a usage error naming the known ones; a missing id is exit 5; --force with --dry-run is exit 2", async () => {
    const unknown = await runCli(["rm", "web-1"])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain(`cannot tell what "web-1" is from the id`)
    expect(unknown.stderr).toContain("sg- (security group)")
    expect(unknown.stderr).toContain("--key-pair")
    const missing = await runCli(["rm", "vol-0123456789abcdef0"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain(`no volume named "vol-0123456789abcdef0"`)
    expect((await runCli(["rm", "vol-0123456789abcdef0", "--force", "--dry-run"])).code).toBe(2)
  })

  it("a VPC with a subnet and a security group is refused, naming them; without them it is deleted", async () => {
    const vpcId = (await ec2().send(new CreateVpcCommand({ CidrBlock: "10.7.0.0/16" }))).Vpc!.VpcId!
    const subnetId = (await ec2().send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.7.1.0/24" }))).Subnet!.SubnetId!
    const groupId = (await ec2().send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "app", Description: "app" }))).GroupId!
    const blocked = await runCli(["rm", vpcId, "-f", "-y"])
    expect(blocked.code).toBe(1)
    expect(blocked.stderr).toContain(`VPC ${vpcId} cannot be deleted while it has subnet ${subnetId}, security group ${groupId}`)
    const both = await runCli(["rm", subnetId, groupId, "-f", "-y", "--json"])
    expect(both.code, both.stderr).toBe(0)
    expect((JSON.parse(both.stdout) as Array<{ kind: string }>).map((r) => r.kind)).toEqual(["subnet", "security group"])
    expect(
      (await ec2().send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).SecurityGroups?.filter((g) =>
        g.GroupName === "app"
      )
    ).toEqual([])
    const done = await runCli(["rm", vpcId, "-f", "-y"])
    expect(done.code, done.stderr).toBe(0)
    expect((await ec2().send(new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).Vpcs).toEqual([])
  })

  it("an AMI is deregistered and its snapshots deleted; key pairs go by name with --key-pair", async () => {
    const [instanceId] = await seedInstances(1, { names: ["imaged"] })
    const imageId = (await ec2().send(new CreateImageCommand({ InstanceId: instanceId!, Name: "to-remove" }))).ImageId!
    const image = (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]
    const snapshots = (image?.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : []))
    expect(snapshots.length).toBeGreaterThan(0)
    const dry = await runCli(["rm", imageId, "--json"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toEqual([{
      id: imageId,
      kind: "AMI",
      name: "to-remove",
      alsoDeletes: snapshots.join(", "),
      result: "would delete"
    }])
    const done = await runCli(["rm", imageId, "-f", "-y"])
    expect(done.code, done.stderr).toBe(0)
    expect((await ec2().send(new DescribeImagesCommand({ Owners: ["self"] }))).Images?.map((i) => i.ImageId)).not.toContain(imageId)
    const left = (await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots?.map((s) => s.SnapshotId) ?? []
    for (const s of snapshots) expect(left).not.toContain(s)

    await ec2().send(new CreateKeyPairCommand({ KeyName: "old-laptop" }))
    expect((await runCli(["rm", "--key-pair", "nope", "-f", "-y"])).code).toBe(5)
    const key = await runCli(["rm", "--key-pair", "old-laptop", "-f", "-y", "--json"])
    expect(key.code, key.stderr).toBe(0)
    expect(JSON.parse(key.stdout)).toEqual([{ id: "old-laptop", kind: "key pair", name: null, alsoDeletes: null, result: "deleted" }])
    expect((await ec2().send(new DescribeKeyPairsCommand({}))).KeyPairs?.map((k) => k.KeyName)).not.toContain("old-laptop")
  })

  it("snapshots are deleted by id", async () => {
    const vol = await newVolume()
    const snap = (await ec2().send(new CreateSnapshotCommand({ VolumeId: vol }))).SnapshotId!
    const done = await runCli(["rm", snap, "-f", "-y"])
    expect(done.code, done.stderr).toBe(0)
    expect((await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots?.map((s) => s.SnapshotId)).not.toContain(snap)
  })
})

describe("aegea rm: load balancers, Lambda functions and IAM access keys", () => {
  it("looks them up in a dry run, and deletes them with -f -y (by ARN, by name, by key id)", async () => {
    const { CreateLoadBalancerCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } = await import(
      "@aws-sdk/client-elastic-load-balancing-v2"
    )
    const { CreateFunctionCommand, LambdaClient, ListFunctionsCommand } = await import("@aws-sdk/client-lambda")
    const { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } = await import(
      "@aws-sdk/client-iam"
    )
    const { DescribeSubnetsCommand } = await import("@aws-sdk/client-ec2")
    const config = sdkConfig()
    const elb = new ElasticLoadBalancingV2Client(config)
    const lambda = new LambdaClient(config)
    const iam = new IAMClient(config)
    try {
      const subnets = (await ec2().send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))).Subnets ?? []
      const arn = (await elb.send(new CreateLoadBalancerCommand({ Name: "old-lb", Subnets: subnets.slice(0, 2).map((s) => s.SubnetId!) })))
        .LoadBalancers![0]!.LoadBalancerArn!
      const role = (await iam.send(new CreateRoleCommand({ RoleName: "fn-role", AssumeRolePolicyDocument: "{}" }))).Role!.Arn!
      // The smallest zip archive: an end-of-central-directory record and nothing else.
      const zip = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)])
      await lambda.send(new CreateFunctionCommand({ FunctionName: "old-fn", Runtime: "python3.12", Role: role, Handler: "x.handler", Code: { ZipFile: zip } }))
      await iam.send(new CreateUserCommand({ UserName: "leaver" }))
      const keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: "leaver" }))).AccessKey!.AccessKeyId!
      expect(keyId).toMatch(/^AKIA[A-Z0-9]{16}$/)

      const dry = await runCli(["rm", arn, keyId, "--json"])
      expect(dry.code, dry.stderr).toBe(0)
      expect((JSON.parse(dry.stdout) as Array<{ kind: string; name: string | null; result: string }>).map((r) => [r.kind, r.name, r.result]))
        .toEqual([["load balancer", "old-lb", "would delete"], ["IAM access key", null, "would delete"]])
      expect((await runCli(["rm", "--lambda", "old-fn"])).code).toBe(0)
      expect((await runCli(["rm", "--lambda", "--elb", "old-fn"])).code).toBe(2)

      const done = await runCli(["rm", arn, keyId, "-f", "-y"])
      expect(done.code, done.stderr).toBe(0)
      expect((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).toEqual([])
      expect((await iam.send(new ListAccessKeysCommand({ UserName: "leaver" }))).AccessKeyMetadata ?? []).toEqual([])
      expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName)).toContain("old-fn")
      const fn = await runCli(["rm", "--lambda", "old-fn", "-f", "-y", "--json"])
      expect(fn.code, fn.stderr).toBe(0)
      expect((JSON.parse(fn.stdout) as Array<{ kind: string; name: string }>)[0]).toMatchObject({ kind: "Lambda function", name: "old-fn" })
      expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName) ?? []).not.toContain("old-fn")
      expect((await runCli(["rm", "--lambda", "old-fn"])).code).toBe(5)
    } finally {
      elb.destroy()
      lambda.destroy()
      iam.destroy()
    }
  })
})

describe("aegea rename", () => {
  it("renames by name or id; refuses a taken name (exit 1) and a bad one (exit 2); --dry-run changes nothing", async () => {
    const [one, two] = await seedInstances(2, { names: ["web-1", "web-2"] })
    const dry = await runCli(["rename", "web-1", "web-9", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain("would succeed")
    expect(await nameOf(one!)).toBe("web-1")
    const done = await runCli(["rename", "web-1", "web-9", "--json"])
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toEqual([{ id: one, previousName: "web-1", name: "web-9" }])
    expect(await nameOf(one!)).toBe("web-9")
    const taken = await runCli(["rename", one!, "web-2"])
    expect(taken.code).toBe(1)
    expect(taken.stderr).toContain(`an instance named web-2 already exists (${two}, running)`)
    const bad = await runCli(["rename", "web-9", "bad_name"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`invalid instance name "bad_name"`)
    expect((await runCli(["rename", "nobody", "web-3"])).code).toBe(5)
    expect(await nameOf(one!)).toBe("web-9")
  })
})

describe("aegea ebs", () => {
  it("create --attach --wait, list (ebs, ebs ls, volumes), snapshot, modify, detach, attach --dry-run", async () => {
    const [instanceId] = await seedInstances(1, { names: ["host"] })
    const created = await runCli(["ebs", "create", "--size-gb", "10", "--instance", "host", "--name", "data", "--attach", "--wait", "--json"])
    expect(created.code, created.stderr).toBe(0)
    const [volume] = JSON.parse(created.stdout) as Array<{ id: string; state: string; attachedTo: string; sizeGiB: number; name: string; type: string }>
    expect(volume).toMatchObject({ state: "in-use", attachedTo: instanceId, sizeGiB: 10, name: "data", type: "gp3" })
    const attachment = (await ec2().send(new DescribeVolumesCommand({ VolumeIds: [volume!.id] }))).Volumes?.[0]?.Attachments?.[0]
    expect(attachment?.Device).toBe("/dev/xvdf")

    const table = await runCli(["ebs"])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/^NAME\s+ID\s+STATE\s+SIZE \(GiB\)/)
    expect(table.stdout).toContain(volume!.id)
    const ls = JSON.parse((await runCli(["ebs", "ls", "--json"])).stdout) as Array<{ id: string }>
    const volumes = JSON.parse((await runCli(["volumes", "--json"])).stdout) as Array<{ id: string }>
    expect(ls.map((v) => v.id).sort()).toEqual(volumes.map((v) => v.id).sort())
    expect(ls.map((v) => v.id)).toContain(volume!.id)

    const snap = await runCli(["ebs", "snapshot", volume!.id, "--name", "before", "--wait", "--json"])
    expect(snap.code, snap.stderr).toBe(0)
    const [snapshot] = JSON.parse(snap.stdout) as Array<{ id: string; volumeId: string; name: string; state: string }>
    expect(snapshot).toMatchObject({ volumeId: volume!.id, name: "before", state: "completed" })
    const snapshots = JSON.parse((await runCli(["ebs", "snapshots", "--json"])).stdout) as Array<{ id: string }>
    expect(snapshots.map((s) => s.id)).toContain(snapshot!.id)

    const grown = await runCli(["ebs", "modify", volume!.id, "--size-gb", "20", "--json"])
    expect(grown.code, grown.stderr).toBe(0)
    expect((JSON.parse(grown.stdout) as Array<{ sizeGiB: number }>)[0]?.sizeGiB).toBe(20)
    expect((await runCli(["ebs", "modify", volume!.id])).code).toBe(2)

    const detached = await runCli(["ebs", "detach", volume!.id, "--force", "--wait", "--json"])
    expect(detached.code, detached.stderr).toBe(0)
    expect((JSON.parse(detached.stdout) as Array<{ state: string }>)[0]?.state).toBe("available")

    const dry = await runCli(["ebs", "attach", volume!.id, "host", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain(`attaching ${volume!.id} to ${instanceId} at /dev/xvdf would succeed`)
    expect((await ec2().send(new DescribeVolumesCommand({ VolumeIds: [volume!.id] }))).Volumes?.[0]?.State).toBe("available")
    const attached = await runCli(["ebs", "attach", volume!.id, "host", "--device", "/dev/xvdh", "--json"])
    expect(attached.code, attached.stderr).toBe(0)
    expect((JSON.parse(attached.stdout) as Array<{ attachedTo: string }>)[0]?.attachedTo).toBe(instanceId)
  })

  it("create needs a zone and a size; --attach needs --instance; a dry run creates nothing", async () => {
    expect((await runCli(["ebs", "create", "--size-gb", "5"])).code).toBe(2)
    expect((await runCli(["ebs", "create", "--availability-zone", "us-east-1a"])).code).toBe(2)
    expect((await runCli(["ebs", "create", "--size-gb", "5", "--availability-zone", "us-east-1a", "--attach"])).code).toBe(2)
    const dry = await runCli(["ebs", "create", "--size-gb", "5", "--availability-zone", "us-east-1a", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain("would succeed")
    expect((await ec2().send(new DescribeVolumesCommand({}))).Volumes?.filter((v) => v.Size === 5)).toEqual([])
    const empty = await runCli(["ebs", "--json"])
    expect(empty.code, empty.stderr).toBe(0)
    expect(JSON.parse(empty.stdout)).toEqual([])
  })
})
