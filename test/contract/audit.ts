/**
 * The Audit contract: the same account, prepared by the harness, read through AuditMemory
 * (test/unit) and AuditLive on moto (test/integration):
 * - password policy: 14 characters, symbols required, 90-day expiry, 24 remembered;
 * - IAM user "contract-audit-user";
 * - trail "contract-trail": multi-region, log file validation, logging, to log group "contract-trail-logs";
 * - on that group, metric filter "root-usage" (metric CIS/RootUsage) and alarm "root-usage-alarm" with one action;
 * - configuration recorder "default" (all resources, global ones included), not started.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { Audit } from "../../src/services/Audit.ts"
import { runAudit } from "../../src/workflows/audit.ts"

export interface AuditHarness {
  readonly make: () => Promise<Layer.Layer<Audit>>
}

export const rootUsagePattern =
  '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'

const run = <A, E>(layer: Layer.Layer<Audit>, f: (s: Audit["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Audit)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

export const auditContract = (label: string, harness: AuditHarness) =>
  describe(`Audit contract (${label})`, () => {
    it("reads the account summary and the password policy", async () => {
      const layer = await harness.make()
      const summary = await run(layer, (a) => a.accountSummary)
      assert.strictEqual(typeof summary["AccountMFAEnabled"], "number")
      const policy = await run(layer, (a) => a.passwordPolicy)
      assert.deepStrictEqual(
        [policy?.minimumLength, policy?.requireSymbols, policy?.requireNumbers, policy?.maxAgeDays, policy?.reusePrevention],
        [14, true, false, 90, 24]
      )
    })

    it("the credential report lists the IAM user", async () => {
      const layer = await harness.make()
      const users = await run(layer, (a) => a.credentialReport)
      const user = users.find((u) => u.user === "contract-audit-user")
      assert.match(user?.arn ?? "", /:user\/contract-audit-user$/)
      assert.strictEqual(user?.passwordEnabled, false)
      assert.strictEqual(user?.accessKeys.length, 2)
    })

    it("reads trails with status and log group, recorders, metric filters and alarms", async () => {
      const layer = await harness.make()
      const trail = (await run(layer, (a) => a.trails)).find((t) => t.name === "contract-trail")
      assert.deepStrictEqual(
        [trail?.multiRegion, trail?.logFileValidation, trail?.isLogging, trail?.logGroup],
        [true, true, true, "contract-trail-logs"]
      )
      const recorder = (await run(layer, (a) => a.configRecorders)).find((r) => r.name === "default")
      assert.deepStrictEqual([recorder?.allSupported, recorder?.includeGlobalResources, recorder?.recording], [true, true, false])
      const filters = await run(layer, (a) => a.metricFilters("contract-trail-logs"))
      assert.deepStrictEqual(filters.map((f) => [f.name, f.pattern, f.metrics]), [
        ["root-usage", rootUsagePattern, [{ namespace: "CIS", name: "RootUsage" }]]
      ])
      const alarm = (await run(layer, (a) => a.alarms)).find((x) => x.name === "root-usage-alarm")
      assert.deepStrictEqual([alarm?.namespace, alarm?.metricName, alarm?.actions], ["CIS", "RootUsage", 1])
    })

    it("the checks over that account: the root-usage alarm passes, the recorder and other alarms fail", async () => {
      const layer = await harness.make()
      const results = await Effect.runPromise(runAudit(Date.now()).pipe(Effect.provide(layer)))
      const status = Object.fromEntries(results.map((r) => [r.id, r.status]))
      assert.strictEqual(status["1.7"], "PASS")
      assert.strictEqual(status["1.8"], "FAIL")
      assert.strictEqual(status["1.9"], "PASS")
      assert.strictEqual(status["2.1"], "PASS")
      assert.strictEqual(status["2.2"], "PASS")
      assert.strictEqual(status["2.5"], "FAIL")
      assert.strictEqual(status["3.3"], "PASS")
      assert.strictEqual(status["3.1"], "FAIL")
    })
  })

/** The account test/contract/audit.ts describes. */
export const contractAccount = {
  accountSummary: { AccountMFAEnabled: 0, AccountAccessKeysPresent: 0 },
  passwordPolicy: {
    minimumLength: 14,
    requireSymbols: true,
    requireNumbers: false,
    requireUppercase: false,
    requireLowercase: false,
    maxAgeDays: 90,
    reusePrevention: 24
  },
  credentialReport: [{
    user: "contract-audit-user",
    arn: "arn:aws:iam::123456789012:user/contract-audit-user",
    created: new Date(Date.UTC(2026, 0, 1)),
    passwordEnabled: false,
    mfaActive: false,
    accessKeys: [{ active: false }, { active: false }]
  }],
  trails: [{
    name: "contract-trail",
    arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/contract-trail",
    homeRegion: "us-east-1",
    multiRegion: true,
    logFileValidation: true,
    logGroup: "contract-trail-logs",
    isLogging: true
  }],
  configRecorders: [{ name: "default", allSupported: true, includeGlobalResources: true, recording: false }],
  metricFilters: [{ logGroup: "contract-trail-logs", name: "root-usage", pattern: rootUsagePattern, metrics: [{ namespace: "CIS", name: "RootUsage" }] }],
  alarms: [{ name: "root-usage-alarm", namespace: "CIS", metricName: "RootUsage", actions: 1 }]
}

