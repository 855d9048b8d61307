// `aegea secrets` as a user runs it, against moto.
import { describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

describe("aegea secrets (CLI)", () => {
  it("put from stdin, ls, get, get --field, a new version, --version-stage AWSPREVIOUS", async () => {
    const put = await runCli(["secrets", "put", "cli/db", "--description", "database"], { input: '{"user":"app","password":"pw-1"}' })
    expect(put.code, put.stderr).toBe(0)
    expect(put.stdout).toContain("created")
    const ls = await runCli(["secrets", "ls", "--json"])
    expect(ls.code).toBe(0)
    const rows = JSON.parse(ls.stdout) as Array<{ name: string; description: string }>
    expect(rows.find((r) => r.name === "cli/db")?.description).toBe("database")
    expect((await runCli(["secrets", "get", "cli/db", "--field", "password"])).stdout).toBe("pw-1\n")
    expect((await runCli(["secrets", "put", "cli/db"], { input: "plain-2" })).stdout).toContain("new version")
    expect((await runCli(["secrets", "get", "cli/db"])).stdout).toBe("plain-2\n")
    expect((await runCli(["secrets", "get", "cli/db", "--version-stage", "AWSPREVIOUS", "--field", "user"])).stdout).toBe("app\n")
    const notJson = await runCli(["secrets", "get", "cli/db", "--field", "user"])
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toContain("not a JSON object")
  })

  it("put --from-file and --generate-ssh-key (prints an OpenSSH public key, stores the PEM private key)", async () => {
    const key = await runCli(["secrets", "put", "cli/ssh", "--generate-ssh-key"])
    expect(key.code, key.stderr).toBe(0)
    expect(key.stdout).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* cli\/ssh\n$/)
    const pem = await runCli(["secrets", "get", "cli/ssh"])
    expect(pem.stdout).toContain("-----BEGIN OPENSSH PRIVATE KEY-----")
  })

  it("missing secret -> exit 5 with a hint; unknown flag -> exit 2; no stdin value -> exit 2", async () => {
    const missing = await runCli(["secrets", "get", "cli/nope"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("aegea secrets ls")
    expect((await runCli(["secrets", "ls", "--bogus"])).code).toBe(2)
    const empty = await runCli(["secrets", "put", "cli/empty"], { input: "" })
    expect(empty.code).toBe(2)
    expect((await runCli(["secrets", "get", "cli/empty"])).code).toBe(5)
  })

  it("delete --recovery-days then force delete; grant puts a least-privilege inline policy", async () => {
    await runCli(["secrets", "put", "cli/tmp"], { input: "t" })
    const scheduled = await runCli(["secrets", "delete", "cli/tmp", "--recovery-days", "7", "--yes", "--json"])
    expect(scheduled.code, scheduled.stderr).toBe(0)
    expect((JSON.parse(scheduled.stdout) as Array<{ deletion: string }>)[0]?.deletion).toBe("scheduled")
    expect((await runCli(["secrets", "get", "cli/tmp"])).code).toBe(1)
    expect((await runCli(["secrets", "delete", "cli/tmp", "--force", "--yes"])).code).toBe(0)
    expect((await runCli(["secrets", "get", "cli/tmp"])).code).toBe(5)
    expect((await runCli(["secrets", "delete", "cli/tmp", "--recovery-days", "3"])).code).toBe(2)

    await runCli(["secrets", "put", "cli/shared"], { input: "s" })
    const dry = await runCli(["secrets", "grant", "cli/shared", "--iam-user", "nobody", "--dry-run", "--json"])
    expect(dry.code, dry.stderr).toBe(0)
    const policy = JSON.parse(dry.stdout) as { Statement: Array<{ Action: Array<string>; Resource: string }> }
    expect(policy.Statement[0]?.Action).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"])
    expect(policy.Statement[0]?.Resource).toMatch(/:secret:cli\/shared-/)
    const noUser = await runCli(["secrets", "grant", "cli/shared", "--iam-user", "nobody"])
    expect(noUser.code).toBe(5)
    expect((await runCli(["secrets", "grant", "cli/shared"])).code).toBe(2)
  })
})

describe("aegea secrets put at a terminal", () => {
  it("asks twice without echo and stores the value; two different values store nothing", async () => {
    const r = await runCliOnTerminal(["secrets", "put", "cli/typed"], {
      answer: [{ after: "(not shown)", send: "s3cret-typed\r" }, { after: "same value again", send: "s3cret-typed\r" }]
    })
    expect(r.code, r.output).toBe(0)
    expect(r.output).not.toContain("s3cret-typed")
    expect((await runCli(["secrets", "get", "cli/typed"])).stdout).toBe("s3cret-typed\n")
    const differ = await runCliOnTerminal(["secrets", "put", "cli/typo"], {
      answer: [{ after: "(not shown)", send: "one\r" }, { after: "same value again", send: "two\r" }]
    })
    expect(differ.code).toBe(2)
    expect(differ.output).toContain("the two values differ: nothing was stored")
    expect((await runCli(["secrets", "get", "cli/typo"])).code).toBe(5)
  })
})
