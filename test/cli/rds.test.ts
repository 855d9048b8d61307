// `aegea rds` as a user runs it, against moto (moto's instances are available at once).
import { CreateDBClusterCommand, RDSClient } from "@aws-sdk/client-rds"
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

const json = <A>(text: string) => JSON.parse(text) as A
type Row = Record<string, unknown>

beforeAll(async () => {
  const rds = new RDSClient(sdkConfig())
  const secrets = new SecretsManagerClient(sdkConfig())
  try {
    await rds.send(new CreateDBClusterCommand({
      DBClusterIdentifier: "cli-cluster",
      Engine: "aurora-postgresql",
      MasterUsername: "postgres",
      MasterUserPassword: "cluster-password-1"
    }))
    await secrets.send(new CreateSecretCommand({ Name: "cli/dbpw", SecretString: JSON.stringify({ password: "Seeded-Pass-123" }) }))
  } finally {
    rds.destroy()
    secrets.destroy()
  }
})

describe("aegea rds (CLI)", () => {
  it("create --wait (password kept by RDS, never printed), --password-from-secret --dry-run, ls with clusters, a name in use", async () => {
    const created = await runCli(["rds", "create", "cli-db", "--engine", "postgres", "--storage", "30", "--wait", "--json"])
    expect(created.code, created.stderr).toBe(0)
    const row = json<Array<Row>>(created.stdout)[0]!
    expect(row).toMatchObject({ name: "cli-db", kind: "instance", engine: "postgres", class: "db.t3.micro", status: "available", storageGb: 30 })
    expect(created.stderr).toMatch(/'aegea secrets get arn:aws:secretsmanager:[^ ]+ --field password' prints it/)

    // The password is read from the secret (and checked) before the dry run stops.
    const fromSecret = await runCli(["rds", "create", "cli-mysql", "--engine", "mysql", "--class", "db.t3.small", "--password-from-secret", "cli/dbpw", "--dry-run"])
    expect(fromSecret.code, fromSecret.stderr).toBe(0)
    expect(fromSecret.stderr).toContain(
      "dry run: would create DB instance cli-mysql (mysql, db.t3.small, 20 GB) with master user admin and the password from secret cli/dbpw; nothing was changed"
    )
    expect(fromSecret.stdout + fromSecret.stderr).not.toContain("Seeded-Pass-123")

    const ls = await runCli(["rds", "ls"])
    expect(ls.code, ls.stderr).toBe(0)
    const [header, ...lines] = ls.stdout.trimEnd().split("\n")
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "KIND", "ENGINE", "VERSION", "CLASS", "STATUS", "ENDPOINT", "STORAGE GB", "MULTI-AZ"])
    expect(lines.map((l) => l.split(/\s+/).slice(0, 3)).sort()).toEqual([["cli-cluster", "cluster", "aurora-postgresql"], ["cli-db", "instance", "postgres"]])
    const taken = await runCli(["rds", "create", "cli-db"])
    expect(taken.code).toBe(2)
    expect(taken.stderr).toContain("a DB instance named cli-db already exists")
  })

  it("snapshot --wait, snapshots, restore --wait; delete refuses without --yes, takes a final snapshot by default", async () => {
    const snap = await runCli(["rds", "snapshot", "cli-db", "--snapshot-name", "cli-snap", "--wait", "--json"])
    expect(snap.code, snap.stderr).toBe(0)
    expect(json<Array<Row>>(snap.stdout)[0]).toMatchObject({ name: "cli-snap", source: "cli-db", status: "available", type: "manual" })
    const listed = await runCli(["rds", "snapshots", "--instance", "cli-db", "--json"])
    expect(json<Array<Row>>(listed.stdout).map((s) => s.name)).toContain("cli-snap")

    const restored = await runCli(["rds", "restore", "cli-snap", "cli-copy", "--wait", "--json"])
    expect(restored.code, restored.stderr).toBe(0)
    expect(json<Array<Row>>(restored.stdout)[0]).toMatchObject({ name: "cli-copy", engine: "postgres", status: "available" })

    const refused = await runCli(["rds", "delete", "cli-copy"])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("refusing to delete DB instance cli-copy")
    const deleted = await runCli(["rds", "delete", "cli-copy", "--yes", "--wait", "--json"])
    expect(deleted.code, deleted.stderr).toBe(0)
    const gone = json<Array<Row>>(deleted.stdout)[0]!
    expect(gone.status).toBe("deleted")
    expect(gone.finalSnapshot).toMatch(/^cli-copy-final-\d{8}-\d{6}$/)
    expect(deleted.stderr).toContain(`'aegea rds restore ${String(gone.finalSnapshot)} cli-copy' brings it back`)

    const missing = await runCli(["rds", "delete", "cli-nope", "--yes"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("aegea rds ls")
  })
})
