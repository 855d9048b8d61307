/** The audit checks' branches (PASS, FAIL, ERROR) on AuditMemory, and `aegea audit` through the real parser. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Command } from "effect/cli"
import { auditCommand } from "../../src/commands/audit.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { AuditMemory, type AuditSeed } from "../../src/testing/AuditMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { eventChecks, patternHas, runAudit } from "../../src/workflows/audit.ts"
import { contractAccount } from "../contract/audit.ts"
import { rootOf } from "../support/root.ts"

const now = Date.UTC(2026, 5, 1)
const daysAgo = (n: number) => new Date(now - n * 86_400_000)

const statuses = (seed: AuditSeed) =>
  Effect.runPromise(runAudit(now).pipe(Effect.provide(AuditMemory.layer(seed)))).then((results) =>
    Object.fromEntries(results.map((r) => [r.id, { status: r.status, reason: r.reason }]))
  )

const root = (passwordLastUsed: Date | undefined) => ({
  user: "<root_account>",
  arn: "arn:aws:iam::123456789012:root",
  passwordEnabled: true,
  passwordLastUsed,
  mfaActive: true,
  accessKeys: [{ active: false }, { active: false }]
})

describe("audit checks", () => {
  it("an empty account fails the policy, trail, recorder and alarm checks; root MFA off fails", async () => {
    const r = await statuses({})
    assert.deepStrictEqual(r["1.5"], { status: "FAIL", reason: "the account has no password policy" })
    assert.strictEqual(r["1.13"]?.status, "FAIL")
    assert.strictEqual(r["1.12"]?.status, "PASS")
    assert.deepStrictEqual(r["2.1"], { status: "FAIL", reason: "no trails" })
    assert.strictEqual(r["2.5"]?.status, "FAIL")
    assert.strictEqual(r["3.14"]?.status, "FAIL")
    // No <root_account> row (moto's report has none): that check cannot be judged.
    assert.deepStrictEqual(r["1.1"], { status: "ERROR", reason: "the credential report has no <root_account> row" })
  })

  it("IAM: root use, users without MFA, unused credentials and old keys are named", async () => {
    const r = await statuses({
      accountSummary: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 1 },
      credentialReport: [
        root(daysAgo(3)),
        { user: "alice", arn: "a", passwordEnabled: true, passwordLastUsed: daysAgo(1), mfaActive: false, accessKeys: [{ active: true, lastRotated: daysAgo(200), lastUsed: daysAgo(1) }, { active: false }] },
        { user: "bob", arn: "b", created: daysAgo(400), passwordEnabled: true, mfaActive: true, accessKeys: [{ active: true, lastRotated: daysAgo(10), lastUsed: daysAgo(120) }, { active: false }] }
      ]
    })
    assert.deepStrictEqual(r["1.1"], { status: "FAIL", reason: "the root account was used on 2026-05-29" })
    assert.deepStrictEqual(r["1.2"], { status: "FAIL", reason: "no MFA: alice" })
    assert.deepStrictEqual(r["1.3"], { status: "FAIL", reason: "unused for 90 days: bob (password), bob (key 1)" })
    assert.deepStrictEqual(r["1.4"], { status: "FAIL", reason: "older than 90 days: alice (key 1)" })
    assert.strictEqual(r["1.12"]?.status, "FAIL")
    assert.strictEqual(r["1.13"]?.status, "PASS")
    const clean = await statuses({ credentialReport: [root(daysAgo(100)), { user: "carol", arn: "c", passwordEnabled: true, passwordLastUsed: daysAgo(2), mfaActive: true, accessKeys: [] }] })
    assert.deepStrictEqual([clean["1.1"]?.status, clean["1.2"]?.status, clean["1.3"]?.status, clean["1.4"]?.status], ["PASS", "PASS", "PASS", "PASS"])
  })

  it("a source that cannot be read makes its checks ERROR with the reason, others still run", async () => {
    const r = await statuses({ ...contractAccount, denied: ["trails", "credentialReport"] })
    assert.strictEqual(r["2.1"]?.status, "ERROR")
    assert.include(r["2.1"]?.reason, "access denied for cloudtrail:DescribeTrails")
    assert.strictEqual(r["3.3"]?.status, "ERROR")
    assert.strictEqual(r["1.2"]?.status, "ERROR")
    assert.strictEqual(r["1.7"]?.status, "PASS")
    const alarms = await statuses({ ...contractAccount, denied: ["alarms"] })
    assert.strictEqual(alarms["3.3"]?.status, "ERROR")
    assert.strictEqual(alarms["2.1"]?.status, "PASS")
  })

  it("metric filters: a filter without an alarm with an action fails; patterns match whole names", async () => {
    const noAction = await statuses({ ...contractAccount, alarms: [{ name: "x", namespace: "CIS", metricName: "RootUsage", actions: 0 }] })
    assert.deepStrictEqual(noAction["3.3"], { status: "FAIL", reason: "metric filter root-usage has no alarm with an action" })
    assert.isTrue(patternHas('{ $.eventName = "CreateRoute" }', "CreateRoute"))
    assert.isFalse(patternHas('{ $.eventName = "CreateRouteTable" }', "CreateRoute"))
    assert.strictEqual(eventChecks.length, 14)
    const stopped = await statuses({ ...contractAccount, trails: [{ ...contractAccount.trails[0]!, isLogging: false }] })
    assert.strictEqual(stopped["2.1"]?.status, "FAIL")
    assert.strictEqual(stopped["3.3"]?.reason, "no logging multi-region trail sends its events to CloudWatch Logs")
  })
})

const run = (seed: AuditSeed, ...argv: Array<string>) =>
  Effect.gen(function*() {
    const exit = yield* Command.runWith(rootOf(auditCommand), { version: "test", renderErrors: false })(["audit", ...argv]).pipe(Effect.exit)
    const out = yield* OutputCapture
    return { exit, stdout: yield* out.stdoutText, stderr: (yield* out.stderr).join("\n") }
  }).pipe(
    Effect.provide(Layer.mergeAll(NodeServices.layer, AuditMemory.layer(seed), OutputTest.layer({ format: "json" }), layerFromValue({}))),
    Effect.runPromise
  )

describe("aegea audit", () => {
  it("prints one row per check and fails (exit 1) when a check fails", async () => {
    const r = await run({})
    const rows = JSON.parse(r.stdout) as Array<{ id: string; check: string; status: string; reason: string }>
    assert.strictEqual(rows.length, 31)
    assert.deepStrictEqual(Object.keys(rows[0]!), ["id", "check", "status", "reason"])
    assert.isTrue(Exit.isFailure(r.exit))
    if (Exit.isFailure(r.exit)) {
      const failure = r.exit.cause.reasons.find((x) => x._tag === "Fail")
      const error = failure?._tag === "Fail" ? failure.error as { _tag: string; summary: string } : undefined
      assert.strictEqual(error?._tag, "OperationFailed")
      assert.match(error?.summary ?? "", /^\d+ of 31 checks failed in us-east-1/)
    }
  })

  it("ERROR alone does not fail the run; no check run at all does", async () => {
    const denied = await run({ ...contractAccount, accountSummary: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0 }, passwordPolicy: { ...contractAccount.passwordPolicy, requireNumbers: true, requireUppercase: true, requireLowercase: true }, configRecorders: [{ name: "default", allSupported: true, includeGlobalResources: true, recording: true }], denied: ["alarms"] })
    const rows = JSON.parse(denied.stdout) as Array<{ id: string; status: string }>
    assert.deepStrictEqual(rows.filter((x) => x.status === "FAIL").map((x) => x.id), [])
    assert.includeMembers(rows.filter((x) => x.status === "ERROR").map((x) => x.id), ["1.1", "3.3"])
    assert.isTrue(Exit.isSuccess(denied.exit))
    const nothing = await run({ denied: ["accountSummary", "passwordPolicy", "credentialReport", "trails", "configRecorders", "alarms"] })
    assert.isTrue(Exit.isFailure(nothing.exit))
    if (Exit.isFailure(nothing.exit)) {
      const failure = nothing.exit.cause.reasons.find((x) => x._tag === "Fail")
      assert.include(failure?._tag === "Fail" ? (failure.error as { summary: string }).summary : "", "none of the 31 checks could be run")
    }
  })
})
