// Shell completion as a shell uses it (dist/aegea.js) against moto: `aegea __complete` for static and
// dynamic values, the cache and the timeout on a stalled endpoint, and the bash script run by bash.
import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs"
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, runCli } from "../support/cli.ts"
import { startFaultProxy, stall } from "../support/faultProxy.ts"
import { seedLogs } from "../support/logs.ts"
import { makeTestHome, motoEndpoint, sdkConfig, seedInstances, useMoto } from "../support/moto.ts"

useMoto()

/** `aegea __complete bash -- WORDS...`: the candidates' values, the whole lines, the directive. */
const complete = async (words: ReadonlyArray<string>, opts: Parameters<typeof runCli>[1] = {}) => {
  const r = await runCli(["__complete", "bash", "--", ...words], { timeoutMs: 20_000, ...opts })
  expect(r.code, r.stderr).toBe(0)
  const lines = r.stdout.replace(/\n$/, "").split("\n")
  const directive = lines.pop()
  expect(directive).toMatch(/^:\d+$/)
  return { values: lines.map((line) => line.split("\t")[0]!), lines, stderr: r.stderr }
}

let instanceIds: Array<string> = []
let jobId = ""

beforeAll(async () => {
  instanceIds = await seedInstances(2, { names: ["web-1", "db-1"] })
  await seedLogs({ "/app/web": { s: [] }, "/aws/lambda/fn": {} })
  const ecs = new ECSClient(sdkConfig())
  const secrets = new SecretsManagerClient(sdkConfig())
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "compl_cluster" }))
    await secrets.send(new CreateSecretCommand({ Name: "compl/db", SecretString: "x", Description: "the database" }))
  } finally {
    ecs.destroy()
    secrets.destroy()
  }
  // Creates the queue aegea_batch and a job in it.
  const submit = await runCli(["batch", "submit", "--command", "echo hi", "--json"], { timeoutMs: 60_000 })
  expect(submit.code, submit.stderr).toBe(0)
  jobId = (JSON.parse(submit.stdout) as { jobId: string }).jobId
  expect(jobId).not.toBe("")
}, 120_000)

describe("aegea __complete (CLI on moto)", () => {
  it("static: subcommands, flags, --output choices; the hidden command is not in --help", async () => {
    expect((await complete([""])).values).toEqual(expect.arrayContaining(["ls", "ssh", "batch", "ecs", "logs", "secrets"]))
    expect((await complete(["batch", "w"])).values).toEqual(["watch"])
    expect((await complete(["ls", "--out"])).lines).toEqual([expect.stringMatching(/^--output\t/)])
    expect((await complete(["ls", "--output", ""])).values).toEqual(["table", "json", "yaml", "csv", "tsv"])
    expect((await complete(["ls", "--state", ""])).values).toEqual(["pending", "running", "shutting-down", "terminated", "stopping", "stopped"])
    expect((await complete(["ls", "--columns", "id,pri"])).values).toEqual(["id,privateIp", "id,privateDns"])
    const help = await runCli(["--help"], { env: { AEGEA_NO_STATIC: "1" } })
    expect(help.stdout).not.toContain("__complete")
  })

  it("dynamic: instance names and ids, log groups, Batch queues and job ids, ECS clusters, secrets", async () => {
    const instances = await complete(["ls", ""])
    expect(instances.values).toEqual(expect.arrayContaining([...instanceIds, "web-1", "db-1"]))
    expect((await complete(["ssh", "ec2-user@we"])).values).toEqual(["ec2-user@web-1"])
    expect((await complete(["logs", "/a"])).values).toEqual(expect.arrayContaining(["/app/web", "/aws/lambda/fn"]))
    expect((await complete(["logs", "export", "/app"])).values).toEqual(["/app/web"])
    expect((await complete(["batch", "submit", "--queue", ""])).values).toEqual(["aegea_batch"])
    expect((await complete(["batch", "watch", ""])).values).toContain(jobId)
    expect((await complete(["ecs", "tasks", "--cluster", "compl"])).values).toEqual(["compl_cluster"])
    expect((await complete(["secrets", "get", "compl/"])).lines).toEqual(["compl/db\tthe database"])
    expect((await complete(["--region", ""])).values).toContain("us-east-1")
  })

  it("profiles come from ~/.aws/config and ~/.aws/credentials", async () => {
    const home = makeTestHome()
    writeFileSync(join(home, "config"), "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n")
    writeFileSync(join(home, "credentials"), "[ci]\naws_access_key_id = x\naws_secret_access_key = y\n")
    const env = { AWS_CONFIG_FILE: join(home, "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials") }
    expect((await complete(["ls", "--profile", ""], { home, env })).values).toEqual(["default", "dev", "ci"])
  })

  it("a stalled endpoint: Tab still answers (nothing, or what was cached, however old)", async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [{ match: () => true, action: stall(), times: Infinity }] })
    try {
      // Nothing cached: an empty answer, after the lookup's timeout (well within the test's).
      const empty = await complete(["secrets", "get", ""], { env: { AWS_ENDPOINT_URL: proxy.url } })
      expect(empty.values).toEqual([])
      expect(proxy.log.length).toBeGreaterThan(0)

      // Cached by an earlier Tab against moto, then made old: the stalled refresh gives way to the cache.
      const home = makeTestHome()
      expect((await complete(["secrets", "get", ""], { home })).values).toEqual(["compl/db"])
      const file = join(home, ".cache", "aegea", "completion-default-us-east-1.json")
      const cache = JSON.parse(readFileSync(file, "utf8")) as Record<string, { at: number }>
      cache["secrets"]!.at = Date.now() - 3_600_000
      writeFileSync(file, JSON.stringify(cache))
      const before = proxy.log.length
      expect((await complete(["secrets", "get", ""], { home, env: { AWS_ENDPOINT_URL: proxy.url } })).values).toEqual(["compl/db"])
      expect(proxy.log.length).toBeGreaterThan(before)
    } finally {
      await proxy.close()
    }
  }, 60_000)

  it("the cache answers the next Tab within a minute without asking AWS (the endpoint is gone)", async () => {
    const home = makeTestHome()
    expect((await complete(["ecs", "tasks", "--cluster", "compl"], { home })).values).toEqual(["compl_cluster"])
    const gone = { AWS_ENDPOINT_URL: "http://127.0.0.1:9" }
    expect((await complete(["ecs", "tasks", "--cluster", "compl"], { home, env: gone })).values).toEqual(["compl_cluster"])
    // Another region is another cache: nothing there, and the dead endpoint answers nothing.
    expect((await complete(["--region", "eu-west-1", "ecs", "tasks", "--cluster", ""], { home, env: gone })).values).toEqual([])
  })
})

describe("aegea --completions", () => {
  let dir = ""
  let home = ""
  beforeAll(() => {
    // `aegea` on PATH, as an installed one would be.
    dir = mkdtempSync(join(tmpdir(), "aegea-bin-"))
    writeFileSync(join(dir, "aegea"), `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`)
    chmodSync(join(dir, "aegea"), 0o755)
    home = makeTestHome()
  })

  /** Source the script in bash, set the completion variables, run _aegea, print COMPREPLY. */
  const bash = (setup: string) => {
    const script = spawnSync(process.execPath, [CLI_PATH, "--completions", "bash"], { encoding: "utf8", env: cliEnv({ home }) }).stdout
    writeFileSync(join(dir, "aegea.bash"), script)
    const r = spawnSync("bash", ["-c", `source "${dir}/aegea.bash"; ${setup}; _aegea; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      encoding: "utf8",
      env: { ...cliEnv({ home }), PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}` },
      timeout: 30_000
    })
    expect(r.status, r.stderr).toBe(0)
    return r.stdout.split("\n").filter((line) => line !== "")
  }
  const line = (text: string) => `COMP_LINE='${text}'; COMP_POINT=${text.length}`

  it("bash: the generated script completes flags, choices and AWS values for real", () => {
    expect(bash("COMP_WORDS=(aegea ls --out); COMP_CWORD=2")).toEqual(["--output"])
    expect(bash(line("aegea ls --output "))).toEqual(["table", "json", "yaml", "csv", "tsv"])
    // After "=" readline completes only what follows it.
    expect(bash(line("aegea ls --output=j"))).toEqual(["json"])
    expect(bash(line("aegea ssh ec2-user@db"))).toEqual(["@db-1"])
    expect(bash(line("aegea logs /app"))).toEqual(["/app/web"])
    expect(bash(line("aegea ba"))).toEqual(["batch"])
  })

  it("bash on a pseudo-terminal: Tab in an interactive shell completes the line (static and from moto)", () => {
    const probe = spawnSync("script", ["--version"], { encoding: "utf8" })
    if (probe.error !== undefined && process.env.CI !== "true") return
    writeFileSync(join(dir, "aegea.bash"), spawnSync(process.execPath, [CLI_PATH, "--completions", "bash"], { encoding: "utf8", env: cliEnv({ home }) }).stdout)
    /** Type `text` and Tab in `bash -i` on a pseudo-terminal (script(1)), then echo the line as Tab left it. */
    const typeTab = (text: string) => {
      const r = spawnSync("script", ["-qfc", "bash --norc --noprofile -i", "/dev/null"], {
        // Ctrl-A goes to the start of the line: "echo LINE: " prints what completion made of it.
        input: `source "${dir}/aegea.bash"\n${text}\t\x01echo LINE: \nexit\n`,
        encoding: "utf8",
        env: { ...cliEnv({ home }), PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`, TERM: "dumb", PS1: "$ " },
        timeout: 30_000
      })
      const printed = /^LINE: (.*?)\r?$/m.exec(r.stdout)
      expect(printed, r.stdout).not.toBeNull()
      return printed![1]
    }
    expect(typeTab("aegea ls --output=j")).toBe("aegea ls --output=json")
    expect(typeTab("aegea ls --ou")).toBe("aegea ls --output")
    expect(typeTab("aegea ssh ec2-user@we")).toBe("aegea ssh ec2-user@web-1")
    expect(typeTab("aegea secrets get compl/")).toBe("aegea secrets get compl/db")
  })

  it("zsh and fish: scripts that hand the words to `aegea __complete`; PowerShell keeps effect/cli's", async () => {
    const zsh = await runCli(["--completions", "zsh"])
    expect(zsh.code).toBe(0)
    expect(zsh.stdout.startsWith("#compdef aegea\n")).toBe(true)
    expect(zsh.stdout).toContain("__complete zsh --")
    const fish = await runCli(["--completions", "fish"])
    expect(fish.stdout).toContain("complete -c aegea -f -a '(__aegea_complete)'")
    expect(fish.stdout).toContain("__complete fish --")
    const pwsh = await runCli(["--completions", "powershell"])
    expect(pwsh.code).toBe(0)
    expect(pwsh.stdout).toContain("Register-ArgumentCompleter")
  })
})
