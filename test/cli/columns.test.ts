/**
 * Column names through the built CLI, against moto: --columns/--sort-by take keys, headers and the
 * Python aegea's snake_case names; unknown names are exit 2; dotted paths get readable headers; every
 * listing's --help names its columns; an ambiguous name lists at most five matches; an empty table
 * on a terminal says what was searched (through `script`, which gives the CLI a terminal).
 */
import { beforeAll, describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { resetMoto, seedInstances } from "../support/moto.ts"


const runOnTerminal = (args: ReadonlyArray<string>, options: { readonly columns?: number } = {}) => runCliOnTerminal(args, options)

describe("--columns and --sort-by names", () => {
  beforeAll(async () => {
    await resetMoto()
    await seedInstances(2, { names: ["web-1", "web-2"], tags: { Owner: "ana" } })
    await seedInstances(7, { names: Array.from({ length: 7 }, () => "many") })
  }, 60_000)

  it("take headers (any case), snake_case keys and the Python aegea's names", async () => {
    const r = await runCli([
      "ls", "--json",
      "--columns", "id,instance_type,LAUNCHED,az,private ip,public_dns_name,launch_time,image_id,placement",
      "--sort-by", "launch_time:desc"
    ])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    expect(rows).toHaveLength(9)
    expect(Object.keys(rows[0]!)).toEqual(["id", "type", "launchTime", "availabilityZone", "privateIp", "publicDns", "imageId"])
    expect(rows[0]!["type"]).toBe("t3.micro")
    const sorted = await runCli(["ls", "--json", "--columns", "name", "--sort-by", "NAME:reverse"])
    expect(sorted.code, sorted.stderr).toBe(0)
    expect((JSON.parse(sorted.stdout) as Array<{ name: string }>)[0]!.name).toBe("web-2")
  })

  it("an unknown name is a usage error (exit 2) listing the columns", async () => {
    for (const args of [["ls", "--columns", "id,colour"], ["ls", "--sort-by", "colour"], ["ls", "--json", "--columns", "bogus.path"]]) {
      const r = await runCli(args)
      expect(r.code, args.join(" ")).toBe(2)
      expect(r.stdout).toBe("")
      expect(r.stderr).toMatch(/unknown column "(colour|bogus\.path)" for --(columns|sort-by)/)
      expect(r.stderr).toContain("name, id, state, type, AZ (availabilityZone)")
    }
  })

  it("heads a tag by its key and another dotted path by its words", async () => {
    const r = await runCli(["ls", "web-1", "--columns", "name,tags.Owner,state.name"])
    expect(r.code, r.stderr).toBe(0)
    const [header, row] = r.stdout.trimEnd().split("\n")
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "OWNER", "STATE NAME"])
    expect(row!.split(/\s{2,}/)).toEqual(["web-1", "ana"])
  })

  it("an ambiguous name lists five matches, then how many more and how to see them", async () => {
    const r = await runCli(["stop", "many"])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/^aegea: "many" matches 7 instances \((i-\w+ \(running\), ){4}i-\w+ \(running\) and 2 more \(aegea ls many\)\)\. Use an id/)
  })

  it("an empty table on a terminal says what was searched; JSON stays []", async () => {
    const table = await runOnTerminal(["ls", "--state", "stopped", "--tag", "Owner=nobody", "--no-color"])
    expect(table.code, table.output).toBe(0)
    expect(table.output).toContain("no instances in us-east-1 matching state=stopped, tag Owner=nobody\n")
    const json = await runOnTerminal(["ls", "--state", "stopped", "--json"])
    expect(json.output.trim()).toBe("[]")
    // through a pipe, nothing is added
    const piped = await runCli(["ls", "--state", "stopped"])
    expect(piped.stderr).toBe("")
  })
})

describe("--help of every listing names its columns", () => {
  const listings: ReadonlyArray<readonly [args: ReadonlyArray<string>, columns: string]> = [
    [["ls"], "name, id, state, type, AZ (availabilityZone)"],
    [["images"], "name, id, state, architecture, created"],
    [["volumes"], "SIZE (GiB) (sizeGiB)"],
    [["snapshots"], "VOLUME (volumeId)"],
    [["security-groups"], "VPC (vpcId), direction, protocol"],
    [["subnets"], "name, id, VPC (vpcId), cidr, AZ (availabilityZone)"],
    [["vpcs"], "DEFAULT (isDefault)"],
    [["key-pairs"], "fingerprint"],
    [["regions"], "name, endpoint, optIn"],
    [["azs"], "name, id, region, state, type"],
    [["batch", "ls"], "REASON (statusReason)"],
    [["batch", "queues"], "REASON (statusReason), priority, computeEnvironments"],
    [["batch", "compute-environments"], "MIN (minVcpus)"],
    [["batch", "job-definitions"], "name, revision, status"],
    [["ecs", "tasks"], "STATUS (lastStatus), DESIRED (desiredStatus), taskDefinition"],
    [["ecs", "clusters"], "RUNNING (runningTasks)"],
    [["ecs", "task-definitions"], "family, revision, arn"],
    [["secrets", "ls"], "CHANGED (lastChanged)"],
    [["logs"], "STORED (storedBytes)"],
    [["config", "show"], "key, value, source"],
    [["cost"], "total, trend (a sparkline across the periods, on a terminal), unit"],
    [["cost", "forecast"], "start, end, mean, lower, upper, unit"]
  ]
  for (const [args, columns] of listings) {
    it(`aegea ${args.join(" ")} --help`, async () => {
      const r = await runCli([...args, "--help"])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/\n +(Columns|Log groups): /)
      // Help wraps to the width: compare with the line breaks folded into spaces.
      expect(r.stdout.replace(/\s+/g, " ")).toContain(columns)
    })
  }

  it("the parent's list of subcommands keeps the one-line summaries", async () => {
    const r = await runCli(["--help"])
    expect(r.stdout).toMatch(/\n {2}ls +List EC2 instances \(all states\), one row each\.\n/)
    expect(r.stdout).not.toContain("Columns:")
  })
})
