// `aegea iam` as a user runs it, against moto.
import { GetLoginProfileCommand, IAMClient } from "@aws-sdk/client-iam"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { seedIam } from "../support/iamSeed.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

const json = <A>(text: string) => JSON.parse(text) as A
type Row = Record<string, unknown>

beforeAll(async () => {
  await seedIam({
    groups: ["cli-devs"],
    users: [{ name: "cli-dana", groups: ["cli-devs"], accessKeys: 1 }],
    roles: [{ name: "cli-app", trustedService: "ec2.amazonaws.com" }],
    managedPolicies: [{ name: "cli-read", attachedTo: [{ kind: "role", name: "cli-app" }] }],
    inlinePolicies: [{ principal: { kind: "role", name: "cli-app" }, name: "cli-inline" }]
  })
})

describe("aegea iam (CLI)", () => {
  it("users (table columns), groups, roles, policies, policies --attached-to", async () => {
    const users = await runCli(["iam", "users"])
    expect(users.code, users.stderr).toBe(0)
    const [header, ...lines] = users.stdout.trimEnd().split("\n")
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "MFA", "ACCESS KEYS", "LAST USED", "GROUPS"])
    expect(lines.find((l) => l.startsWith("cli-dana"))).toMatch(/^cli-dana\s+false\s+AKIA\w+ active 0d\s+.*cli-devs$/)

    const groups = await runCli(["iam", "groups", "--json"])
    expect(json<Array<Row>>(groups.stdout).find((g) => g.name === "cli-devs")?.users).toEqual(["cli-dana"])
    const roles = await runCli(["iam", "roles", "--json"])
    expect(json<Array<Row>>(roles.stdout).find((r) => r.name === "cli-app")?.trustedPrincipals).toEqual(["ec2.amazonaws.com"])
    const policies = await runCli(["iam", "policies", "--json"])
    expect(json<Array<Row>>(policies.stdout).map((p) => [p.name, p.type, p.attachments])).toEqual([["cli-read", "managed", 1]])
    const ofRole = await runCli(["iam", "policies", "--attached-to", "cli-app", "--json"])
    expect(ofRole.code, ofRole.stderr).toBe(0)
    expect(json<Array<Row>>(ofRole.stdout).map((p) => [p.name, p.type, p.attachedTo])).toEqual([
      ["cli-read", "managed", "role/cli-app"],
      ["cli-inline", "inline", "role/cli-app"]
    ])
    const nobody = await runCli(["iam", "policies", "--attached-to", "user/cli-nobody"])
    expect(nobody.code).toBe(5)
    expect(nobody.stderr).toContain("aegea iam users")
  })

  it("create-user --dry-run, then with groups and a console password printed once; unknown group; whoami", async () => {
    const dry = await runCli(["iam", "create-user", "cli-carol", "--groups", "cli-devs", "--console-password", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain(
      "dry run: would create IAM user cli-carol in group cli-devs with a console password that must be changed at first sign-in; nothing was changed"
    )
    const created = await runCli(["iam", "create-user", "cli-carol", "--groups", "cli-devs", "--console-password", "--json"])
    expect(created.code, created.stderr).toBe(0)
    const row = json<Array<Row>>(created.stdout)[0]!
    expect(row).toMatchObject({ name: "cli-carol", groups: ["cli-devs"], consoleAccess: true })
    expect(row.consolePassword).toMatch(/^\S{24}$/)
    expect(created.stderr).toContain("shown only this once")
    const iam = new IAMClient(sdkConfig())
    try {
      expect((await iam.send(new GetLoginProfileCommand({ UserName: "cli-carol" }))).LoginProfile?.UserName).toBe("cli-carol")
    } finally {
      iam.destroy()
    }

    const noGroup = await runCli(["iam", "create-user", "cli-erin", "--groups", "cli-devs,cli-nope"])
    expect(noGroup.code).toBe(5)
    expect(noGroup.stderr).toContain('no IAM group named "cli-nope"')

    const me = await runCli(["iam", "whoami", "--json"])
    expect(me.code, me.stderr).toBe(0)
    expect(json<Array<Row>>(me.stdout)[0]).toMatchObject({ account: "123456789012", source: "environment (AWS_ACCESS_KEY_ID)", region: "us-east-1" })
  })
})
