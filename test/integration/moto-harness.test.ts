// Proves the `aws` project's harness: one moto_server per run, reset per file, seeding helpers.
import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2"
import { afterAll, describe, expect, it } from "vitest"
import { awsTestEnv, ec2Client, motoEndpoint, resetMoto, seedInstances, useMoto } from "../support/moto.ts"

useMoto()

const ec2 = ec2Client()
afterAll(() => ec2.destroy())

const liveInstances = async () => {
  const out = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["pending", "running", "stopped"] }] })
  )
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
}
const nameOf = (i: Instance) => i.Tags?.find((t) => t.Key === "Name")?.Value

describe("moto harness", () => {
  it("serves the moto admin API on 127.0.0.1", async () => {
    expect(motoEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${motoEndpoint()}/moto-api/`)
    expect(res.status).toBe(200)
  })

  it("runs Batch without Docker (use_docker=false)", async () => {
    const cfg = (await (await fetch(`${motoEndpoint()}/moto-api/config`)).json()) as { batch: { use_docker: boolean } }
    expect(cfg.batch.use_docker).toBe(false)
  })

  it("seedInstances(3) launches web-1..3, visible through DescribeInstances", async () => {
    const ids = await seedInstances(3)
    expect(ids).toHaveLength(3)
    const found = await liveInstances()
    expect(found.map((i) => i.InstanceId).sort()).toEqual([...ids].sort())
    expect(found.map(nameOf).sort()).toEqual(["web-1", "web-2", "web-3"])
    const byId = new Map(found.map((i) => [i.InstanceId, nameOf(i)]))
    expect(ids.map((id) => byId.get(id))).toEqual(["web-1", "web-2", "web-3"])
  })

  it("seedInstances honours names, tags and stopped", async () => {
    const [id] = await seedInstances(1, { names: ["db-1"], tags: { role: "db" }, stopped: true })
    const found = (await liveInstances()).find((i) => i.InstanceId === id)
    expect(nameOf(found!)).toBe("db-1")
    expect(found?.State?.Name).toBe("stopped")
    expect(found?.Tags).toContainEqual({ Key: "role", Value: "db" })
  })

  it("resetMoto clears seeded instances", async () => {
    expect((await liveInstances()).length).toBeGreaterThan(0)
    await resetMoto()
    expect(await liveInstances()).toEqual([])
  })

  it("awsTestEnv isolates the child from the developer's AWS config", () => {
    const env = awsTestEnv()
    expect(env.AWS_ENDPOINT_URL).toBe(motoEndpoint())
    expect(env.AWS_REGION).toBe("us-east-1")
    expect(env.HOME).not.toBe(process.env.HOME)
    expect(env.AWS_CONFIG_FILE?.startsWith(env.HOME!)).toBe(true)
    expect(env.AWS_SHARED_CREDENTIALS_FILE?.startsWith(env.HOME!)).toBe(true)
  })
})
