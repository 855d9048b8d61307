// Issue 19: every command family at 30 % injected faults gives the same stdout (ids normalised), the
// same exit code and the same resources (counted in moto directly) as its fault-free run.
//
// Each scenario runs once straight against moto (the reference), then once per seed through
// test/support/faultProxy.ts with randomFaults: throttling in each protocol's own shape, HTML 5xx pages,
// resets before forwarding, lost answers, bodies cut mid-way, truncation and slowness, deterministic by
// seed (the seed is in every failure message). moto is reset before each run.
//
// CI runs AEGEA_FAULT_RUNS (default 1) seeds per scenario; `npm run bench:faults` runs 20 and prints the
// figures (faults injected by kind, runs that matched, duplicated resources).
import { BatchClient, DescribeJobDefinitionsCommand, type JobStatus, ListJobsCommand } from "@aws-sdk/client-batch"
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { ECSClient, ListTaskDefinitionsCommand, ListTasksCommand } from "@aws-sdk/client-ecs"
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr"
import { CreateHostedZoneCommand, ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53"
import { ListSecretVersionIdsCommand, ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { afterAll, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/cli.ts"
import { faultKinds, type FaultKind, randomFaults, stall, startFaultProxy } from "../support/faultProxy.ts"
import { seedLogs } from "../support/logs.ts"
import { SECRET_MARK } from "../support/outputScan.ts"
import { ec2Client, motoEndpoint, resetMoto, sdkConfig, seedInstances, useMoto } from "../support/moto.ts"

useMoto()

const RUNS = Math.max(1, Math.min(100, Number(process.env.AEGEA_FAULT_RUNS ?? "1") || 1))
const FIRST_SEED = Number(process.env.AEGEA_FAULT_SEED ?? "19") || 19
const RATE = 0.3

const ec2 = ec2Client()
const batch = new BatchClient(sdkConfig())
const ecs = new ECSClient(sdkConfig())
const secrets = new SecretsManagerClient(sdkConfig())
const route53 = new Route53Client(sdkConfig())
const ecr = new ECRClient(sdkConfig())

interface Step {
  readonly args: ReadonlyArray<string>
  readonly input?: string
}
interface Scenario {
  readonly name: string
  readonly setup?: () => Promise<void>
  readonly steps: ReadonlyArray<Step>
  /** Resources counted in moto directly after the run: a duplicate shows as a higher count. */
  readonly count: () => Promise<Record<string, number>>
}

const namedInstances = async (name: string) => {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: [name] }] }))
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).filter((i) => i.State?.Name !== "terminated").length
}
const jobStatuses: ReadonlyArray<JobStatus> = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"]
const jobsNamed = async (name: string) => {
  let n = 0
  for (const jobStatus of jobStatuses) {
    const r = await batch.send(new ListJobsCommand({ jobQueue: "aegea_batch", jobStatus })).catch(() => ({ jobSummaryList: [] }))
    n += (r.jobSummaryList ?? []).filter((j) => j.jobName === name).length
  }
  return n
}
const jobDefinitionRevisions = async () =>
  (await batch.send(new DescribeJobDefinitionsCommand({}))).jobDefinitions?.length ?? 0
const ecsTasks = async () => {
  let n = 0
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
    const r = await ecs.send(new ListTasksCommand({ cluster: "aegea_ecs", desiredStatus })).catch(() => ({ taskArns: [] }))
    n += r.taskArns?.length ?? 0
  }
  return n
}
const taskDefinitionRevisions = async () => (await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns?.length ?? 0
const secretVersions = async (name: string) => {
  const listed = await secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))
  const found = (listed.SecretList ?? []).find((s) => s.Name === name)
  if (found === undefined) return { secrets: 0, versions: 0 }
  const v = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }))
  return { secrets: 1, versions: v.Versions?.length ?? 0, deleted: found.DeletedDate === undefined ? 0 : 1 }
}

const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "reads: ls, instance types of a listing",
    setup: async () => {
      await seedInstances(3, { namePrefix: "read-" })
    },
    steps: [{ args: ["ls", "--columns", "name,state,instance_type", "--sort-by", "name"] }],
    count: async () => ({ instances: await namedInstances("read-1") })
  },
  {
    name: "instance control: stop --wait, start --wait",
    setup: async () => {
      await seedInstances(1, { names: ["ctl-1"] })
    },
    steps: [{ args: ["stop", "ctl-1", "--wait"] }, { args: ["start", "ctl-1", "--wait"] }],
    count: async () => ({ instances: await namedInstances("ctl-1") })
  },
  {
    name: "launch",
    steps: [{ args: ["launch", "faulty-box", "--amazon-linux-ami", "--no-wait", "--no-dns", "--columns", "name,type"] }],
    count: async () => ({ instances: await namedInstances("faulty-box") })
  },
  {
    name: "batch submit --watch, cold (queue, role, log group and definition created) then warm",
    steps: [
      { args: ["batch", "submit", "--command", "echo hi", "--name", "faulty_job", "--watch"] },
      // warm: the queue, roles and definition exist now
      { args: ["batch", "submit", "--command", "echo hi", "--name", "faulty_job2", "--watch"] }
    ],
    count: async () => ({ jobs: await jobsNamed("faulty_job"), warmJobs: await jobsNamed("faulty_job2"), definitions: await jobDefinitionRevisions() })
  },
  {
    name: "ecs run",
    steps: [{ args: ["ecs", "run", "--command", "true", "--no-watch", "--tags", "run=faults"] }],
    count: async () => ({ tasks: await ecsTasks(), definitions: await taskDefinitionRevisions() })
  },
  {
    name: "operator families: zones update and records, ecr, elb, rds and iam listings",
    setup: async () => {
      await route53.send(new CreateHostedZoneCommand({ Name: "faults.example.", CallerReference: `faults-${Date.now()}` }))
      await ecr.send(new CreateRepositoryCommand({ repositoryName: "faults" }))
    },
    steps: [
      { args: ["zones", "update", "faults.example.", "www=10.0.0.1"] },
      { args: ["zones", "records", "faults.example.", "--output", "json"] },
      { args: ["ecr", "ls", "--output", "json"] },
      { args: ["elb", "ls", "--output", "json"] },
      { args: ["rds", "ls", "--output", "json"] },
      { args: ["iam", "users", "--output", "json"] }
    ],
    count: async () => {
      const zones = (await route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []
      const zone = zones.find((z) => z.Name === "faults.example.")
      const records = zone?.Id === undefined ? [] : (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }))).ResourceRecordSets ?? []
      return { zones: zones.length, records: records.length }
    }
  },
  {
    name: "logs",
    setup: () =>
      seedLogs({
        "/aegea/faults": {
          a: Array.from({ length: 30 }, (_, i) => ({ timestamp: Date.UTC(2026, 0, 1, 0, 0, i), message: `a line ${i}` })),
          b: Array.from({ length: 30 }, (_, i) => ({ timestamp: Date.UTC(2026, 0, 1, 0, 0, i, 500), message: `b line ${i}` }))
        }
      }),
    steps: [{ args: ["logs", "/aegea/faults", "--start-time", "2025-12-31"] }],
    count: async () => ({})
  },
  {
    name: "secrets put (new, then a version), get, delete",
    steps: [
      { args: ["secrets", "put", "faulty/db"], input: `${SECRET_MARK}first` },
      { args: ["secrets", "put", "faulty/db"], input: `${SECRET_MARK}second` },
      { args: ["secrets", "get", "faulty/db"] },
      { args: ["secrets", "delete", "faulty/db", "--yes"] }
    ],
    count: () => secretVersions("faulty/db")
  }
]

/** Ids, addresses, times and durations vary between runs; the rest of stdout must not. */
const normalise = (text: string) =>
  text
    .replace(/\bi-[0-9a-f]{8,17}\b/g, "i-ID")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "UUID")
    .replace(/\barn:aws:[^\s"]+/g, "ARN")
    .replace(/\/hostedzone\/[A-Z0-9]+|\bZ[A-Z0-9]{10,}\b/g, "ZONE")
    .replace(/\b\d+\.\d+\.\d+\.\d+\b/g, "IP")
    .replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z?\b/g, "TIME")
    .replace(/\b\d+(\.\d+)? ?(ms|s|m|h)\b/g, "DURATION")

interface Run {
  readonly results: ReadonlyArray<CliResult>
  readonly counts: Record<string, number>
}

const runScenario = async (scenario: Scenario, endpoint: string, env: Record<string, string>): Promise<Run> => {
  await resetMoto()
  await scenario.setup?.()
  const results: Array<CliResult> = []
  for (const step of scenario.steps) {
    results.push(await runCli(step.args, { env: { AWS_ENDPOINT_URL: endpoint, ...env }, timeoutMs: 90_000, ...(step.input === undefined ? {} : { input: step.input }) }))
  }
  return { results, counts: await scenario.count() }
}

const figures = {
  runs: 0,
  matched: 0,
  duplicated: 0,
  injected: Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>,
  requests: 0
}

afterAll(() => {
  ec2.destroy()
  batch.destroy()
  ecs.destroy()
  secrets.destroy()
  route53.destroy()
  ecr.destroy()
  const injected = Object.values(figures.injected).reduce((a, b) => a + b, 0)
  // The bench mode's figures (npm run bench:faults); one line in CI.
  console.log(
    `fault scenarios: ${figures.runs} runs at ${RATE * 100} % faults, ${figures.matched} matched their fault-free run, ` +
      `${figures.duplicated} duplicated resources; ${injected} faults injected in ${figures.requests} requests (` +
      faultKinds.map((k) => `${k} ${figures.injected[k]}`).join(", ") + ")"
  )
})

describe(`every family at ${RATE * 100} % injected faults matches its fault-free run (${RUNS} seed(s) each)`, () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const reference = await runScenario(scenario, motoEndpoint(), {})
      for (const [i, r] of reference.results.entries()) {
        expect(r.code, `fault-free step ${i} (${scenario.steps[i]!.args.join(" ")}): ${r.stderr}`).toBe(0)
      }
      for (let seed = FIRST_SEED; seed < FIRST_SEED + RUNS; seed++) {
        const rule = randomFaults({ seed, rate: RATE })
        const proxy = await startFaultProxy(motoEndpoint(), { rules: [rule] })
        let run: Run
        try {
          // Enough attempts that 30 % faults on every request still leave each call a way through.
          run = await runScenario(scenario, proxy.url, { AWS_MAX_ATTEMPTS: "10" })
          await proxy.settled()
        } finally {
          await proxy.close()
        }
        const where = `seed ${seed} (AEGEA_FAULT_SEED=${seed} AEGEA_FAULT_RUNS=1 to replay)`
        figures.runs += 1
        figures.requests += proxy.log.length
        for (const k of faultKinds) figures.injected[k] += rule.counts[k]
        for (const [i, r] of run.results.entries()) {
          const ref = reference.results[i]!
          expect(r.code, `${where}, step ${i}: ${r.stderr}`).toBe(ref.code)
          expect(normalise(r.stdout), `${where}, step ${i}`).toBe(normalise(ref.stdout))
          expect(r.stderr, `${where}, step ${i}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
        }
        const duplicated = Object.keys(reference.counts).filter((k) => (run.counts[k] ?? 0) > (reference.counts[k] ?? 0))
        figures.duplicated += duplicated.length
        expect(run.counts, where).toEqual(reference.counts)
        figures.matched += 1
      }
    }, 120_000 * RUNS)
  }
})

describe("a server that accepts the connection and never answers", () => {
  it("fails within the configured request timeout: one line, exit 6, each attempt abandoned", async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [{ match: () => true, action: stall(), times: Infinity }] })
    try {
      // Bounded by runCli's kill after 30 s; the request timeout (1 s) and 2 attempts end it long before.
      const r = await runCli(["ls"], { env: { AWS_ENDPOINT_URL: proxy.url, AEGEA_REQUEST_TIMEOUT: "1", AWS_MAX_ATTEMPTS: "2" }, timeoutMs: 30_000 })
      expect(r.code, r.stderr).toBe(6)
      const lines = r.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^aegea: could not list instances in us-east-1: .*no answer within 1s/)
      expect(proxy.received("DescribeInstances")).toBe(2)
    } finally {
      await proxy.close()
    }
  })
})
