// `aegea rm` as a user runs it, against moto: an EFS file system goes with its mount targets; a
// Classic Load Balancer goes by name with --elb (ELBv2, Lambda and access keys: ec2Resources.test.ts).
import { CreateFileSystemCommand, CreateMountTargetCommand, DescribeFileSystemsCommand, DescribeMountTargetsCommand, EFSClient } from "@aws-sdk/client-efs"
import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

describe("aegea rm fs-", () => {
  it("a dry run names the mount targets and keeps everything; -f -y deletes them, then the file system; then exit 5", async () => {
    const efs = new EFSClient(sdkConfig())
    try {
      const subnet = ((await ec2Client().send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))).Subnets ?? [])[0]!
      const fileSystemId = (await efs.send(new CreateFileSystemCommand({ CreationToken: "old-fs", Tags: [{ Key: "Name", Value: "old-fs" }] })))
        .FileSystemId!
      const mountTargetId = (await efs.send(new CreateMountTargetCommand({ FileSystemId: fileSystemId, SubnetId: subnet.SubnetId! }))).MountTargetId!

      const dry = await runCli(["rm", fileSystemId, "--json"])
      expect(dry.code, dry.stderr).toBe(0)
      expect(JSON.parse(dry.stdout)).toEqual([
        { id: fileSystemId, kind: "EFS file system", name: "old-fs", alsoDeletes: mountTargetId, result: "would delete" }
      ])
      expect((await efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId }))).MountTargets?.length).toBe(1)

      const done = await runCli(["rm", fileSystemId, "-f", "-y"])
      expect(done.code, done.stderr).toBe(0)
      expect(done.stdout).toMatch(new RegExp(`${fileSystemId}\\s+EFS file system\\s+old-fs\\s+${mountTargetId}\\s+deleted`))
      expect((await efs.send(new DescribeFileSystemsCommand({}))).FileSystems?.map((f) => f.FileSystemId) ?? []).not.toContain(fileSystemId)

      const again = await runCli(["rm", fileSystemId])
      expect(again.code).toBe(5)
      expect(again.stderr).toContain(fileSystemId)
    } finally {
      efs.destroy()
    }
  })
})

describe("aegea rm --elb: a Classic Load Balancer", () => {
  it("is found by name when no ELBv2 load balancer has it, and deleted with -f -y", async () => {
    const { CreateLoadBalancerCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingClient } = await import("@aws-sdk/client-elastic-load-balancing")
    const elb = new ElasticLoadBalancingClient(sdkConfig())
    try {
      await elb.send(new CreateLoadBalancerCommand({
        LoadBalancerName: "old-classic",
        AvailabilityZones: ["us-east-1a"],
        Listeners: [{ Protocol: "HTTP", LoadBalancerPort: 80, InstancePort: 80 }]
      }))
      const done = await runCli(["rm", "--elb", "old-classic", "-f", "-y", "--json"])
      expect(done.code, done.stderr).toBe(0)
      expect(JSON.parse(done.stdout)).toEqual([{ id: "old-classic", kind: "load balancer", name: "old-classic", alsoDeletes: null, result: "deleted" }])
      const left = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancerDescriptions ?? []
      expect(left.map((b) => b.LoadBalancerName)).not.toContain("old-classic")
    } finally {
      elb.destroy()
    }
  })
})
