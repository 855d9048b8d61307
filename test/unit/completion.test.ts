/**
 * Shell completion: the plan (what to complete for a command line) over the real command tree, the
 * answer's format, the column keys read from the listings' descriptions, the profile and cache
 * readers, `aegea __complete` itself against the in-memory layers (values, the cache), and the bash
 * script run by bash against a stand-in `aegea`.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { afterAll, assert, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { cli } from "../../src/cli.ts"
import { completionTree } from "../../src/commands/complete.ts"
import {
  cacheFileName,
  columnKeys,
  completionScript,
  DIRECTORIES,
  FILES,
  NO_SPACE,
  parseCache,
  plan,
  profilesIn,
  render,
  staticValues,
  type SwitchIsOn,
  usable
} from "../../src/lib/completion.ts"
import { jobStatuses } from "../../src/services/Batch.ts"
import { InstanceState } from "../../src/services/Ec2.ts"
import type { ConfigMap } from "../../src/lib/merge.ts"
import { commandFamily } from "../../src/lib/commandFamily.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { BatchMemory } from "../../src/testing/BatchMemory.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { EcsMemory } from "../../src/testing/EcsMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { SecretsMemory } from "../../src/testing/SecretsMemory.ts"

const tree = completionTree(cli)
/** The candidates' values for a command line (the last word is being completed). */
const values = (words: ReadonlyArray<string>, isOn?: SwitchIsOn, looked: ReadonlyArray<string> = []) => {
  const p = plan(tree, words, isOn)
  const known = p.kind === undefined ? undefined : staticValues(p.kind, p, { instanceStates: InstanceState.literals, jobStatuses })
  return answer(render(p, known ?? looked.map((value) => ({ value })))).values
}
const answer = (text: string) => {
  const lines = text.replace(/\n$/, "").split("\n")
  const last = lines.pop()!
  expect(last).toMatch(/^:\d+$/)
  return { values: lines.map((line) => line.split("\t")[0]!), lines, directive: Number(last.slice(1)) }
}

describe("completion plan (pure, over the real command tree)", () => {
  it("subcommands at the root and under a family; the hidden command is not offered", () => {
    const top = values([""])
    expect(top).toEqual(expect.arrayContaining(["ls", "ssh", "batch", "ecs", "logs", "secrets", "config"]))
    expect(top).not.toContain("__complete")
    expect(values(["ba"])).toEqual(["batch"])
    expect(values(["batch", ""])).toEqual(expect.arrayContaining(["submit", "watch", "ls", "queues"]))
    expect(values(["--region", "us-east-1", "batch", "su"])).toEqual(["submit"])
  })

  it("flags: the command's own, then the global ones, --help everywhere, --version and --completions at the root", () => {
    expect(values(["ls", "--out"])).toEqual(["--output"])
    const ls = values(["ls", "-"])
    expect(ls.slice(0, 3)).toEqual(["--tag", "--filter", "--state"])
    expect(ls).toEqual(expect.arrayContaining(["--profile", "--region", "--columns", "--sort-by", "--json", "--help"]))
    expect(ls).not.toContain("--version")
    expect(values(["--"])).toEqual(expect.arrayContaining(["--version", "--completions", "--output"]))
    expect(values(["batch", "submit", "--pla"])).toEqual(["--platform"])
    // Descriptions go along (one line each).
    const p = plan(tree, ["ls", "--out"])
    expect(answer(render(p)).lines[0]).toMatch(/^--output\tPrint results as a table/)
  })

  it("choices: --output (also -o and --output=), Literals flags, --completions", () => {
    expect(values(["ls", "--output", ""])).toEqual(["table", "json", "yaml", "csv", "tsv"])
    expect(values(["ls", "-o", "j"])).toEqual(["json"])
    expect(values(["ls", "--output=y"])).toEqual(["--output=yaml"])
    expect(values(["batch", "submit", "--platform", ""])).toEqual(["FARGATE", "EC2"])
    expect(values(["cost", "--granularity", "M"])).toEqual(["MONTHLY"])
    expect(values(["--completions", ""])).toEqual(expect.arrayContaining(["bash", "zsh", "fish"]))
    // A value already given does not confuse what follows.
    expect(values(["ls", "--output", "json", "--st"])).toEqual(["--state"])
  })

  it("negated switches only when the config turns the switch on; flags named no-... are ordinary flags", () => {
    expect(values(["start", "--no"])).not.toContain("--no-wait")
    const on: SwitchIsOn = (section, key) => section === "start" && key === "wait"
    expect(values(["start", "--no-w"], on)).toEqual(["--no-wait"])
    expect(values(["ssh", "--no"])).toEqual(expect.arrayContaining(["--no-ssm", "--no-ec2-instance-connect"]))
    expect(values(["ssh", "--no"])).not.toContain("--no-no-ssm")
    expect(values(["ssh", "--no-no"])).toEqual([])
    expect(values(["ssh", "--no-"], (section, key) => section === "ssh" && key === "no_ssm")).toEqual(expect.arrayContaining(["--no-ssm", "--no-no-ssm"]))
    // Global switches are on at the config's top level.
    expect(values(["ls", "--no-j"])).toEqual([])
    expect(values(["ls", "--no-j"], (section, key) => section === undefined && key === "json")).toEqual(["--no-json"])
    // The negation is read as a switch, not as a flag waiting for a value.
    expect(values(["start", "--no-wait", "--dr"])).toEqual(["--dry-run"])
  })

  it("values to look up: instances, log groups, queues, jobs, clusters, secrets, profiles, regions", () => {
    const kind = (words: ReadonlyArray<string>) => plan(tree, words).kind
    expect(kind(["ls", ""])).toBe("instances")
    expect(kind(["stop", "web-1", ""])).toBe("instances")
    expect(kind(["ssh", "w"])).toBe("instances")
    expect(kind(["ssh", "web-1", ""])).toBeUndefined()
    expect(kind(["logs", ""])).toBe("log-groups")
    expect(values(["logs", "e"])).toEqual(["export"])
    expect(kind(["logs", "export", ""])).toBe("log-groups")
    expect(kind(["grep", ""])).toBeUndefined()
    expect(kind(["grep", "ERROR", ""])).toBe("log-groups")
    expect(kind(["batch", "submit", "--queue", ""])).toBe("queues")
    expect(kind(["batch", "ls", "--queue=q"])).toBe("queues")
    expect(kind(["batch", "watch", ""])).toBe("jobs")
    expect(kind(["batch", "terminate", "a", ""])).toBe("jobs")
    expect(kind(["ecs", "tasks", "--cluster", ""])).toBe("clusters")
    expect(kind(["secrets", "get", ""])).toBe("secrets")
    expect(kind(["ls", "--profile", ""])).toBe("profiles")
    expect(kind(["--region", ""])).toBe("regions")
    expect(kind(["config", "get", ""])).toBe("config-keys")
    expect(kind(["launch", ""])).toBeUndefined()
  })

  it("the flags already on the line are read (the completer asks that region, profile, queue)", () => {
    const p = plan(tree, ["--profile", "dev", "batch", "watch", "--region=eu-west-1", "--queue", "q1", ""])
    expect(p.given).toMatchObject({ profile: "dev", region: "eu-west-1" })
    expect(plan(tree, ["batch", "ls", "--queue", "q1", "--status", ""]).given["queue"]).toBe("q1")
  })

  it("rendering: prefixes (--flag=, user@, a comma list), suffixes (scp's host:), the directive", () => {
    expect(values(["ssh", "root@w"], undefined, ["web-1", "db-1"])).toEqual(["root@web-1"])
    const scp = plan(tree, ["scp", "we"])
    const scpAnswer = answer(render(scp, [{ value: "web-1" }]))
    expect(scpAnswer.values).toEqual(["web-1:"])
    expect(scpAnswer.directive).toBe(NO_SPACE | FILES)
    expect(answer(render(plan(tree, ["scp", "web-1:/tmp/x"]), [{ value: "web-1" }]))).toMatchObject({ values: [], directive: FILES })
    expect(values(["ls", "--state", "running,st"], undefined, [])).toEqual(["running,stopping", "running,stopped"])
    expect(values(["ls", "--state=p"])).toEqual(["--state=pending"])
    expect(values(["batch", "ls", "--status", "RUNN"])).toEqual(["RUNNABLE", "RUNNING"])
    expect(answer(render(plan(tree, ["logs", "export", "g", "--output-dir", ""]))).directive).toBe(DIRECTORIES)
  })

  it("column keys of the command being completed, for --columns (a list) and --sort-by (with :asc/:desc)", () => {
    expect(values(["ls", "--columns", ""])).toEqual(expect.arrayContaining(["name", "id", "state", "availabilityZone", "launchTime", "tags"]))
    expect(values(["ls", "--columns", "id,st"])).toEqual(["id,state"])
    expect(values(["ls", "--columns", "name,id,"])).not.toContain("name,id,name")
    expect(values(["batch", "ls", "--sort-by", "cre"])).toEqual(["createdAt"])
    expect(values(["ls", "--sort-by", "name:"])).toEqual(["name:asc", "name:desc"])
    expect(values(["volumes", "--sort-by=si"])).toEqual(["--sort-by=sizeGiB"])
    expect(values(["logs", "--columns", "re"])).toEqual(["retentionDays"])
    // Global flags before the command still complete the command's columns.
    expect(values(["--columns", "", "ls"].slice(0, 2))).toEqual([])
  })

  it("every listing command names its columns in a form columnKeys reads (lib/table.ts listingDescription)", () => {
    const listings: Array<string> = []
    for (const [path, description] of Object.entries(tree.descriptions ?? {})) {
      if (!description.includes("Columns: ")) continue
      listings.push(path)
      expect(columnKeys(description).length, path).toBeGreaterThan(0)
    }
    expect(listings).toEqual(expect.arrayContaining(["ls", "images", "batch ls", "ecs clusters", "secrets ls"]))
    expect(columnKeys("List.\n  Columns: name, SIZE (GiB) (sizeGiB), AZ (availabilityZone); also: tags.Owner, arn. Dotted paths too.")).toEqual([
      "name",
      "sizeGiB",
      "availabilityZone",
      "tags.Owner",
      "arn"
    ])
    expect(columnKeys("Cost.\n  Columns: group (headed by the --group-by, SERVICE by default), one per period (its start, YYYY-MM-DD), total, unit; machine formats add keys. More.")).toEqual([
      "group",
      "total",
      "unit"
    ])
  })

  it("instances a command cannot use are left out (start offers stopped ones)", () => {
    const instances = [
      { value: "i-1", state: "running" },
      { value: "web-1", state: "running" },
      { value: "i-2", state: "stopped" }
    ]
    expect(usable(["start"], "instances", instances).map((c) => c.value)).toEqual(["i-2"])
    expect(usable(["ls"], "instances", instances)).toHaveLength(3)
    expect(usable(["ssh"], "instances", instances).map((c) => c.value)).toEqual(["i-1", "web-1"])
  })

  it("profiles from ~/.aws/config and credentials; cache files read defensively", () => {
    expect(profilesIn("[default]\nregion=us-east-1\n[profile dev]\n[sso-session x]\n[ profile  ops ]\n", "config")).toEqual(["default", "dev", "ops"])
    expect(profilesIn("[default]\n[ci]\naws_access_key_id=x\n", "credentials")).toEqual(["default", "ci"])
    expect(parseCache("not json")).toEqual({})
    expect(parseCache(JSON.stringify({ instances: { at: 1, values: [{ value: "i-1" }, 3] }, bad: { at: "x" } }))).toEqual({
      instances: { at: 1, values: [{ value: "i-1" }] }
    })
    expect(cacheFileName("my/profile", "us-east-1")).toBe("completion-my_profile-us-east-1.json")
  })

  it("the launcher loads the whole CLI for `__complete` (src/lib/commandFamily.ts)", () => {
    expect(commandFamily(["__complete", "bash", "--", "ls", ""])).toBe("all")
    expect(commandFamily(["__complete", "zsh", "--", ""])).toBe("all")
  })

  it("the scripts hand every completion to `aegea __complete`", () => {
    const bash = completionScript("bash")
    expect(bash).toContain("__complete bash --")
    expect(bash).toContain("complete -F _aegea aegea")
    const zsh = completionScript("zsh")
    expect(zsh.startsWith("#compdef aegea\n")).toBe(true)
    expect(zsh).toContain("__complete zsh --")
    expect(zsh).toContain("compdef _aegea aegea")
    const fish = completionScript("fish")
    expect(fish).toContain("__complete fish --")
    expect(fish).toContain("complete -c aegea -f -a '(__aegea_complete)'")
    // zsh and fish check their own syntax when installed (not in CI).
    for (const [shell, args] of [["zsh", ["-n"]], ["fish", ["--no-execute"]]] as const) {
      const probe = spawnSync(shell, ["--version"], { encoding: "utf8" })
      if (probe.error !== undefined) continue
      const file = join(mkdtempSync(join(tmpdir(), "aegea-completion-")), `script.${shell}`)
      writeFileSync(file, completionScript(shell))
      expect(spawnSync(shell, [...args, file], { encoding: "utf8" }).status).toBe(0)
    }
  })
})

describe("aegea __complete (the real command tree on the in-memory layers)", () => {
  let cacheHome = ""
  const saved = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, AWS_PROFILE: process.env.AWS_PROFILE, AWS_REGION: process.env.AWS_REGION }
  beforeAll(() => {
    cacheHome = mkdtempSync(join(tmpdir(), "aegea-completion-cache-"))
    process.env.XDG_CACHE_HOME = cacheHome
    process.env.AWS_REGION = "us-east-1"
    delete process.env.AWS_PROFILE
  })
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })

  const layers = (config: ConfigMap = {}) =>
    Layer.mergeAll(
      NodeServices.layer,
      Ec2Memory.layer({
        instances: [
          { id: "i-0aaa", name: "web-1", state: "running" },
          { id: "i-0bbb", name: "web-2", state: "stopped" }
        ]
      }),
      LogsMemory.layer({ groups: { "/app/web": {}, "/aws/batch/job": {} } }),
      BatchMemory.layer({ queues: [{ name: "aegea_batch", priority: 1, computeEnvironments: [] }] }),
      EcsMemory.layer({ clusters: ["aegea_ecs", "other"] }),
      SecretsMemory.layer({ secrets: [{ name: "db/password", value: "x", description: "database" }] }),
      OutputTest.layer(),
      layerFromValue(config)
    )
  const complete = (words: ReadonlyArray<string>, config: ConfigMap = {}) =>
    Effect.gen(function*() {
      yield* Command.runWith(cli, { version: "test" })(["__complete", "bash", "--", ...words])
      return answer(yield* (yield* OutputCapture).stdoutText)
    }).pipe(Effect.provide(layers(config)))

  it.live("static values, and values from each service", () =>
    Effect.gen(function*() {
      expect((yield* complete(["ls", "--output", ""])).values).toEqual(["table", "json", "yaml", "csv", "tsv"])
      expect((yield* complete(["ls", ""])).values).toEqual(["i-0aaa", "web-1", "i-0bbb", "web-2"])
      expect((yield* complete(["start", ""])).values).toEqual(["i-0bbb", "web-2"])
      expect((yield* complete(["ssh", "ubuntu@web"])).values).toEqual(["ubuntu@web-1"])
      expect((yield* complete(["logs", "/app"])).values).toEqual(["/app/web"])
      expect((yield* complete(["batch", "submit", "--queue", ""])).values).toEqual(["aegea_batch"])
      expect((yield* complete(["ecs", "tasks", "--cluster", "a"])).values).toEqual(["aegea_ecs"])
      const secrets = yield* complete(["secrets", "get", ""])
      expect(secrets.lines).toEqual(["db/password\tdatabase"])
      expect((yield* complete(["config", "get", "ba"])).values).toEqual(expect.arrayContaining(["batch_submit.", "batch_ls."]))
      const key = yield* complete(["config", "get", "batch_submit.mem"])
      expect(key).toMatchObject({ values: ["batch_submit.memory"], directive: 0 })
    }))

  it.live("the config turns a switch on: its negation is offered", () =>
    Effect.gen(function*() {
      expect((yield* complete(["ssh", "--no-no"])).values).toEqual([])
      expect((yield* complete(["ssh", "--no-no"], { ssh: { no_ssm: true } })).values).toEqual(["--no-no-ssm"])
      expect((yield* complete(["batch", "submit", "--no-w"], { batch_submit: { watch: true } })).values).toEqual(["--no-watch"])
      expect((yield* complete(["batch", "submit", "--no-w"], { batch_submit: { watch: false } })).values).toEqual([])
    }))

  it.live("values are cached per profile and region, and the cache answers the next Tab", () =>
    Effect.gen(function*() {
      yield* complete(["--region", "eu-west-3", "secrets", "get", ""])
      const file = join(cacheHome, "aegea", "completion-default-eu-west-3.json")
      const cache = parseCache(readFileSync(file, "utf8"))
      assert.deepStrictEqual(cache["secrets"]?.values, [{ value: "db/password", description: "database" }])
      // A fresh entry is used as it is: what the file says is what Tab offers.
      writeFileSync(file, JSON.stringify({ secrets: { at: Date.now(), values: [{ value: "from/cache" }] } }))
      expect((yield* complete(["--region", "eu-west-3", "secrets", "get", ""])).values).toEqual(["from/cache"])
      // An old entry is read again from AWS.
      writeFileSync(file, JSON.stringify({ secrets: { at: Date.now() - 120_000, values: [{ value: "from/cache" }] } }))
      expect((yield* complete(["--region", "eu-west-3", "secrets", "get", ""])).values).toEqual(["db/password"])
    }))
})

describe("the bash script, run by bash against a stand-in aegea", () => {
  it("replaces only what readline completes, honours nospace, shows values without descriptions", () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-bash-"))
    const stub = join(dir, "aegea")
    // Answers with what a real `aegea __complete` would, and records the words it was given.
    writeFileSync(
      stub,
      `#!/bin/sh
printf '%s\\n' "$@" > "${dir}/words"
case "$4" in
  ssh) printf 'root@web-1\\tinstance\\nroot@web-2\\n:0\\n' ;;
  scp) printf 'web-1:\\n:3\\n' ;;
  *) printf -- '--output=json\\tJSON\\n--output=yaml\\n:0\\n' ;;
esac
`
    )
    chmodSync(stub, 0o755)
    writeFileSync(join(dir, "aegea.bash"), completionScript("bash"))
    const run = (setup: string) =>
      spawnSync("bash", ["-c", `source "${dir}/aegea.bash"; ${setup}; _aegea; printf '%s|' "\${COMPREPLY[@]}"`], {
        encoding: "utf8",
        env: { PATH: `${dir}:${process.env.PATH}` }
      })
    const line = (text: string) => `COMP_LINE='${text}'; COMP_POINT=${text.length}`
    const eq = run(line("aegea ls --output=j"))
    expect(eq.stdout).toBe("json|yaml|")
    expect(readFileSync(join(dir, "words"), "utf8").split("\n").slice(0, 5)).toEqual(["__complete", "bash", "--", "ls", "--output=j"])
    // After @ (one of bash's special prefixes) readline replaces the @ too.
    expect(run(line("aegea ssh root@we")).stdout).toBe("@web-1|@web-2|")
    expect(run(line("aegea scp we")).stdout).toMatch(/^web-1:\|/)
    // COMP_WORDS alone (no COMP_LINE), as the quick manual check does.
    expect(run("COMP_WORDS=(aegea ls --out); COMP_CWORD=2").stdout).toBe("--output=json|--output=yaml|")
    // A trailing space completes a new, empty word.
    run(line("aegea ssh "))
    expect(readFileSync(join(dir, "words"), "utf8")).toBe("__complete\nbash\n--\nssh\n\n")
  })
})
