/**
 * `aegea build-ami` as a user runs it (the built binary) against moto. moto has no
 * DescribeInstanceInformation, so a small stand-in on 127.0.0.1 answers it (every instance asked
 * about is Online) and passes every other SSM request on to moto, whose Run Command reports Success.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { CreateImageCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, type Image } from "@aws-sdk/client-ec2"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"

useMoto()

const ec2 = ec2Client()
let standIn: Server
let ssmEndpoint = ""
beforeAll(async () => {
  standIn = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      if (req.headers["x-amz-target"] === "AmazonSSM.DescribeInstanceInformation") {
        const input = JSON.parse(body.toString() || "{}") as { Filters?: Array<{ Key: string; Values: Array<string> }> }
        const ids = input.Filters?.find((f) => f.Key === "InstanceIds")?.Values ?? []
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" })
        res.end(JSON.stringify({ InstanceInformationList: ids.map((id) => ({ InstanceId: id, PingStatus: "Online", AgentVersion: "3.3.1957.0" })) }))
        return
      }
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v
      fetch(motoEndpoint() + (req.url ?? "/"), { method: req.method ?? "POST", headers, body })
        .then(async (upstream) => {
          res.writeHead(upstream.status, Object.fromEntries(upstream.headers))
          res.end(Buffer.from(await upstream.arrayBuffer()))
        })
        .catch((e: unknown) => {
          res.writeHead(500)
          res.end(String(e))
        })
    })
  })
  await new Promise<void>((resolve) => standIn.listen(0, "127.0.0.1", resolve))
  ssmEndpoint = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`
})
afterAll(async () => {
  ec2.destroy()
  await new Promise((resolve) => standIn.close(resolve))
})

const instances = async () => ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? [])
const ownImages = async (): Promise<Array<Image>> => (await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }))).Images ?? []
const tagsOf = (i: { Tags?: Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined } | undefined) => Object.fromEntries((i?.Tags ?? []).map((t) => [t.Key, t.Value]))
const build = (args: ReadonlyArray<string>) => runCli(["build-ami", ...args], { env: { AWS_ENDPOINT_URL_SSM: ssmEndpoint }, timeoutMs: 60_000 })

describe("aegea build-ami (binary)", () => {
  it("--dry-run prints the user data and the requests as JSON and creates nothing", async () => {
    const r = await build(["web", "--amazon-linux-ami", "--packages", "nginx", "--dry-run", "--json"])
    expect(r.stderr).toContain("dry run: nothing was created")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { RunInstances: { ImageId: string; UserData: string }; CreateImage: { Name: string }; SendCommand: unknown }
    expect(doc.RunInstances.ImageId).toBe("ami-0ed094fb1304fd857")
    expect(doc.RunInstances.UserData).toMatch(/^#cloud-config\n/)
    expect(doc.RunInstances.UserData).toContain("nginx")
    expect(doc.RunInstances.UserData).not.toContain("PRIVATE KEY")
    expect(doc.CreateImage.Name).toMatch(/^web-\d{4}-/)
    expect(await instances()).toEqual([])
    expect(await ownImages()).toEqual([])
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["aegea.launch"] }] }))
    expect(groups.SecurityGroups).toEqual([])
  })

  it("builds an image tagged for launch, terminates the builder; launch boots it by default; images shows its base and build time", async () => {
    const r = await build(["web", "--amazon-linux-ami", "--tags", "team=ml", "--cloud-init-timeout", "2m", "--json"])
    expect(r.stderr).toContain("terminated the builder aegea-build-ami-web-")
    expect(r.code).toBe(0)
    const [row] = JSON.parse(r.stdout) as Array<{ id: string; name: string; state: string; baseAmi: string }>
    const [image] = await ownImages()
    expect(row).toMatchObject({ id: image?.ImageId, name: "web", state: "available", baseAmi: "ami-0ed094fb1304fd857" })
    const tags = tagsOf(image)
    expect(tags).toMatchObject({ Name: "web", team: "ml", Owner: "moto", BaseAMI: "ami-0ed094fb1304fd857", AegeaVersion: "0.1.0" })
    expect(tags.ConfigDigest).toMatch(/^[0-9a-f]{64}$/)
    expect(Number.isNaN(Date.parse(tags.BuildTime ?? ""))).toBe(false)
    const [builder] = await instances()
    expect(tagsOf(builder).Name).toMatch(/^aegea-build-ami-web-\d+$/)
    expect(builder?.State?.Name).toBe("terminated")
    expect(r.stderr).toContain("created IAM role aegea.build_ami")

    const launched = await runCli(["launch", "box", "--no-wait", "--no-dns", "--json"], { timeoutMs: 60_000 })
    expect(launched.code).toBe(0)
    expect((JSON.parse(launched.stdout) as Array<{ imageId: string }>)[0]?.imageId).toBe(image?.ImageId)

    const listed = await runCli(["images"])
    expect(listed.code).toBe(0)
    const [header, line] = listed.stdout.trim().split("\n")
    expect(header).toMatch(/BASE AMI\s+BUILT/)
    expect(line).toContain("ami-0ed094fb1304fd857")
  })

  it("--prune N keeps the newest N per name: refused without --yes, listed by --dry-run, done with --yes (snapshots deleted)", async () => {
    const [source] = await seedInstances(1, { names: ["source"] })
    const made: Array<string> = []
    for (const day of ["01", "03", "02"]) {
      const { ImageId } = await ec2.send(new CreateImageCommand({
        InstanceId: source!,
        Name: `api-2020-01-${day}`,
        TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "Name", Value: "api" }, { Key: "AegeaVersion", Value: "0.1.0" }, { Key: "BuildTime", Value: `2020-01-${day}T00:00:00.000Z` }] }]
      }))
      made.push(ImageId!)
    }
    const [oldest, newest, middle] = made
    const api = async () => (await ownImages()).filter((i) => tagsOf(i).Name === "api")
    const snapshotsOf = (images: Array<Image>, ids: ReadonlyArray<string | undefined>) =>
      images.filter((i) => ids.includes(i.ImageId)).flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId ?? ""))
    const snapshots = snapshotsOf(await api(), [oldest, middle])
    expect(snapshots).toHaveLength(2)

    const refused = await build(["api", "--prune", "1"])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("refusing to deregister 2 images without --yes")
    const dry = await build(["api", "--prune", "1", "--dry-run", "--json"])
    expect(dry.stderr).toContain("dry run: nothing was changed; 2 images would be deregistered")
    expect(dry.code).toBe(0)
    const doc = JSON.parse(dry.stdout) as { DeregisterImage: Array<{ ImageId: string }>; DeleteSnapshot: Array<{ SnapshotId: string }> }
    expect(doc.DeregisterImage.map((d) => d.ImageId)).toEqual([oldest, middle])
    expect(doc.DeleteSnapshot.map((d) => d.SnapshotId).sort()).toEqual([...snapshots].sort())
    expect(await api()).toHaveLength(3)

    const done = await build(["api", "--prune", "1", "--yes", "--json"])
    expect(done.stderr).toBe("")
    expect(done.code).toBe(0)
    expect((JSON.parse(done.stdout) as Array<{ id: string; action: string }>).map((x) => [x.id, x.action])).toEqual([[oldest, "deregistered"], [middle, "deregistered"]])
    expect((await api()).map((i) => i.ImageId)).toEqual([newest])
    const remaining = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "snapshot-id", Values: snapshots }] }))
    expect(remaining.Snapshots ?? []).toEqual([])
  })
})
