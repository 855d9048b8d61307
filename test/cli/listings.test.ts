// The small listings (acls, sirs, sfrs, limits, cmks, certificates, tables, subscriptions) as a user runs them, against moto.
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { seedInventory } from "../support/inventorySeed.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

const tag = `cli-${Date.now().toString(36)}`
let ids: Awaited<ReturnType<typeof seedInventory>>
beforeAll(async () => {
  ids = await seedInventory(tag)
})

const json = async (argv: ReadonlyArray<string>) => {
  const r = await runCli([...argv, "--json"])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>
}

describe("the small listings (CLI)", () => {
  it("acls: rules summarised; --tag and -f/--filter go to DescribeNetworkAcls", async () => {
    const rows = await json(["acls", "--tag", `Name=${tag}`])
    expect(rows.map((r) => r["id"])).toEqual([ids.aclId])
    expect(rows[0]?.["entries"]).toContain("in 100 allow tcp 22 10.0.0.0/8")
    const byVpc = await json(["acls", "-f", `vpc-id=${ids.vpcId}`])
    expect(byVpc.map((r) => r["isDefault"]).sort()).toEqual([false, true])
    const table = await runCli(["acls", "-t", `Name=${tag}`])
    expect(table.stdout).toMatch(/NAME\s+ID\s+VPC\s+DEFAULT\s+SUBNETS\s+RULES/)
    expect(table.stdout).toContain(ids.aclId)
    expect(await json(["acls", "--tag", "Name=nothing-here"])).toEqual([])
    expect((await runCli(["acls", "--filter", "novalue"])).code).toBe(2)
  })

  it("sirs and sfrs: spot requests, sfrs filtered on its rows", async () => {
    const sirs = await json(["sirs"])
    expect(sirs.find((r) => r["id"] === ids.spotRequestId)?.["instanceType"]).toBe("t3.micro")
    const sfrs = await json(["sfrs"])
    const fleet = sfrs.find((r) => r["id"] === ids.fleetId)
    expect(fleet?.["targetCapacity"]).toBe(1)
    expect(await json(["sfrs", "--filter", "state=no-such-state"])).toEqual([])
    expect((await json(["sfrs", "--filter", `state=${String(fleet?.["state"])}`])).map((r) => r["id"])).toContain(ids.fleetId)
  })

  it("limits: the EC2 account attributes, by name", async () => {
    const rows = await json(["limits"])
    expect(rows.find((r) => r["name"] === "max-instances")?.["value"]).toMatch(/^\d+$/)
    const csv = await runCli(["limits", "--output", "csv"])
    expect(csv.stdout.split("\n")[0]).toBe("name,value")
  })

  it("cmks, certificates, tables, subscriptions", async () => {
    const key = (await json(["cmks"])).find((r) => r["id"] === ids.keyId)
    expect(key?.["alias"]).toBe(`alias/${tag}`)
    expect(key?.["state"]).toBe("Enabled")
    const certificate = (await json(["certificates"])).find((r) => r["domain"] === `${tag}.example.com`)
    expect(certificate?.["type"]).toBe("AMAZON_ISSUED")
    const table = (await json(["tables"])).find((r) => r["name"] === tag)
    expect(table?.["billingMode"]).toBe("PAY_PER_REQUEST")
    const tables = await runCli(["tables", "-c", "name billing_mode"])
    expect(tables.code, tables.stderr).toBe(0)
    expect(tables.stdout).toMatch(/NAME\s+BILLING\n/)
    const subscription = (await json(["subscriptions"])).find((r) => r["topic"] === tag)
    expect(subscription?.["endpoint"]).toBe(`${tag}@example.com`)
    expect(subscription?.["protocol"]).toBe("email")
  })

  it("each listing's help names its columns", async () => {
    for (const [command, column] of [["acls", "RULES"], ["cmks", "ALIAS"], ["tables", "BILLING"], ["subscriptions", "ENDPOINT"]] as const) {
      const help = await runCli([command, "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("Columns:")
      expect(help.stdout.toUpperCase()).toContain(column)
    }
  })
})
