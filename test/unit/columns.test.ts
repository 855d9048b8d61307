// Column names (--columns / --sort-by take keys, headers, snake_case and aliases), readable headers of
// dotted paths, help text from a TableSpec, footer rows, right alignment, which columns a narrow
// terminal leaves out, and the stderr line of an empty table on a terminal.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Result } from "effect"
import YAML from "yaml"
import { instanceTable } from "../../src/commands/ls.ts"
import { describeColumns, fitColumns, headerFor, listingDescription, renderListing, resolveColumnName } from "../../src/lib/table.ts"
import { Output, type OutputSettings, type Row, type TableSpec } from "../../src/services/Output.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { AmbiguousName } from "../../src/errors.ts"

const now = Date.parse("2024-06-01T12:00:00.000Z")

const instances: ReadonlyArray<Row> = [
  { name: "web-1", id: "i-0aaaaaaaaaaaaaaaa", state: "running", type: "t3.micro", availabilityZone: "eu-west-1a", privateIp: "10.0.0.2", publicIp: "1.2.3.4", publicDns: "ec2-1.example", launchTime: new Date(now - 3_600_000), lifecycle: "normal", tags: { Name: "web-1", Owner: "ana" }, securityGroups: [] },
  { name: "web-2", id: "i-0bbbbbbbbbbbbbbbb", state: "stopped", type: "m5.large", availabilityZone: "eu-west-1b", launchTime: new Date(now - 7_200_000), lifecycle: "spot", tags: { Name: "web-2" }, securityGroups: [] }
]

const settings = (overrides: Partial<OutputSettings> = {}): OutputSettings => ({
  format: "json", columns: Option.none(), sortBy: Option.none(), color: false, width: undefined, ...overrides
})

const resolve = (name: string, rows: ReadonlyArray<Row> = instances) => Result.getOrThrow(resolveColumnName(instanceTable, rows, name, "--columns"))

describe("column names", () => {
  it("takes keys, headers (any case, spaces or _), snake_case keys and the Python aegea's names", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["launchTime", "launchTime"],
      ["AZ", "availabilityZone"],
      ["az", "availabilityZone"],
      ["LAUNCHED", "launchTime"],
      ["private ip", "privateIp"],
      ["PRIVATE_IP", "privateIp"],
      ["launch_time", "launchTime"],
      ["instance_type", "type"],
      ["public_dns_name", "publicDns"],
      ["private_ip_address", "privateIp"],
      ["public_ip_address", "publicIp"],
      ["placement", "availabilityZone"],
      ["availability_zone", "availabilityZone"],
      ["image_id", "imageId"],
      ["key_name", "keyName"],
      ["Tags.Owner", "tags.Owner"],
      ["tags.Owner", "tags.Owner"]
    ]
    for (const [name, key] of cases) assert.strictEqual(resolve(name), key, name)
  })

  it("knows the fields of the domain type even when no rows came back", () => {
    assert.strictEqual(resolve("key_name", []), "keyName")
    assert.strictEqual(resolve("vpc_id", []), "vpcId")
  })

  it("an unknown name is a UsageError (exit 2) listing the columns", () => {
    const result = resolveColumnName(instanceTable, instances, "colour", "--columns")
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "UsageError")
      assert.strictEqual(result.failure.message, 'unknown column "colour" for --columns')
      assert.include(result.failure.hint ?? "", "name, id, state, type, AZ (availabilityZone)")
      assert.include(result.failure.hint ?? "", "keyName")
    }
    const fromRender = renderListing(instances, instanceTable, settings({ columns: Option.some(["id", "bogus.path"]) }), now, YAML.stringify)
    assert.isTrue(Result.isFailure(fromRender))
  })

  it("--columns and --sort-by resolve names the same way; machine formats use the keys", () => {
    const text = Result.getOrThrow(renderListing(
      instances,
      instanceTable,
      settings({ columns: Option.some(["id", "instance_type", "LAUNCHED", "tags.Owner"]), sortBy: Option.some({ key: "launch_time", descending: false }) }),
      now,
      YAML.stringify
    ))
    const records = JSON.parse(text) as Array<Record<string, unknown>>
    assert.deepStrictEqual(Object.keys(records[0]!), ["id", "type", "launchTime", "tags.Owner"])
    assert.deepStrictEqual(records.map((r) => r["id"]), ["i-0bbbbbbbbbbbbbbbb", "i-0aaaaaaaaaaaaaaaa"])
    const bad = renderListing(instances, instanceTable, settings({ sortBy: Option.some({ key: "colour", descending: false }) }), now, YAML.stringify)
    assert.isTrue(Result.isFailure(bad) && bad.failure.message === 'unknown column "colour" for --sort-by')
  })
})

describe("headers", () => {
  it("a tag is headed by its key, other dotted paths by their words", () => {
    assert.strictEqual(headerFor(instanceTable, "tags.Owner"), "OWNER")
    assert.strictEqual(headerFor(instanceTable, "state.name"), "STATE NAME")
    assert.strictEqual(headerFor(instanceTable, "placement.availabilityZone"), "PLACEMENT AVAILABILITY ZONE")
    assert.strictEqual(headerFor(instanceTable, "availabilityZone"), "AZ")
    assert.strictEqual(headerFor(instanceTable, "keyName"), "KEY_NAME")
  })

  it("a table shows them", () => {
    const text = Result.getOrThrow(renderListing(instances, instanceTable, settings({ format: "table", columns: Option.some(["name", "tags.Owner"]) }), now, YAML.stringify))
    assert.deepStrictEqual(text.split("\n")[0]!.split(/\s{2,}/), ["NAME", "OWNER"])
  })
})

describe("help", () => {
  it("names the columns of a spec, headers with their keys", () => {
    assert.match(describeColumns(instanceTable), /^name, id, state, type, AZ \(availabilityZone\), privateIp, .*LAUNCHED \(launchTime\).*; also: tags, imageId/)
    const help = listingDescription("List things.", instanceTable)
    assert.match(help, /^List things\.\n {2}Columns: name, id, state, /)
    assert.include(help, "tags.Owner")
  })
})

describe("footer rows, alignment and fitting", () => {
  const spec: TableSpec = {
    columns: [
      { key: "group", kind: "name" },
      { key: "a", kind: "number", align: "right", keep: 1 },
      { key: "b", kind: "number", align: "right", keep: 2 },
      { key: "total", kind: "number", align: "right", keep: 10 }
    ],
    footerRows: 1
  }
  const rows: ReadonlyArray<Row> = [
    { group: "x", a: "1.00", b: "200.00", total: "201.00" },
    { group: "y", a: "30.00", b: "0.00", total: "30.00" },
    { group: "total", a: "31.00", b: "200.00", total: "231.00" }
  ]

  it("keeps the footer last under any --sort-by, sorting number text numerically", () => {
    for (const [key, descending, order] of [["total", false, "yx"], ["total", true, "xy"], ["group", true, "yx"], ["a", false, "xy"]] as const) {
      const text = Result.getOrThrow(renderListing(rows, spec, settings({ sortBy: Option.some({ key, descending }) }), now, YAML.stringify))
      const groups = (JSON.parse(text) as Array<{ group: string }>).map((r) => r.group)
      assert.deepStrictEqual(groups, [...order, "total"], `${key} ${descending}`)
    }
  })

  it("right-aligns amounts and their headers", () => {
    const text = Result.getOrThrow(renderListing(rows, spec, settings({ format: "table" }), now, YAML.stringify))
    const lines = text.trimEnd().split("\n")
    assert.deepStrictEqual(lines, [
      "GROUP      A       B   TOTAL",
      "x       1.00  200.00  201.00",
      "y      30.00    0.00   30.00",
      "total  31.00  200.00  231.00"
    ])
  })

  it("a narrow terminal leaves out the lowest `keep` first, never the kept total", () => {
    const fit = fitColumns([5, 10, 10, 10, 10], ["name", "text", "text", "text", "text"], 30, [0, 1, 2, 3, 10])
    assert.deepStrictEqual(fit.shown, [0, 3, 4])
  })
})

describe("empty tables", () => {
  const spec: TableSpec = { columns: [{ key: "id", kind: "id" }] }
  const run = (layer: ReturnType<typeof OutputTest.layer>) =>
    Effect.gen(function*() {
      yield* (yield* Output).table([], spec, { empty: "no instances in eu-west-1 matching state=running" })
      const capture = yield* OutputCapture
      return { stdout: yield* capture.stdoutText, stderr: yield* capture.stderr }
    }).pipe(Effect.provide(layer))

  it.effect("say what was searched on a terminal", () =>
    Effect.gen(function*() {
      const out = yield* run(OutputTest.layer({}, { stderrIsTTY: true }))
      assert.deepStrictEqual(out.stderr, ["no instances in eu-west-1 matching state=running"])
      assert.strictEqual(out.stdout, "ID\n")
    }))

  it.effect("say nothing through a pipe, and machine formats stay as they are", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual((yield* run(OutputTest.layer())).stderr, [])
      const json = yield* run(OutputTest.layer({ format: "json" }, { stderrIsTTY: true }))
      assert.deepStrictEqual([json.stdout, json.stderr], ["[]\n", []])
    }))

  it.effect("fall back to a generic line without a description", () =>
    Effect.gen(function*() {
      yield* (yield* Output).table([], spec)
      assert.deepStrictEqual(yield* (yield* OutputCapture).stderr, ["no results"])
    }).pipe(Effect.provide(OutputTest.layer({}, { stderrIsTTY: true }))))
})

describe("ambiguous names", () => {
  it("list at most five matches, then how many more and the command that lists them", () => {
    const candidates = Array.from({ length: 8 }, (_, i) => `i-0${i} (running)`)
    const error = new AmbiguousName({ kind: "instance", name: "web", candidates, listCommand: "aegea ls web" })
    assert.strictEqual(
      error.summary,
      '"web" matches 8 instances (i-00 (running), i-01 (running), i-02 (running), i-03 (running), i-04 (running) and 3 more (aegea ls web)). Use an id instead of the name'
    )
    const few = new AmbiguousName({ kind: "instance", name: "web", candidates: candidates.slice(0, 2) })
    assert.strictEqual(few.summary, '"web" matches 2 instances (i-00 (running), i-01 (running)). Use an id instead of the name')
  })
})
