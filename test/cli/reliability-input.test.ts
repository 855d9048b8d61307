// Issue 19 through the built CLI: wording from what AWS returned under faults (moto behind the fault
// proxy), --debug never printing credentials or secret values, and odd input (times, profile names,
// config files that are not regular files) refused with one line and the documented exit code.
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { type FaultProxy, type FaultRule, dropResponse, operationIs, reply, startFaultProxy, status } from "../support/faultProxy.ts"
import { motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"

useMoto({ each: true })

const proxies: Array<FaultProxy> = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})
const scratch = mkdtempSync(join(tmpdir(), "aegea-reliability-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** moto behind a fault proxy; the CLI pointed at it, with retries. */
const through = async (rules: ReadonlyArray<FaultRule>) => {
  const proxy = await startFaultProxy(motoEndpoint(), { rules })
  proxies.push(proxy)
  return { proxy, env: { AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: "3" } }
}

const sessionToken = "FwoGZXIvYXdzEXAMPLEsessionTOKENvalue0123456789"

describe("wording from what AWS returned (fault proxy)", () => {
  it("stop --wait whose first answer was lost says WAS running, not stopped", async () => {
    const [id] = await seedInstances(1, { names: ["lost-1"] })
    const { env, proxy } = await through([{ match: operationIs("StopInstances"), action: dropResponse(), times: 1 }])
    const r = await runCli(["stop", "lost-1", "--wait", "--json"], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(proxy.reached("StopInstances")).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual([{ name: "lost-1", id, previousState: "running", state: "stopped" }])
  })

  it("secrets put of a new secret whose CreateSecret answer was lost says created", async () => {
    const { env, proxy } = await through([{ match: operationIs("CreateSecret"), action: dropResponse(), times: 1 }])
    const r = await runCli(["secrets", "put", "rel/new", "--json"], { env, input: "value-1" })
    expect(r.code, r.stderr).toBe(0)
    expect(proxy.reached("CreateSecret")).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: "rel/new", action: "created" }])
  })

  it("a DescribeSecret 404 cut short is retried; an HTML 503 is summarised, without the parser's fragment", async () => {
    const cut = status(404, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't fi`, { "content-type": "application/x-amz-json-1.1" })
    const { env, proxy } = await through([{ match: operationIs("DescribeSecret"), action: cut, times: 1 }])
    const put = await runCli(["secrets", "put", "rel/cut"], { env, input: "value-2" })
    expect(put.code, put.stderr).toBe(0)
    expect(proxy.received("DescribeSecret")).toBe(2)
    expect(put.stdout).toContain("created")

    const page = "<!DOCTYPE html>\r\n<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>busy</body>\r\n</html>\r\n"
    const html = await through([{ match: operationIs("GetSecretValue"), action: status(503, page, { "content-type": "text/html" }), times: Infinity }])
    const get = await runCli(["secrets", "get", "rel/cut", "--debug"], { env: { ...html.env, AWS_MAX_ATTEMPTS: "1" } })
    expect(get.code).toBe(6)
    expect(get.stderr).toContain("caused by: Error: HTTP 503 from the service (HTML page)")
    expect(get.stderr).not.toContain("\r")
    expect(get.stderr).not.toContain("is not valid JSON")
  })
})

describe("--debug redacts credentials and secret values", () => {
  it("an endpoint echoing the request (headers and body) in its error shows no token, signature or secret", async () => {
    const echo = reply((request) => ({
      status: 400,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ __type: "ValidationException", message: `echo ${JSON.stringify(request.headers)} ${request.body}` })
    }))
    const { env } = await through([{ match: operationIs("CreateSecret"), action: echo, times: Infinity }])
    const r = await runCli(["secrets", "put", "rel/echo", "--debug"], {
      env: { ...env, AWS_SESSION_TOKEN: sessionToken },
      input: "hunter2-do-not-print"
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("echo {") // the echo is there...
    expect(r.stderr).toContain("[redacted]")
    expect(r.stderr).not.toContain(sessionToken) // ...without what it carried
    expect(r.stderr).not.toContain("hunter2-do-not-print")
    expect(r.stderr).not.toMatch(/Signature=[0-9a-f]{16}/)
    expect(r.stderr).not.toMatch(/AWS4-HMAC-SHA256 Credential/)
  })
})

describe("odd input", () => {
  it("an out-of-range time is a usage error (exit 2) naming the flag", async () => {
    const r = await runCli(["logs", "some-group", "--start-time=-99999999d"])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `aegea: invalid time for --start-time: "-99999999d" is out of range (years 0 to 9999). Use e.g. 2h (two hours ago), 90m, '3 days', 2024-05-01, 2024-05-01T12:00Z, now, today, yesterday (see "Times" in the README)\n`
    )
  })

  it("--profile __proto__ is an unknown profile (exit 3), like any other", async () => {
    const r = await runCli(["ls", "--profile", "__proto__"])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`the AWS profile "__proto__" could not be found`)
  })

  it("a config file that is a FIFO is refused at once (exit 3), one line naming it", async () => {
    const fifo = join(scratch, "config.yml")
    execFileSync("mkfifo", [fifo])
    const r = await runCli(["ls"], { env: { AEGEA_CONFIG_FILE: fifo }, timeoutMs: 15_000 })
    expect(r.code).toBe(3)
    expect(r.stderr.split("\n")[0]).toBe(`aegea: could not read config file ${fifo}: it is a FIFO, not a regular file. Check that the file is readable, or remove it from AEGEA_CONFIG_FILE`)
  })
})
