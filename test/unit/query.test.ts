// --query EXPR: JMESPath over the JSON form of the output, rendered in every --output format
// (lib/query.ts, Output.table / Output.document). Through the CLI against moto: test/cli/query.test.ts.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Result } from "effect"
import { TestClock } from "effect/testing"
import YAML from "yaml"
import { detectSettings } from "../../src/commands/global.ts"
import { compileQuery, renderQueryResult } from "../../src/lib/query.ts"
import { Output, type TableSpec } from "../../src/services/Output.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const start = Date.parse("2024-06-01T00:00:00.000Z")
const spec: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "launched", kind: "time" }
  ]
}
const rows = [
  { name: "web-1", id: "i-1", state: "running", launched: new Date(start), secret: "not a column" },
  { name: "web-2", id: "i-2", state: "stopped", launched: new Date(start - 86_400_000) },
  { name: "db", id: "i-3", state: "running", launched: new Date(start - 2 * 86_400_000) }
]

const printed = (query: string, format: "table" | "json" | "yaml" | "csv" | "tsv" = "table", call: "table" | "document" = "table", value: unknown = rows) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start + 3_600_000)
    const output = yield* Output
    yield* call === "table" ? output.table(value as typeof rows, spec) : output.document(value)
    const capture = yield* OutputCapture
    return { stdout: yield* capture.stdoutText, stderr: yield* capture.stderr }
  }).pipe(Effect.provide(OutputTest.layer({ format, query })))

describe("--query on a listing", () => {
  it.effect("sees what --output json prints (the table's columns), not the rows' other fields", () =>
    Effect.gen(function*() {
      const { stdout } = yield* printed("[0]", "json")
      assert.deepStrictEqual(JSON.parse(stdout), { name: "web-1", id: "i-1", state: "running", launched: "2024-06-01T00:00:00.000Z" })
    }))

  it.effect("a list of scalars: one per line in a table, a JSON list in json", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* printed("[].id")).stdout, "i-1\ni-2\ni-3\n")
      assert.deepStrictEqual(JSON.parse((yield* printed("[].id", "json")).stdout), ["i-1", "i-2", "i-3"])
      assert.deepStrictEqual(YAML.parse((yield* printed("[].id", "yaml")).stdout), ["i-1", "i-2", "i-3"])
      assert.strictEqual((yield* printed("[].id", "csv")).stdout, "i-1\ni-2\ni-3\n")
    }))

  it.effect("a list of objects: a table whose columns are the result's keys", () =>
    Effect.gen(function*() {
      const { stdout } = yield* printed("[?state=='running'].{n: name, i: id}")
      assert.deepStrictEqual(stdout.split("\n"), ["N      I", "web-1  i-1", "db     i-3", ""])
      assert.strictEqual((yield* printed("[?state=='running'].{n: name, i: id}", "csv")).stdout, "n,i\nweb-1,i-1\ndb,i-3\n")
      assert.strictEqual((yield* printed("[?state=='running'].{n: name, i: id}", "tsv")).stdout, "n\ti\nweb-1\ti-1\ndb\ti-3\n")
    }))

  it.effect("keys that are the listing's columns keep their headers and kinds (relative times again)", () =>
    Effect.gen(function*() {
      const { stdout } = yield* printed("[?state=='stopped']")
      assert.match(stdout, /^NAME\s+ID\s+STATE\s+LAUNCHED\n/)
      assert.match(stdout, /web-2\s+i-2\s+stopped\s+1 day ago/)
    }))

  it.effect("a scalar is text; null and an empty list print nothing in a table", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* printed("length(@)")).stdout, "3\n")
      assert.strictEqual((yield* printed("[0].name")).stdout, "web-1\n")
      assert.strictEqual((yield* printed("[0].name", "json")).stdout, '"web-1"\n')
      assert.strictEqual((yield* printed("[0].nothing")).stdout, "")
      assert.strictEqual((yield* printed("[0].nothing", "json")).stdout, "null\n")
      assert.strictEqual((yield* printed("[?state=='gone']")).stdout, "")
      assert.strictEqual((yield* printed("[?state=='gone']", "json")).stdout, "[]\n")
    }))

  it.effect("a list of lists: aligned rows without a header (csv: one line each)", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* printed("[].[name, id]")).stdout, "web-1  i-1\nweb-2  i-2\ndb     i-3\n")
      assert.strictEqual((yield* printed("[].[name, id]", "csv")).stdout, "web-1,i-1\nweb-2,i-2\ndb,i-3\n")
    }))

  it.effect("an object in a table is printed as YAML", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(YAML.parse((yield* printed("{count: length(@), first: [0].id}")).stdout), { count: 3, first: "i-1" })
    }))

  it.effect("works on what --sort-by ordered", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const output = yield* Output
      yield* output.table(rows, spec)
      assert.deepStrictEqual(JSON.parse(yield* (yield* OutputCapture).stdoutText), ["db", "web-1", "web-2"])
    }).pipe(Effect.provide(OutputTest.layer({ format: "json", query: "[].name", sortBy: Option.some({ key: "name", descending: false }) }))))

  it.effect("a type error at run time is a UsageError naming the expression, and nothing is printed", () =>
    Effect.gen(function*() {
      const output = yield* Output
      const error = yield* output.table(rows, spec).pipe(Effect.flip)
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "--query \"sum([].name)\"")
      assert.strictEqual(yield* (yield* OutputCapture).stdoutText, "")
    }).pipe(Effect.provide(OutputTest.layer({ query: "sum([].name)" }))))
})

describe("--query on a document", () => {
  const doc = { jobId: "j-1", attempts: [{ exitCode: 1 }, { exitCode: 0 }], when: new Date(start) }

  it.effect("applies to the document's JSON form, in every format", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* printed("jobId", "table", "document", doc)).stdout, "j-1\n")
      assert.strictEqual((yield* printed("when", "table", "document", doc)).stdout, "2024-06-01T00:00:00.000Z\n")
      assert.deepStrictEqual(JSON.parse((yield* printed("attempts[].exitCode", "json", "document", doc)).stdout), [1, 0])
      assert.strictEqual((yield* printed("attempts", "csv", "document", doc)).stdout, "exitCode\n1\n0\n")
      assert.strictEqual((yield* printed("attempts", "table", "document", doc)).stdout, "EXIT_CODE\n1\n0\n")
    }))
})

describe("--query with text output", () => {
  it.effect("leaves lines of text as they are, with one warning", () =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* output.text("line 1")
      yield* output.text("line 2")
      const capture = yield* OutputCapture
      assert.deepStrictEqual(yield* capture.stdout, ["line 1", "line 2"])
      assert.strictEqual((yield* capture.stderr).length, 1)
      assert.match((yield* capture.stderr)[0]!, /--query applies to tables and documents/)
    }).pipe(Effect.provide(OutputTest.layer({ query: "[0]" }))))
})

describe("compileQuery", () => {
  it.effect("a syntax error is a UsageError before anything runs (detectSettings checks --query)", () =>
    Effect.gen(function*() {
      const error = yield* compileQuery("[?state=='running'").pipe(Effect.flip)
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "Syntax error")
      const fromFlags = yield* detectSettings({ json: false, noColor: false, query: "[.bad" }, {}, {}).pipe(Effect.flip)
      assert.strictEqual(fromFlags._tag, "UsageError")
      const ok = yield* detectSettings({ json: false, noColor: false, query: "[].id" }, {}, {})
      assert.strictEqual(ok.query, "[].id")
    }))

  it.effect("searches plain JSON: Dates as ISO strings", () =>
    Effect.gen(function*() {
      const search = yield* compileQuery("when")
      assert.deepStrictEqual(search({ when: new Date(start) }), Result.succeed("2024-06-01T00:00:00.000Z"))
    }))
})

describe("renderQueryResult", () => {
  const context = { nowMillis: start, stringifyYaml: (v: unknown) => YAML.stringify(v) }
  it("fits a table of objects to the width like any table", () => {
    const hidden: Array<string> = []
    const text = renderQueryResult(
      [{ a: "x".repeat(30), b: "y".repeat(30), c: "z" }],
      { format: "table", color: false, width: 40 },
      { ...context, hidden }
    )
    assert.isTrue(text.split("\n").every((line) => line.length <= 40))
    assert.isAbove(hidden.length + (text.includes("…") ? 1 : 0), 0)
  })
})
