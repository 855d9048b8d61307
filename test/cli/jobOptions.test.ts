// `batch submit` and `ecs run` with the container options and a large --execute, as a user runs them
// (dist/aegea.js) against moto; every option is read back from the registered definition with the SDK.
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BatchClient, DescribeJobDefinitionsCommand, DescribeJobsCommand } from "@aws-sdk/client-batch"
import { EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2"
import { CreateClusterCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterContainerInstanceCommand } from "@aws-sdk/client-ecs"
import { CreateFileSystemCommand, EFSClient } from "@aws-sdk/client-efs"
import { GetBucketLifecycleConfigurationCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, TEST_AMI, useMoto } from "../support/moto.ts"

useMoto()
const batch = new BatchClient(sdkConfig())
const ecs = new ECSClient(sdkConfig())
const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true })
const efs = new EFSClient(sdkConfig())
const ec2 = new EC2Client(sdkConfig())
const bucket = "aegea-123456789012-us-east-1"
const folder = mkdtempSync(join(tmpdir(), "aegea-job-options-"))
const bigFile = join(folder, "tool.bin")
const big = randomBytes(1024 * 1024)
writeFileSync(bigFile, big)
let fileSystemId = ""

beforeAll(async () => {
  // The default file system of --efs-storage: the one named aegea.
  const fs = await efs.send(new CreateFileSystemCommand({ CreationToken: "aegea", Tags: [{ Key: "Name", Value: "aegea" }] }))
  fileSystemId = fs.FileSystemId ?? ""
})
afterAll(() => {
  for (const c of [batch, ecs, s3, efs, ec2]) c.destroy()
  rmSync(folder, { recursive: true, force: true })
})

const executeKeys = async () =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "aegea-execute/" }))).Contents ?? []).map((o) => o.Key)

const definitionOf = async (jobId: string) => {
  const job = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0]
  const definition = (await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [job?.jobDefinition ?? "none"] }))).jobDefinitions?.[0]
  return { job, definition }
}

describe("batch submit: container options and --execute of any size (CLI on moto)", () => {
  it("--dry-run of a 1 MiB --execute prints the placeholder URL and uploads nothing; a Fargate refusal is one line, exit 2", async () => {
    const dry = await runCli(["batch", "submit", "--execute", bigFile, "--privileged", "--platform", "EC2", "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    const printed = JSON.parse(dry.stdout) as { RegisterJobDefinition: { containerProperties: { privileged: boolean } }; SubmitJob: { containerOverrides: { environment: Array<{ name: string; value: string }> } } }
    expect(printed.RegisterJobDefinition.containerProperties.privileged).toBe(true)
    expect(printed.SubmitJob.containerOverrides.environment).toEqual([
      { name: "AEGEA_EXECUTE_URL", value: expect.stringMatching(new RegExp(`^<presigned GET URL of s3://${bucket}/aegea-execute/[0-9a-f]{16}-[0-9a-f]{8}/tool\\.bin>$`)) }
    ])
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([])

    const refused = await runCli(["batch", "submit", "--command", "true", "--volumes", "/a:/b"])
    expect(refused.stderr.trim().split("\n")).toHaveLength(1)
    expect(refused.stderr).toMatch(/--volumes needs EC2: Fargate cannot mount host paths.*--platform EC2/)
    expect(refused.code).toBe(2)
  })

  let ec2DefinitionArn = ""
  it("every option reaches the registered definition; the 1 MiB file is in S3 behind a presigned URL in the job's environment", async () => {
    const r = await runCli([
      "batch", "submit", "--platform", "EC2", "--execute", bigFile, "--json",
      "--privileged", "--user", "1000:1000", "--memory-mb", "4096",
      "--volumes", "/var/run/docker.sock:/var/run/docker.sock", "--volumes", "/data:/data",
      "--ulimits", "nofile=4096:65536", "--ulimits", "nproc=512",
      "--storage", "/scratch=50", "--mount-instance-storage", "--efs-storage", "/efs",
      "--log-driver", "awslogs", "--log-options", "awslogs-stream-prefix=opts"
    ], { timeoutMs: 60_000 })
    expect(r.stderr).toMatch(new RegExp(`^uploaded --execute ${bigFile} \\(1048576 bytes\\) to s3://${bucket}/aegea-execute/`, "m"))
    expect(r.code).toBe(0)
    const { jobId } = JSON.parse(r.stdout) as { jobId: string }
    const { job, definition } = await definitionOf(jobId)
    ec2DefinitionArn = definition?.jobDefinitionArn ?? ""
    const c = definition?.containerProperties
    expect(definition?.platformCapabilities).toEqual(["EC2"])
    expect(c?.privileged).toBe(true)
    expect(c?.user).toBe("1000:1000")
    expect(c?.resourceRequirements).toContainEqual({ type: "MEMORY", value: "4096" })
    expect(c?.ulimits).toEqual([{ name: "nofile", softLimit: 4096, hardLimit: 65536 }, { name: "nproc", softLimit: 512, hardLimit: 512 }])
    expect(c?.volumes).toEqual([
      { name: "host1", host: { sourcePath: "/var/run/docker.sock" } },
      { name: "host2", host: { sourcePath: "/data" } },
      { name: "instance-storage", host: { sourcePath: "/mnt" } },
      { name: "efs1", efsVolumeConfiguration: expect.objectContaining({ fileSystemId, transitEncryption: "ENABLED" }) }
    ])
    expect(c?.mountPoints?.map((m) => `${m.sourceVolume}:${m.containerPath}`)).toEqual([
      "host1:/var/run/docker.sock", "host2:/data", "instance-storage:/mnt", "instance-storage:/scratch", "efs1:/efs"
    ])
    expect(c?.logConfiguration).toEqual({ logDriver: "awslogs", options: { "awslogs-group": "/aws/batch/job", "awslogs-stream-prefix": "opts" } })

    // The object is there, expiring by the bucket's rule, and the job's URL fetches it with a plain GET.
    const keys = await executeKeys()
    expect(keys).toHaveLength(1)
    const rules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules
    expect(rules).toEqual([expect.objectContaining({ ID: "aegea-execute-expiry", Status: "Enabled", Filter: { Prefix: "aegea-execute/" }, Expiration: { Days: 7 } })])
    const url = job?.container?.environment?.find((e) => e.name === "AEGEA_EXECUTE_URL")?.value ?? ""
    expect(url).toContain(`/${bucket}/${keys[0]}?`)
    const response = await fetch(url, { signal: AbortSignal.timeout(20_000) })
    expect(response.status).toBe(200)
    expect(Buffer.from(await response.arrayBuffer()).equals(big)).toBe(true)
    // The instance-storage check runs first, then the download.
    expect(job?.container?.command?.slice(5, 7)).toEqual([expect.stringMatching(/^aegea_free=\$\(df -Pk '\/scratch'/), "AEGEA_EXECUTABLE=$(mktemp)"])
  })

  it("--watch deletes the object when the job ends; Fargate --storage is the ephemeral storage", async () => {
    const before = await executeKeys()
    const r = await runCli(["batch", "submit", "--execute", bigFile, "--storage", "/scratch=30", "--watch"], { timeoutMs: 60_000 })
    expect(r.stderr).toMatch(/: SUCCEEDED$/m)
    expect(r.stderr).toMatch(new RegExp(`^deleted s3://${bucket}/aegea-execute/`, "m"))
    expect(r.code).toBe(0)
    expect(await executeKeys()).toEqual(before)
    const fargate = (await batch.send(new DescribeJobDefinitionsCommand({ status: "ACTIVE" }))).jobDefinitions?.find((d) => d.platformCapabilities?.[0] === "FARGATE")
    expect(fargate?.containerProperties?.ephemeralStorage).toEqual({ sizeInGiB: 30 })
  })

  it("--job-definition-arn submits against that definition and registers none", async () => {
    const count = async () => (await batch.send(new DescribeJobDefinitionsCommand({}))).jobDefinitions?.length
    const before = await count()
    const r = await runCli(["batch", "submit", "--job-definition-arn", ec2DefinitionArn, "--command", "echo again", "--json"])
    expect(r.code).toBe(0)
    const { job } = await definitionOf((JSON.parse(r.stdout) as { jobId: string }).jobId)
    expect(job?.jobDefinition).toBe(ec2DefinitionArn)
    expect(await count()).toBe(before)
  })
})

describe("ecs run: container options (CLI on moto)", () => {
  it("Fargate: storage, EFS, ulimits, user, log options, --task-name and --memory-mb reach the task definition", async () => {
    const r = await runCli([
      "ecs", "run", "--command", "true", "--json", "--task-name", "nightly", "--memory-mb", "1024",
      "--storage", "/scratch=40", "--efs-storage", `/efs=${fileSystemId}`, "--ulimits", "nofile=2048",
      "--user", "nobody", "--log-options", "awslogs-datetime-format=%Y-%m-%d"
    ])
    expect(r.code).toBe(0)
    const { taskDefinition } = JSON.parse(r.stdout) as { taskDefinition: string }
    const d = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition
    expect(d?.family).toMatch(/^nightly_[0-9a-f]{12}$/)
    expect(d?.ephemeralStorage).toEqual({ sizeInGiB: 40 })
    expect(d?.volumes).toEqual([{ name: "efs1", efsVolumeConfiguration: expect.objectContaining({ fileSystemId, transitEncryption: "ENABLED" }) }])
    const c = d?.containerDefinitions?.[0]
    expect(c?.memory).toBe(1024)
    expect(c?.user).toBe("nobody")
    expect(c?.ulimits).toEqual([{ name: "nofile", softLimit: 2048, hardLimit: 2048 }])
    expect(c?.mountPoints).toEqual([{ sourceVolume: "efs1", containerPath: "/efs", readOnly: false }])
    expect(c?.logConfiguration?.options).toMatchObject({ "awslogs-group": "/aegea/ecs", "awslogs-datetime-format": "%Y-%m-%d" })
  })

  it("--platform EC2: privileged, host volumes and instance storage on a cluster with a container instance", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: "ec2_cluster" }))
    const instance = await ec2.send(new RunInstancesCommand({ ImageId: TEST_AMI, InstanceType: "m5.large", MinCount: 1, MaxCount: 1 }))
    await ecs.send(new RegisterContainerInstanceCommand({
      cluster: "ec2_cluster",
      instanceIdentityDocument: JSON.stringify({ instanceId: instance.Instances?.[0]?.InstanceId })
    }))
    const r = await runCli([
      "ecs", "run", "--platform", "EC2", "--cluster", "ec2_cluster", "--command", "true", "--json",
      "--privileged", "--volumes", "/var/run/docker.sock:/var/run/docker.sock", "--mount-instance-storage", "--storage", "/scratch=10"
    ])
    expect(r.code).toBe(0)
    const { taskDefinition } = JSON.parse(r.stdout) as { taskDefinition: string }
    const d = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition
    expect(d?.requiresCompatibilities).toEqual(["EC2"])
    expect(d?.networkMode).toBe("bridge")
    expect(d?.volumes?.map((v) => [v.name, v.host?.sourcePath])).toEqual([["host1", "/var/run/docker.sock"], ["instance-storage", "/mnt"]])
    const c = d?.containerDefinitions?.[0]
    expect(c?.privileged).toBe(true)
    expect(c?.mountPoints?.map((m) => `${m.sourceVolume}:${m.containerPath}`)).toEqual(["host1:/var/run/docker.sock", "instance-storage:/mnt", "instance-storage:/scratch"])
  })
})
