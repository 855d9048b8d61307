/**
 * Settings take effect in the documented order, and config keys are exactly the flags: the built
 * binary against moto, with config files in a fresh HOME.
 */
import { CreatePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from "@aws-sdk/client-iam"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { makeTestHome, motoEndpoint, resetMoto, sdkConfig, seedInstances } from "../support/moto.ts"

/** A HOME whose user config file holds `yaml`. */
const homeWith = (yaml: string) => {
  const home = makeTestHome()
  mkdirSync(join(home, ".config", "aegea"), { recursive: true })
  writeFileSync(join(home, ".config", "aegea", "config.yml"), yaml)
  return home
}

const idsOf = (stdout: string) => (JSON.parse(stdout) as Array<{ id: string }>).map((row) => row.id).sort()

describe("region precedence: --region > AWS_REGION > AWS_DEFAULT_REGION > config region > the profile's region", () => {
  let east: Array<string> = []
  let west: Array<string> = []
  let oregon: Array<string> = []
  beforeAll(async () => {
    await resetMoto()
    east = await seedInstances(1, { namePrefix: "east-", region: "us-east-1" })
    west = await seedInstances(1, { namePrefix: "west-", region: "eu-west-1" })
    oregon = await seedInstances(1, { namePrefix: "oregon-", region: "us-west-2" })
  }, 60_000)

  it("AWS_REGION beats the config file's region", async () => {
    const home = homeWith("region: eu-west-1\n")
    const r = await runCli(["ls", "--json"], { home, env: { AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "" } })
    expect(r.stderr).toBe("")
    expect(idsOf(r.stdout)).toEqual(east)
  })

  it("AWS_DEFAULT_REGION beats the config file's region", async () => {
    const home = homeWith("region: eu-west-1\n")
    const r = await runCli(["ls", "--json"], { home, env: { AWS_REGION: "", AWS_DEFAULT_REGION: "us-west-2" } })
    expect(idsOf(r.stdout)).toEqual(oregon)
  })

  it("the config file's region beats the profile's, and --region beats everything", async () => {
    const home = homeWith("region: eu-west-1\n")
    const awsConfig = join(home, "aws-config")
    writeFileSync(awsConfig, "[default]\nregion = us-west-2\n")
    const env = { AWS_REGION: "", AWS_DEFAULT_REGION: "", AWS_CONFIG_FILE: awsConfig }
    expect(idsOf((await runCli(["ls", "--json"], { home, env })).stdout)).toEqual(west)
    expect(idsOf((await runCli(["ls", "--json", "--region", "us-east-1"], { home, env: { ...env, AWS_REGION: "us-west-2" } })).stdout))
      .toEqual(east)
    // Without the config's region, the profile's applies.
    expect(idsOf((await runCli(["ls", "--json"], { home: makeTestHome(), env })).stdout)).toEqual(oregon)
  })

  it("the config file's endpoint_url and profile are used when the environment sets none", async () => {
    const home = homeWith(`endpoint_url: ${motoEndpoint()}\nprofile: work\n`)
    const awsConfig = join(home, "aws-config")
    writeFileSync(awsConfig, "[profile work]\nregion = eu-west-1\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    const r = await runCli(["ls", "--json"], {
      home,
      env: {
        AWS_ENDPOINT_URL: "",
        AWS_REGION: "",
        AWS_DEFAULT_REGION: "",
        AWS_ACCESS_KEY_ID: "",
        AWS_SECRET_ACCESS_KEY: "",
        AWS_CONFIG_FILE: awsConfig
      }
    })
    expect(r.stderr).toBe("")
    expect(idsOf(r.stdout)).toEqual(west)
    // A profile the config names must exist, as one named by --profile must.
    const missing = await runCli(["ls"], { home: homeWith("profile: nope\n"), env: { AWS_CONFIG_FILE: awsConfig } })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain("the AWS profile \"nope\" could not be found")
  })
})

describe("config keys are the command's flags", () => {
  beforeAll(async () => {
    await resetMoto()
    await seedInstances(3, { names: ["b-box", "c-box", "a-box"] })
  }, 60_000)

  it("ls.columns and ls.sort_by change what aegea ls prints; the flags still win", async () => {
    const home = homeWith("ls:\n  columns: [name, state]\n  sort_by: name:desc\n")
    const table = await runCli(["ls"], { home })
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^NAME\s+STATE$/)
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(["c-box", "b-box", "a-box"])
    const flags = await runCli(["ls", "--columns", "id", "--sort-by", "name"], { home })
    expect(flags.stdout.split("\n")[0]).toMatch(/^ID$/)
    // Another command's section does not leak into ls.
    const other = await runCli(["ls"], { home: homeWith("images:\n  columns: id\n") })
    expect(other.stdout.split("\n")[0]).toMatch(/^NAME\s+ID\s+STATE/)
  })

  it("a string where the flag is repeatable is one element (ls.state: running)", async () => {
    const home = homeWith("ls:\n  state: stopped\n")
    const r = await runCli(["ls", "--json"], { home })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([])
  })

  it("an unknown key in a file is exit 3 naming the file, the line, the key and the nearest valid key", async () => {
    const home = homeWith("# mine\nls:\n  sort_by: name\n  colums: [id]\n")
    const r = await runCli(["ls"], { home })
    expect(r.code).toBe(3)
    const file = join(home, ".config", "aegea", "config.yml")
    expect(r.stderr).toContain(`invalid config in ${file} line 4: ls.colums is not a flag of aegea ls`)
    expect(r.stderr).toContain("did you mean ls.columns?")
    expect(r.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(2)
  })

  it("a wrong shape in a file is exit 3", async () => {
    const r = await runCli(["ls"], { home: homeWith("batch_submit:\n  memory: [1, 2]\n") })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("line 2: batch_submit.memory must be a whole number, got a list")
  })

  it("config set refuses an unknown key or a wrong shape (exit 2) and leaves the file alone; config unset removes a key", async () => {
    const home = homeWith("# keep me\nls:\n  columns: id\n")
    const file = join(home, ".config", "aegea", "config.yml")
    const unknown = await runCli(["config", "set", "launch.instnce_type", "t3.large"], { home })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("launch.instnce_type is not a flag of aegea launch")
    expect(unknown.stderr).toContain("did you mean launch.instance_type?")
    const shape = await runCli(["config", "set", "batch_submit.memory", "lots"], { home })
    expect(shape.code).toBe(2)
    expect(shape.stderr).toContain("batch_submit.memory must be a whole number, got \"lots\"")
    const section = await runCli(["config", "set", "lss.columns", "id"], { home })
    expect(section.code).toBe(2)
    expect(section.stderr).toContain("did you mean ls?")
    expect(readFileSync(file, "utf8")).toBe("# keep me\nls:\n  columns: id\n")

    const set = await runCli(["config", "set", "launch.iam_policies", "[ReadOnlyAccess]"], { home })
    expect(set.code).toBe(0)
    const unset = await runCli(["config", "unset", "ls.columns"], { home })
    expect(unset.code).toBe(0)
    expect(unset.stderr).toContain(`removed ls.columns from ${file}`)
    expect(readFileSync(file, "utf8")).toBe("# keep me\nlaunch:\n  iam_policies:\n    - ReadOnlyAccess\n")
    const again = await runCli(["config", "unset", "ls.columns"], { home })
    expect(again.code).toBe(5)
    const fromDefaults = await runCli(["config", "unset", "batch_submit.memory"], { home })
    expect(fromDefaults.code).toBe(5)
    expect(fromDefaults.stderr).toContain("built-in default")
  })

  it("launch.iam_policies needs --iam-policies and reaches the plan", async () => {
    const home = homeWith("launch:\n  iam_policies: ReadOnlyAccess\n")
    const r = await runCli(["launch", "box", "--amazon-linux-ami", "--dry-run", "--json"], { home, timeoutMs: 60_000 })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("arn:aws:iam::aws:policy/ReadOnlyAccess")
    const flag = await runCli(["launch", "box", "--amazon-linux-ami", "--dry-run", "--json", "--iam-policies", "arn:aws:iam::123456789012:policy/mine"], { home, timeoutMs: 60_000 })
    expect(flag.stdout).toContain("arn:aws:iam::123456789012:policy/mine")
    expect(flag.stdout).not.toContain("ReadOnlyAccess")
    const refused = await runCli(["launch", "box", "--amazon-linux-ami", "--dry-run", "--no-manage-iam"], { home })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("--iam-policies needs aegea to manage the role")
  })

  it("a real launch attaches the configured policies to the role", async () => {
    // moto does not load AWS's managed policies; a customer managed one is attached the same way.
    const iam = new IAMClient(sdkConfig())
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }] })
    const policy = await iam.send(new CreatePolicyCommand({ PolicyName: "aegea-test-read", PolicyDocument: document }))
    const arn = policy.Policy!.Arn!
    const home = homeWith(`launch:\n  iam_role: aegea.policies\n  iam_policies: ${arn}\n`)
    const r = await runCli(["launch", "policed", "--amazon-linux-ami", "--no-wait", "--json"], { home, timeoutMs: 60_000 })
    expect(r.stderr).not.toContain("aegea:")
    expect(r.code).toBe(0)
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "aegea.policies" }))
    expect((attached.AttachedPolicies ?? []).map((p) => p.PolicyArn)).toEqual([arn])
  })
})
