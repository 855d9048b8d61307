// `aegea lambda` as a user runs it, against moto.
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { createFunctions, mapStreamTo, zipV1, zipV2 } from "../support/lambdaSfnMoto.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

const configOf = async (name: string) => new LambdaClient(sdkConfig()).send(new GetFunctionConfigurationCommand({ FunctionName: name }))

beforeAll(async () => {
  await createFunctions([{ name: "cli-api", memoryMiB: 256, environment: { KEEP: "k", LEVEL: "info" } }, { name: "cli-worker" }])
  await mapStreamTo("cli-worker", "cli-events")
})

describe("aegea lambda (CLI)", () => {
  it("ls: a table with the documented columns; every column in json and csv", async () => {
    const table = await runCli(["lambda", "ls"])
    expect(table.code, table.stderr).toBe(0)
    const [header, ...lines] = table.stdout.trimEnd().split("\n")
    for (const h of ["NAME", "RUNTIME", "MEMORY (MiB)", "TIMEOUT (s)", "MODIFIED", "CODE SIZE", "HANDLER"]) expect(header).toContain(h)
    expect(lines.some((l) => l.startsWith("cli-api") && l.includes("python3.12") && l.includes("256"))).toBe(true)
    const json = await runCli(["lambda", "ls", "--json"])
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    const api = rows.find((r) => r.name === "cli-api")
    expect(api).toMatchObject({ runtime: "python3.12", memoryMiB: 256, timeoutSeconds: 3, codeSize: zipV1.byteLength, handler: "index.handler" })
    expect(String(api?.lastModified)).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(JSON.stringify(rows)).not.toContain("info") // environment values never listed
    const csv = await runCli(["lambda", "ls", "--output", "csv"])
    expect(csv.stdout.split("\n")[0]).toBe("name,runtime,memoryMiB,timeoutSeconds,lastModified,codeSize,handler")
    expect(csv.stdout).toContain("cli-worker,python3.12,128,3,")
  })

  it("update-code --zip-file (and its --dry-run) and --s3-bucket/--s3-key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-lambda-"))
    const zip = join(dir, "fn.zip")
    writeFileSync(zip, zipV2)
    const dry = await runCli(["lambda", "update-code", "cli-api", "--zip-file", zip, "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain(`dry run: would replace the code of Lambda function cli-api (${zipV1.byteLength} bytes) with ${zip} (${zipV2.byteLength} bytes)`)
    expect((await configOf("cli-api")).CodeSize).toBe(zipV1.byteLength)
    const done = await runCli(["lambda", "update-code", "cli-api", "--zip-file", zip, "--json"])
    expect(done.code, done.stderr).toBe(0)
    // It waited for the update to end (moto ends it at once): LastUpdateStatus Successful.
    expect((JSON.parse(done.stdout) as Array<{ codeSize: number; updateStatus: string }>)[0]).toMatchObject({
      codeSize: zipV2.byteLength,
      updateStatus: "Successful"
    })
    expect((await configOf("cli-api")).CodeSize).toBe(zipV2.byteLength)

    const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true })
    await s3.send(new CreateBucketCommand({ Bucket: "cli-artifacts" }))
    await s3.send(new PutObjectCommand({ Bucket: "cli-artifacts", Key: "fn/v1.zip", Body: zipV1 }))
    const fromS3 = await runCli(["lambda", "update-code", "cli-api", "--s3-bucket", "cli-artifacts", "--s3-key", "fn/v1.zip", "--no-wait"])
    expect(fromS3.code, fromS3.stderr).toBe(0)
    expect((await configOf("cli-api")).CodeSize).toBe(zipV1.byteLength)
  })

  it("update-code usage errors exit 2; an unknown function exits 5 with a hint", async () => {
    expect((await runCli(["lambda", "update-code", "cli-api"])).code).toBe(2)
    expect((await runCli(["lambda", "update-code", "cli-api", "--s3-bucket", "b"])).code).toBe(2)
    expect((await runCli(["lambda", "update-code", "cli-api", "--zip-file", "x.zip", "--s3-bucket", "b", "--s3-key", "k"])).code).toBe(2)
    const unreadable = await runCli(["lambda", "update-code", "cli-api", "--zip-file", "/nonexistent/fn.zip"])
    expect(unreadable.code).toBe(2)
    expect(unreadable.stderr).toContain("cannot read --zip-file")
    const missing = await runCli(["lambda", "update-code", "cli-nope", "--s3-bucket", "b", "--s3-key", "k"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("aegea lambda ls")
  })

  it("update-config: --dry-run changes nothing; --environment adds to the variables; memory and timeout", async () => {
    const dry = await runCli(["lambda", "update-config", "cli-api", "--memory", "512", "--environment", "LEVEL=debug", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain("dry run: would change Lambda function cli-api: memory 256 → 512 MiB; environment: set LEVEL; nothing was changed")
    expect(dry.stderr).not.toContain("debug")
    expect((await configOf("cli-api")).MemorySize).toBe(256)
    const done = await runCli(["lambda", "update-config", "cli-api", "--memory", "512", "--timeout", "30", "--environment", "LEVEL=debug", "--environment", "NEW=a=b", "--json"])
    expect(done.code, done.stderr).toBe(0)
    expect((JSON.parse(done.stdout) as Array<{ memoryMiB: number; timeoutSeconds: number }>)[0]).toMatchObject({ memoryMiB: 512, timeoutSeconds: 30 })
    const after = await configOf("cli-api")
    expect(after.MemorySize).toBe(512)
    expect(after.Timeout).toBe(30)
    expect(after.Environment?.Variables).toEqual({ KEEP: "k", LEVEL: "debug", NEW: "a=b" })
    expect((await runCli(["lambda", "update-config", "cli-api"])).code).toBe(2)
    expect((await runCli(["lambda", "update-config", "cli-api", "--memory", "64"])).code).toBe(2)
    expect((await runCli(["lambda", "update-config", "cli-api", "--environment", "NOEQUALS"])).code).toBe(2)
    expect((await runCli(["lambda", "update-config", "cli-nope", "--memory", "256"])).code).toBe(5)
  })

  it("event-source-mappings: all, one function's, and none for a function without", async () => {
    const all = await runCli(["lambda", "event-source-mappings", "--json"])
    expect(all.code, all.stderr).toBe(0)
    const rows = JSON.parse(all.stdout) as Array<{ function: string; eventSourceArn: string; batchSize: number }>
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ function: "cli-worker", batchSize: 10 })
    expect(rows[0]?.eventSourceArn).toContain("table/cli-events/stream/")
    const one = await runCli(["lambda", "event-source-mappings", "cli-worker"])
    expect(one.code).toBe(0)
    expect(one.stdout).toContain("cli-worker")
    const none = await runCli(["lambda", "event-source-mappings", "cli-api", "--json"])
    expect(JSON.parse(none.stdout)).toEqual([])
    expect((await runCli(["lambda", "event-source-mappings", "cli-nope"])).code).toBe(5)
  })
})
