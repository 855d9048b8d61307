/** The built binary, run as a user runs it, against moto: stdout, stderr and exit codes. */
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { createServer, type Server } from "node:http"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parse as parseYaml } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal, runCliPiped } from "../support/cli.ts"
import { ec2Client, resetMoto, seedInstances } from "../support/moto.ts"

const oneLine = (stderr: string) => {
  const lines = stderr.trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  expect(stderr).not.toMatch(/^\s+at /m)
  return lines[0]!
}

describe("aegea ls with 300 instances", () => {
  let ids: Array<string> = []
  beforeAll(async () => {
    await resetMoto()
    ids = await seedInstances(300, { namePrefix: "node-" })
  }, 120_000)

  it("prints all 300 rows in a table", async () => {
    const r = await runCli(["ls"])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines).toHaveLength(301)
    expect(lines[0]).toMatch(/^NAME\s+ID\s+STATE\s+TYPE\s+AZ/)
    for (const id of ids) expect(r.stdout).toContain(id)
  })

  it("prints the same 300 rows as JSON, YAML, CSV and TSV", async () => {
    const json = JSON.parse((await runCli(["ls", "--json"])).stdout) as Array<{ id: string; launchTime: string }>
    expect(json.map((r) => r.id).sort()).toEqual([...ids].sort())
    expect(json[0]!.launchTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    const yaml = parseYaml((await runCli(["ls", "--output", "yaml"])).stdout) as Array<{ id: string }>
    expect(yaml.map((r) => r.id).sort()).toEqual([...ids].sort())
    for (const [format, sep] of [["csv", ","], ["tsv", "\t"]] as const) {
      const lines = (await runCli(["ls", "-o", format])).stdout.trimEnd().split("\n")
      expect(lines).toHaveLength(301)
      const header = lines[0]!.split(sep)
      expect(header.slice(0, 3)).toEqual(["name", "id", "state"])
      const idColumn = header.indexOf("id")
      expect(lines.slice(1).map((l) => l.split(sep)[idColumn]).sort()).toEqual([...ids].sort())
    }
  })

  it("honours --columns and --sort-by", async () => {
    const r = await runCli(["ls", "--json", "--columns", "name,id,tags.Name", "--sort-by", "name:desc"])
    const rows = JSON.parse(r.stdout) as Array<Record<string, string>>
    expect(Object.keys(rows[0]!)).toEqual(["name", "id", "tags.Name"])
    expect(rows[0]!.name).toBe("node-300")
    expect(rows[0]!["tags.Name"]).toBe("node-300")
  })

  it("stops quietly when piped into head", async () => {
    const r = await runCliPiped(["ls"], ["head", "-1"])
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1)
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
  })
})

describe("instance control", () => {
  beforeAll(async () => {
    await resetMoto()
    await seedInstances(2, { names: ["app", "twin"] })
    await seedInstances(2, { names: ["dup", "dup"] })
  })

  it("stops and starts by name and waits", async () => {
    const stop = await runCli(["stop", "app", "--wait", "--json"])
    expect(stop.code).toBe(0)
    expect(JSON.parse(stop.stdout)[0]).toMatchObject({ name: "app", previousState: "running", state: "stopped" })
    const start = await runCli(["start", "app", "--wait", "--json"])
    expect(JSON.parse(start.stdout)[0]).toMatchObject({ name: "app", state: "running" })
  })

  it("terminate --dry-run changes nothing; terminate --yes terminates", async () => {
    const dry = await runCli(["terminate", "twin", "--dry-run"])
    expect(dry.code).toBe(0)
    expect(dry.stderr).toContain("nothing was changed")
    const ec2 = ec2Client()
    const before = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["twin"] }] }))
    expect(before.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("running")
    const done = await runCli(["terminate", "twin", "--yes", "--json"])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout)[0].state).toMatch(/shutting-down|terminated/)
  })

  it("an ambiguous name is exit 5 and lists the candidates", async () => {
    const r = await runCli(["stop", "dup"])
    expect(r.code).toBe(5)
    expect(oneLine(r.stderr)).toMatch(/^aegea: "dup" matches 2 instances \(i-\w+ \(running\), i-\w+ \(running\)\)\. Use an id/)
  })

  it("an unknown name is exit 5 with a hint", async () => {
    const r = await runCli(["start", "nothing-here"])
    expect(r.code).toBe(5)
    expect(oneLine(r.stderr)).toBe(`aegea: no instance named "nothing-here" in us-east-1. Run 'aegea ls' to see the instances, or pass --region`)
  })

  it("console prints the boot log", async () => {
    const r = await runCli(["console", "app"])
    expect(r.code).toBe(0)
    expect(r.stdout.length).toBeGreaterThan(0)
  })
})

describe("bad input", () => {
  it("an unknown flag is exit 2 with one line", async () => {
    const r = await runCli(["ls", "--bogus"])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe("aegea: unknown flag --bogus for aegea ls. Run 'aegea ls --help' for its flags")
    expect(r.stdout).toBe("")
  })

  it("a mistyped subcommand is exit 2 with a suggestion", async () => {
    const r = await runCli(["lss"])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe(`aegea: unknown command "lss" for aegea (did you mean ls?). Run 'aegea --help' for the commands`)
  })

  it("a bad flag value is exit 2", async () => {
    const r = await runCli(["ls", "--output", "xml"])
    expect(r.code).toBe(2)
    oneLine(r.stderr)
  })

  it("an invalid or missing region is exit 3", async () => {
    const bad = await runCli(["ls", "--region", "moon-1"])
    expect(bad.code).toBe(3)
    expect(oneLine(bad.stderr)).toContain('invalid AWS region "moon-1"')
    const none = await runCli(["ls"], { env: { AWS_REGION: "", AWS_DEFAULT_REGION: "" } })
    expect(none.code).toBe(3)
    expect(oneLine(none.stderr)).toBe("aegea: no AWS region configured. Pass --region or set AWS_REGION")
  })

  it("a malformed config file is exit 3 naming the file, line and key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-badconfig-"))
    try {
      const file = join(dir, "bad.yml")
      writeFileSync(file, "output: table\nbatch_submit:\n  memory: lots\n")
      const r = await runCli(["ls"], { env: { AEGEA_CONFIG_FILE: file } })
      expect(r.code).toBe(3)
      const line = oneLine(r.stderr)
      expect(line).toContain(file)
      expect(line).toContain("line 3")
      expect(line).toContain("batch_submit.memory")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("help and version work and exit 0", async () => {
    const help = await runCli(["--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("SUBCOMMANDS")
    const version = await runCli(["--version"])
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/\d+\.\d+\.\d+/)
    const completions = await runCli(["--completions", "bash"])
    expect(completions.code).toBe(0)
    expect(completions.stdout).toContain("aegea")
  })
})

describe("AWS failures (a stand-in endpoint)", () => {
  let server: Server
  let url = ""
  let reply: { status: number; code: string } = { status: 403, code: "UnauthorizedOperation" }
  beforeAll(async () => {
    server = createServer((_req, res) => {
      _req.resume()
      res.writeHead(reply.status, { "content-type": "text/xml", "x-amzn-requestid": "req-42" })
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${reply.code}</Code><Message>no</Message></Error></Errors><RequestID>req-42</RequestID></Response>`
      )
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it("access denied is exit 4 and names the permission", async () => {
    reply = { status: 403, code: "UnauthorizedOperation" }
    const r = await runCli(["ls", "--endpoint-url", url])
    expect(r.code).toBe(4)
    expect(oneLine(r.stderr)).toBe(
      "aegea: could not list instances in us-east-1: access denied for ec2:DescribeInstances. Ask for that permission, or use another --profile"
    )
  })

  it("--debug adds the AWS call and request id", async () => {
    reply = { status: 403, code: "UnauthorizedOperation" }
    const r = await runCli(["ls", "--endpoint-url", url, "--debug"])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain("request id: req-42")
  })

  it("throttling after retries is exit 6", async () => {
    reply = { status: 400, code: "RequestLimitExceeded" }
    const r = await runCli(["ls", "--endpoint-url", url], { env: { AWS_MAX_ATTEMPTS: "2" } })
    expect(r.code).toBe(6)
    expect(oneLine(r.stderr)).toContain("AWS throttled the request (RequestLimitExceeded) after retries")
  })

  it("expired credentials are exit 4", async () => {
    reply = { status: 400, code: "RequestExpired" }
    const r = await runCli(["ls", "--endpoint-url", url])
    expect(r.code).toBe(4)
    expect(oneLine(r.stderr)).toContain("aws sso login")
  })

  it("a network failure is exit 6", async () => {
    const r = await runCli(["ls", "--endpoint-url", "http://127.0.0.1:9"])
    expect(r.code).toBe(6)
    expect(oneLine(r.stderr)).toContain("AWS is unreachable or failing")
  })
})

describe("terminate at a terminal", () => {
  const atTerminal = (args: ReadonlyArray<string>, answer: string) =>
    runCliOnTerminal(args, { answer: { after: "(y/N)", send: answer } })

  it("asks before terminating; no leaves the instance running and exits 1", async () => {
    await resetMoto()
    const [id] = await seedInstances(1, { names: ["keeper"] })
    const r = await atTerminal(["terminate", "keeper"], "n\r")
    expect(r.output).toContain("Terminate 1 instance?")
    expect(r.output).toContain(`  ${id} (keeper)`)
    expect(r.output).toContain("cancelled: nothing was changed")
    expect(r.code).toBe(1)
    const after = await ec2Client().send(new DescribeInstancesCommand({ InstanceIds: [id!] }))
    expect(after.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("running")
  })

  it("yes terminates", async () => {
    await resetMoto()
    const [id] = await seedInstances(1, { names: ["goner"] })
    const r = await atTerminal(["terminate", "goner"], "y\r")
    expect(r.code).toBe(0)
    const after = await ec2Client().send(new DescribeInstancesCommand({ InstanceIds: [id!] }))
    expect(after.Reservations?.[0]?.Instances?.[0]?.State?.Name).toMatch(/shutting-down|terminated/)
  })
})
