// A secret value put through the CLI appears in no output of any secrets command (errors and
// --debug reports included) except the stdout of `secrets get`.
import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/cli.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

const value = `redaction-canary-${process.pid}-${Date.now()}`
const name = "redaction/app"

/** A hostile endpoint: every call fails with an error message that echoes the request body. */
let echo: Server
let echoUrl = ""
beforeAll(async () => {
  echo = createServer((req, res) => {
    let body = ""
    req.on("data", (d: Buffer) => (body += d.toString("utf8")))
    req.on("end", () => {
      const notFound = String(req.headers["x-amz-target"]).endsWith(".DescribeSecret")
      res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "echo-1" })
      res.end(JSON.stringify(notFound
        ? { __type: "ResourceNotFoundException", message: "not found" }
        : { __type: "ValidationException", message: `bad request ${body}` }))
    })
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  const address = echo.address()
  echoUrl = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : ""
  const put = await runCli(["secrets", "put", name], { input: value })
  expect(put.code, put.stderr).toBe(0)
})
afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())))

const everything = (r: CliResult) => r.stdout + "\n" + r.stderr

/** Runs argv with and without --debug; both runs' stdout and stderr must not contain the value. */
const assertClean = async (argv: ReadonlyArray<string>, input?: string) => {
  for (const debug of [[], ["--debug"]]) {
    const r = await runCli([...argv, ...debug], input === undefined ? {} : { input })
    expect(everything(r), `aegea ${[...argv, ...debug].join(" ")}`).not.toContain(value)
  }
}

describe("secret values never leak", () => {
  it("secrets get prints the value on stdout only, in text and JSON", async () => {
    const text = await runCli(["secrets", "get", name, "--debug"])
    expect(text.stdout).toBe(`${value}\n`)
    expect(text.stderr).not.toContain(value)
    const json = await runCli(["secrets", "get", name, "--output", "json", "--debug"])
    expect((JSON.parse(json.stdout) as { value: string }).value).toBe(value)
    expect(json.stderr).not.toContain(value)
  })

  it("every other subcommand, succeeding or failing, with and without --debug", async () => {
    await assertClean(["secrets", "ls"])
    await assertClean(["secrets", "ls", "--json"])
    await assertClean(["secrets", "get", name, "--field", "k"]) // not JSON: UsageError
    await assertClean(["secrets", "get", name, "--version-id", "00000000-0000-0000-0000-000000000000"])
    await assertClean(["secrets", "put", name, "--dry-run"], value)
    await assertClean(["secrets", "put", name], value) // a new version with the same value
    await assertClean(["secrets", "put", "redaction/other", "--endpoint-url", echoUrl], value) // AWS error echoing the request
    await assertClean(["secrets", "grant", name, "--iam-role", "nobody"])
    await assertClean(["secrets", "grant", name, "--iam-role", "nobody", "--dry-run"])
    await assertClean(["secrets", "delete", name, "--dry-run"])
    await assertClean(["secrets", "delete", name, "--recovery-days", "3"])
    await assertClean(["secrets", "get", name, "--endpoint-url", echoUrl])
    await assertClean(["secrets", "delete", name, "--recovery-days", "7", "--yes"])
    await assertClean(["secrets", "get", name]) // scheduled for deletion: InvalidRequest
    await assertClean(["secrets", "put", name], value) // to a secret scheduled for deletion
    await assertClean(["secrets", "delete", name, "--force", "--yes"])
    await assertClean(["secrets", "get", name]) // gone: not found
  })
})
