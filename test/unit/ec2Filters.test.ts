import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { ec2Filters, instanceFilterNames } from "../../src/commands/ec2Filters.ts"
import { parseColumns } from "../../src/commands/global.ts"
import { matchesFilters, toSdkFilters } from "../../src/lib/ec2Filters.ts"

describe("EC2 listing filters (-t/--tag, -f/--filter)", () => {
  it("tags become tag:KEY filters, repeated names merge, and state is renamed where asked", async () => {
    const filters = await Effect.runPromise(ec2Filters({ tag: ["env=prod", "env=dev"], filter: ["state=running", "vpc-id=vpc-1"] }, instanceFilterNames))
    expect(filters).toEqual({ "tag:env": ["prod", "dev"], "instance-state-name": ["running"], "vpc-id": ["vpc-1"] })
    expect(toSdkFilters(filters).Filters?.map((f) => f.Name)).toEqual(["instance-state-name", "vpc-id", "tag:env"])
    expect(toSdkFilters({})).toEqual({})
    const bad = await Effect.runPromise(Effect.flip(ec2Filters({ tag: [], filter: ["novalue"] })))
    expect(bad.message).toContain("invalid value for --filter")
  })

  it("matchesFilters judges tag:KEY on tags and other names on camelCase fields (any value, any list item)", () => {
    const row = { id: "acl-1", vpcId: "vpc-1", subnets: ["subnet-a", "subnet-b"], tags: { env: "prod" } }
    expect(matchesFilters(row, { "tag:env": ["dev", "prod"], "vpc-id": ["vpc-1"] })).toBe(true)
    expect(matchesFilters(row, { subnets: ["subnet-b"] })).toBe(true)
    expect(matchesFilters(row, { "tag:env": ["dev"] })).toBe(false)
    expect(matchesFilters(row, { "tag:missing": ["x"] })).toBe(false)
    expect(matchesFilters(row, { "vpc-id": ["vpc-2"] })).toBe(false)
    expect(matchesFilters(row)).toBe(true)
  })
})

describe("-c/--columns", () => {
  it("takes commas, or spaces when there is no comma (a header may hold a space)", () => {
    expect(Result.getOrThrow(parseColumns("id name  state"))).toEqual(["id", "name", "state"])
    expect(Result.getOrThrow(parseColumns("id, private ip,id"))).toEqual(["id", "private ip"])
    expect(Result.isFailure(parseColumns("  "))).toBe(true)
  })
})
