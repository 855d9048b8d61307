// `aegea batch` as a user runs it (dist/aegea.js) against moto: exit codes, stdout, stderr, nothing left behind.
import { BatchClient, DescribeJobQueuesCommand, DescribeJobDefinitionsCommand } from "@aws-sdk/client-batch"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto({ each: true })
const batch = new BatchClient(sdkConfig())
afterAll(() => batch.destroy())

describe("aegea batch (CLI on moto)", () => {
  it("submit --watch goes from an empty account to SUCCEEDED and exit 0", async () => {
    const r = await runCli(["batch", "submit", "--command", "echo hello", "--memory", "4096", "--vcpus", "2", "--watch"], { timeoutMs: 60_000 })
    expect(r.stderr).toMatch(/created job queue aegea_batch/)
    expect(r.stderr).toMatch(/\(aegea_echo\): SUCCEEDED/)
    expect(r.code).toBe(0)
    const queues = await batch.send(new DescribeJobQueuesCommand({ jobQueues: ["aegea_batch"] }))
    expect(queues.jobQueues?.[0]?.status).toBe("VALID")
  })

  it("--dry-run prints both requests as JSON and creates nothing", async () => {
    const r = await runCli(["batch", "submit", "--command", "echo hi", "--dry-run", "--json"])
    expect(r.code).toBe(0)
    const printed = JSON.parse(r.stdout) as { RegisterJobDefinition: { jobDefinitionName: string }; SubmitJob: { jobDefinition: string } }
    expect(printed.SubmitJob.jobDefinition).toBe(printed.RegisterJobDefinition.jobDefinitionName)
    expect((await batch.send(new DescribeJobQueuesCommand({}))).jobQueues).toEqual([])
    expect((await batch.send(new DescribeJobDefinitionsCommand({}))).jobDefinitions).toEqual([])
  })

  it("bad input gets one clear line and the right exit code", async () => {
    const cases: Array<[Array<string>, number, RegExp]> = [
      [["batch", "submit", "--command", "x", "--queue", "nope"], 5, /no job queue named "nope"/],
      [["batch", "submit", "--command", "x", "--memory", "lots"], 2, /--memory/],
      [["batch", "submit", "--command", "x", "--memory", "1000"], 2, /needs --memory 2048 to 8192/],
      [["batch", "submit", "--execute", "/nonexistent/job.sh"], 2, /cannot read --execute file \/nonexistent\/job\.sh/],
      [["batch", "describe", "00000000-0000-0000-0000-000000000000"], 5, /no Batch job named/],
      [["batch", "ls", "--queue", "nope"], 5, /no job queue named "nope"/]
    ]
    for (const [args, code, message] of cases) {
      const r = await runCli(args)
      expect(r.stderr.trim().split("\n")).toHaveLength(1)
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(code)
    }
    expect((await batch.send(new DescribeJobQueuesCommand({}))).jobQueues).toEqual([])
  })
})
