// `aegea batch create-compute-environment --compute-type EC2|SPOT` and `aegea build-docker-image` as a
// user runs them (dist/aegea.js) against moto: dry runs create nothing, a real run creates what is needed,
// and after a build the repository, its lifecycle policy, the privileged job definition and the
// uploaded context are there. moto's simple Batch "runs" the build job at once (it does not run it).
import { BatchClient, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand } from "@aws-sdk/client-batch"
import { DescribeLaunchTemplatesCommand } from "@aws-sdk/client-ec2"
import { DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand } from "@aws-sdk/client-ecr"
import { GetInstanceProfileCommand, IAMClient } from "@aws-sdk/client-iam"
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, sdkConfig, useMoto } from "../support/moto.ts"

useMoto()
const batch = new BatchClient(sdkConfig())
const ec2 = ec2Client()
const ecr = new ECRClient(sdkConfig())
const iam = new IAMClient(sdkConfig())
const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true })
const context = mkdtempSync(join(tmpdir(), "aegea-build-context-"))
afterAll(() => {
  for (const c of [batch, ec2, ecr, iam, s3]) c.destroy()
  rmSync(context, { recursive: true, force: true })
})

const bucket = "aegea-123456789012-us-east-1"
const contextObjects = async () => {
  try {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "aegea-build/" }))).Contents ?? []).map((o) => o.Key)
  } catch (e) {
    if ((e as Error).name === "NoSuchBucket") return []
    throw e
  }
}

describe("EC2/SPOT compute environments and build-docker-image (CLI on moto)", () => {
  it("create-compute-environment SPOT: --dry-run creates nothing; a real run creates the role, profile, launch template and environment", async () => {
    const args = ["batch", "create-compute-environment", "big", "--compute-type", "SPOT", "--instance-types", "m5d,c5d", "--ssh-key-name", "ops", "--max-vcpus", "128"]
    const dry = await runCli([...args, "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    const plan = JSON.parse(dry.stdout) as { created: Array<string>; launchTemplate: { name: string; userData: string }; image: { parameter: string; id: string } }
    expect(plan.created).toContain("compute environment big")
    expect(plan.image.parameter).toBe("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id")
    expect(plan.launchTemplate.userData).toContain("Content-Type: text/cloud-config")
    expect(dry.stderr).toMatch(/dry run: would create .*; nothing was created/)
    expect((await batch.send(new DescribeComputeEnvironmentsCommand({}))).computeEnvironments).toEqual([])
    expect((await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates).toEqual([])

    const first = await runCli(args)
    expect(first.stderr).toContain("created IAM role and instance profile aegea.batch.ecs_container_instance")
    expect(first.stderr).toContain(`created launch template ${plan.launchTemplate.name}`)
    expect(first.stderr).toContain("created compute environment big")
    expect(first.code).toBe(0)
    const [ce] = (await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: ["big"] }))).computeEnvironments ?? []
    expect(ce?.status).toBe("VALID")
    expect(ce?.computeResources).toMatchObject({
      type: "SPOT",
      allocationStrategy: "SPOT_CAPACITY_OPTIMIZED",
      maxvCpus: 128,
      instanceTypes: ["m5d", "c5d"],
      ec2KeyPair: "ops",
      instanceRole: "arn:aws:iam::123456789012:instance-profile/aegea.batch.ecs_container_instance",
      launchTemplate: { launchTemplateName: plan.launchTemplate.name },
      ec2Configuration: [{ imageType: "ECS_AL2023", imageIdOverride: plan.image.id }]
    })
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "aegea.batch.ecs_container_instance" }))
    expect(profile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual(["aegea.batch.ecs_container_instance"])

    // A second run creating nothing is the contract's (test/contract/imageBuild.ts), on moto too.
  })

  it("build-docker-image: --dry-run creates nothing; a watched build leaves the repository, its policy, the privileged definition and the context", async () => {
    writeFileSync(join(context, "Dockerfile"), "FROM public.ecr.aws/docker/library/alpine:3.20\nCOPY app /app\n")
    mkdirSync(join(context, "app"))
    writeFileSync(join(context, "app", "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 })
    const dockerfile = join(context, "Dockerfile")

    const bad = await runCli(["build-docker-image", "Tools", "--dockerfile", dockerfile])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split("\n")).toHaveLength(1)
    expect(bad.stderr).toContain('invalid repository name "Tools"')

    const dry = await runCli(["build-docker-image", "tools/app", "--dockerfile", dockerfile, "--tag", "v1", "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    const plan = JSON.parse(dry.stdout) as { Dockerfile: string; tags: Array<string>; RegisterJobDefinition: { jobDefinitionName: string; containerProperties: { privileged: boolean } } }
    expect(plan.Dockerfile).toContain("COPY app /app")
    expect(plan.tags).toHaveLength(2)
    expect(plan.tags[0]).toMatch(/^[0-9a-f]{12}$/)
    expect(plan.tags[1]).toBe("v1")
    expect(plan.RegisterJobDefinition.containerProperties.privileged).toBe(true)
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories).toEqual([])
    expect((await batch.send(new DescribeJobQueuesCommand({ jobQueues: ["aegea_build"] }))).jobQueues).toEqual([])
    expect((await batch.send(new DescribeJobDefinitionsCommand({}))).jobDefinitions).toEqual([])
    expect(await contextObjects()).toEqual([])

    const built = await runCli(["build-docker-image", "tools/app", "--dockerfile", dockerfile, "--tag", "v1", "--watch"], { timeoutMs: 60_000 })
    expect(built.stderr).toContain("created ECR repository tools/app")
    expect(built.stderr).toMatch(/\(aegea_build_tools_app\): SUCCEEDED/)
    expect(built.code).toBe(0)
    const [repository] = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["tools/app"] }))).repositories ?? []
    expect(repository?.imageScanningConfiguration?.scanOnPush).toBe(true)
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: "tools/app" }))
    expect(JSON.parse(policy.lifecyclePolicyText ?? "{}")).toMatchObject({ rules: [{ selection: { tagStatus: "untagged", countNumber: 10 } }] })
    const [definition] = (await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: plan.RegisterJobDefinition.jobDefinitionName, status: "ACTIVE" }))).jobDefinitions ?? []
    expect(definition?.containerProperties?.privileged).toBe(true)
    expect(definition?.containerProperties?.volumes).toEqual([{ name: "host1", host: { sourcePath: "/var/run/docker.sock" } }])
    expect(definition?.containerProperties?.mountPoints).toEqual([{ sourceVolume: "host1", containerPath: "/var/run/docker.sock", readOnly: false }])
    expect(await contextObjects()).toEqual([`aegea-build/tools_app/${plan.tags[0]}.tar.gz`])
  })
})
