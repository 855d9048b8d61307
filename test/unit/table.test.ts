import { assert, describe, it } from "@effect/vitest"
import { Option, Result } from "effect"
import YAML from "yaml"
import { humanBytes, relativeTime } from "../../src/lib/relativeTime.ts"
import { fitColumns, fitWidths, renderAlignedTable, renderListing, visibleWidth } from "../../src/lib/table.ts"
import type { OutputSettings, Row, TableSpec } from "../../src/services/Output.ts"
import { instanceTable } from "../../src/commands/ls.ts"
import { keyPairTable, securityGroupRuleTable } from "../../src/commands/resources.ts"

const now = Date.parse("2024-06-01T12:00:00.000Z")
const hoursAgo = (h: number) => new Date(now - h * 3_600_000)

const spec: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "name", kind: "name" },
    { key: "state", kind: "state" },
    { key: "launchTime", kind: "time" },
    { key: "description" }
  ],
  kinds: { tags: "tags", size: "bytes", cpus: "number" }
}

const rows: ReadonlyArray<Row> = [
  { id: "i-0aaaaaaaaaaaaaaaa", name: "web-10", state: "running", launchTime: hoursAgo(3), description: "front end", cpus: 4, size: 1.5 * 2 ** 30, tags: { Role: "web", Name: "web-10" }, placement: { availabilityZone: "eu-west-1a" } },
  { id: "i-0bbbbbbbbbbbbbbbb", name: "web-9", state: "stopped", launchTime: hoursAgo(30), description: "back end, with a comma", cpus: 16, size: 512, tags: { Name: "web-9" }, placement: { availabilityZone: "eu-west-1b" } },
  { id: "i-0cccccccccccccccc", name: "db", state: "pending", launchTime: undefined, cpus: undefined, tags: {} }
]

const settings = (overrides: Partial<OutputSettings> = {}): OutputSettings => ({
  format: "table", columns: Option.none(), sortBy: Option.none(), color: false, width: undefined, ...overrides
})

const render = (overrides: Partial<OutputSettings> = {}, input: ReadonlyArray<Row> = rows, tableSpec = spec) =>
  Result.getOrThrow(renderListing(input, tableSpec, settings(overrides), now, (v) => YAML.stringify(v)))

const json = (overrides: Partial<OutputSettings> = {}, input: ReadonlyArray<Row> = rows) =>
  JSON.parse(render({ ...overrides, format: "json" }, input)) as Array<Record<string, unknown>>

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "")

/** Cells of an aligned table, cut at the columns where the header's words start. */
const parseAligned = (text: string) => {
  const [header = "", ...lines] = stripAnsi(text).replace(/\n$/, "").split("\n")
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index)
  const cut = (line: string) => starts.map((s, i) => line.slice(s, starts[i + 1]).trim())
  return { header: cut(header), rows: lines.map(cut) }
}

/** A small RFC 4180 parser, to check that what we write parses back. */
const parseCsv = (text: string): Array<Array<string>> => {
  const records: Array<Array<string>> = []
  let field = ""
  let record: Array<string> = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"', i++)
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ",") (record.push(field), (field = ""))
    else if (c === "\n") (record.push(field), records.push(record), (record = []), (field = ""))
    else field += c
  }
  return records
}

describe("relativeTime and humanBytes", () => {
  it("reads times relative to now", () => {
    assert.strictEqual(relativeTime(new Date(now - 10_000), now), "just now")
    assert.strictEqual(relativeTime(new Date(now + 10_000), now), "just now")
    assert.strictEqual(relativeTime(hoursAgo(3), now), "3 hours ago")
    assert.strictEqual(relativeTime(new Date(now - 90 * 60_000), now), "1 hour ago")
    assert.strictEqual(relativeTime(new Date(now + 5 * 60_000), now), "in 5 minutes")
    assert.strictEqual(relativeTime(hoursAgo(30), now), "1 day ago")
    assert.strictEqual(relativeTime(hoursAgo(24 * 400), now), "1 year ago")
  })
  it("prints binary sizes", () => {
    assert.strictEqual(humanBytes(512), "512 B")
    assert.strictEqual(humanBytes(1024), "1 KiB")
    assert.strictEqual(humanBytes(1.5 * 2 ** 30), "1.5 GiB")
    assert.strictEqual(humanBytes(200 * 2 ** 20), "200 MiB")
  })
})

describe("aligned tables", () => {
  it("upper-cases headers and shows relative times, empty cells for missing values", () => {
    const table = parseAligned(render())
    assert.deepStrictEqual(table.header, ["ID", "NAME", "STATE", "LAUNCH_TIME", "DESCRIPTION"])
    assert.deepStrictEqual(table.rows[0], ["i-0aaaaaaaaaaaaaaaa", "web-10", "running", "3 hours ago", "front end"])
    assert.deepStrictEqual(table.rows[2], ["i-0cccccccccccccccc", "db", "pending", "", ""])
  })

  it("fits the width by truncating other columns, never ids or names", () => {
    const long = [{ id: "i-0123456789abcdef0", name: "a-long-instance-name-kept-whole", state: "running", description: "x".repeat(200) }]
    // 90 columns: the 200-character description is cut to what is left (at least 12 characters)
    const text = render({ width: 90 }, long)
    for (const line of text.trimEnd().split("\n")) assert.isAtMost(visibleWidth(line), 90)
    const row = parseAligned(text).rows[0]!
    assert.strictEqual(row[0], "i-0123456789abcdef0")
    assert.strictEqual(row[1], "a-long-instance-name-kept-whole")
    assert.isTrue(row[4]!.endsWith("…"))
    assert.notInclude(render({ width: undefined }, long), "…")
  })

  it("shrinks the widest truncatable column first", () => {
    assert.deepStrictEqual(fitWidths([10, 40, 20], [false, true, true], 10 + 30 + 20 + 4), [10, 30, 20])
    assert.deepStrictEqual(fitWidths([10, 40, 20], [false, true, true], 10 + 15 + 15 + 4), [10, 15, 15])
    assert.deepStrictEqual(fitWidths([30, 40], [false, false], 20), [30, 40])
  })

  it("when cutting is not enough, leaves out columns from the right, never id, name or state", () => {
    // name 20, id 19, state 7, then six columns of 15: far wider than 60
    const natural = [20, 19, 7, 15, 15, 15, 15, 15, 15]
    const kinds = ["name", "id", "state", undefined, undefined, undefined, undefined, "time", undefined]
    const fit = fitColumns(natural, kinds, 60)
    assert.deepStrictEqual(fit.shown.slice(0, 3), [0, 1, 2])
    assert.deepStrictEqual(fit.widths.slice(0, 3), [20, 19, 7])
    assert.isAtMost(fit.widths.reduce((a, b) => a + b, 0) + 2 * (fit.widths.length - 1), 60)
    assert.isTrue(fit.shown.length < natural.length)
    assert.deepStrictEqual(fit.shown, [...fit.shown].sort((a, b) => a - b), "the leftmost columns are the ones kept")
    // nothing to drop: id and name alone may overflow
    assert.deepStrictEqual(fitColumns([30, 40], ["id", "name"], 20).shown, [0, 1])
  })

  it("never cuts a noTruncate column: it is shown whole or left out", () => {
    // The long column (40) would be cut to fit 60; marked noTruncate it is left out instead.
    const natural = [10, 10, 40, 10]
    const kinds = ["name", "id", undefined, undefined]
    assert.deepStrictEqual(fitColumns(natural, kinds, 60).shown, [0, 1, 2, 3])
    assert.isBelow(fitColumns(natural, kinds, 60).widths[2]!, 40)
    const whole = fitColumns(natural, kinds, 60, [], [false, false, true, false])
    assert.deepStrictEqual(whole.shown, [0, 1, 3])
    assert.deepStrictEqual(whole.widths, [10, 10, 10])
    // Wide enough: shown whole.
    assert.deepStrictEqual(fitColumns(natural, kinds, 76, [], [false, false, true, false]).widths, [10, 10, 40, 10])
    // A column is not put back while a more important one (higher keep) stays out.
    assert.deepStrictEqual(fitColumns([10, 10, 40, 5], kinds, 60, [0, 0, 1, 0], [false, false, true, false]).shown, [0, 1])
  })

  it("ARN and fingerprint columns are never cut, whatever the spec says", () => {
    const arn = "arn:aws:iam::123456789012:role/a-rather-long-role-name-for-testing"
    const rows = [{ name: "web-1", roleArn: arn, fingerprint: "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f", note: "n".repeat(40) }]
    const text = renderListing(rows, { columns: [{ key: "name", kind: "name" }, { key: "roleArn" }, { key: "fingerprint" }, { key: "note" }] },
      settings({ width: 80 }), now, YAML.stringify)
    assert.isTrue(Result.isSuccess(text))
    const out = Result.getOrThrow(text)
    for (const line of out.trimEnd().split("\n")) assert.isAtMost(visibleWidth(line), 80)
    assert.notMatch(out, /arn:aws:iam[^\s]*…/, "an ARN is not cut")
    assert.notMatch(out, /1f:51[^\s]*…/, "a fingerprint is not cut")
  })

  it("ls: leaves PUBLIC DNS out before cutting it to a stub, and before the other columns", () => {
    const rows = [{
      name: "web-1", id: "i-0123456789abcdef0", state: "running", type: "t3.micro", availabilityZone: "us-east-1a",
      privateIp: "10.0.0.12", publicDns: "ec2-54-210-167-99.compute-1.amazonaws.com", publicIp: "54.210.167.99",
      launchTime: hoursAgo(3), lifecycle: "spot", iamProfile: "web"
    }]
    const hidden: Array<string> = []
    const out = Result.getOrThrow(renderListing(rows, instanceTable, settings({ width: 150 }), now, YAML.stringify, hidden))
    assert.deepStrictEqual(hidden, ["PUBLIC DNS"])
    assert.notInclude(out, "ec2-54")
    assert.include(out, "54.210.167.99")
    assert.include(out, "IAM PROFILE")
    // Wide enough for everything: shown whole.
    assert.include(Result.getOrThrow(renderListing(rows, instanceTable, settings({ width: 200 }), now, YAML.stringify)), "ec2-54-210-167-99.compute-1.amazonaws.com")
  })

  it("security groups: ports and source stay longest, the source never cut", () => {
    const rows = [{
      name: "a-security-group-name", id: "sg-0123456789abcdef0", vpcId: "vpc-0123456789abcdef0", direction: "ingress",
      protocol: "tcp", ports: "443", source: "pl-0123456789abcdef0 (com.amazonaws.global.cloudfront.origin-facing)",
      description: "HTTPS from the CDN, the office and anything else that needs it"
    }]
    const hidden: Array<string> = []
    const out = Result.getOrThrow(renderListing(rows, securityGroupRuleTable, settings({ width: 150 }), now, YAML.stringify, hidden))
    assert.include(out, "PORTS")
    assert.include(out, "(com.amazonaws.global.cloudfront.origin-facing)")
    assert.includeMembers(hidden, ["DESCRIPTION", "PROTOCOL"])
    assert.notInclude(hidden, "PORTS")
    assert.notInclude(hidden, "SOURCE")
  })

  it("key pairs: the fingerprint is left out rather than cut", () => {
    const rows = [{ name: "k", id: "key-0123456789abcdef0", type: "ed25519", fingerprint: "SHA256:" + "A".repeat(43), created: hoursAgo(1) }]
    const narrow = Result.getOrThrow(renderListing(rows, keyPairTable, settings({ width: 50 }), now, YAML.stringify))
    assert.notInclude(narrow, "SHA256")
    const wide = Result.getOrThrow(renderListing(rows, keyPairTable, settings({ width: 100 }), now, YAML.stringify))
    assert.include(wide, "SHA256:" + "A".repeat(43))
  })

  it("tells which columns a narrow terminal left out", () => {
    const hidden: Array<string> = []
    const rows = [{ id: "i-0123456789abcdef0", name: "web-1", state: "running", a: "x".repeat(30), b: "y".repeat(30), c: "z".repeat(30) }]
    const columns = [
      { key: "name", header: "NAME", kind: "name" as const },
      { key: "id", header: "ID", kind: "id" as const },
      { key: "state", header: "STATE", kind: "state" as const },
      { key: "a", header: "A", kind: "text" as const },
      { key: "b", header: "B", kind: "text" as const },
      { key: "c", header: "C", kind: "text" as const }
    ]
    const text = renderAlignedTable(rows, columns, { color: false, width: 50 }, 0, hidden)
    for (const line of text.split("\n")) assert.isAtMost(visibleWidth(line), 50)
    assert.include(text, "running")
    assert.isTrue(hidden.length > 0)
    assert.deepStrictEqual(hidden, ["A", "B", "C"].slice(3 - hidden.length))
  })

  it("colours states only when color is on, without breaking alignment", () => {
    const plain = render({ color: false })
    const coloured = render({ color: true })
    assert.notInclude(plain, "\u001b[")
    assert.include(coloured, "\u001b[32mrunning\u001b[39m")
    assert.include(coloured, "\u001b[31mstopped\u001b[39m")
    assert.include(coloured, "\u001b[33mpending\u001b[39m")
    assert.strictEqual(stripAnsi(coloured), plain)
  })

  it("replaces control characters so data cannot break lines or inject escapes", () => {
    const text = render({}, [{ id: "i-1", name: "n", state: "ok", description: "two\nlines\u001b[31m" }])
    assert.strictEqual(text.trimEnd().split("\n").length, 2)
    assert.notInclude(text, "\u001b")
  })
})

describe("columns", () => {
  it("takes --columns with dotted paths; machine formats keep every requested key", () => {
    const columns = Option.some(["id", "placement.availabilityZone", "tags.Name", "tags.Owner"])
    const records = json({ columns })
    assert.deepStrictEqual(records[0], { id: "i-0aaaaaaaaaaaaaaaa", "placement.availabilityZone": "eu-west-1a", "tags.Name": "web-10", "tags.Owner": null })
    assert.deepStrictEqual(records[2], { id: "i-0cccccccccccccccc", "placement.availabilityZone": null, "tags.Name": null, "tags.Owner": null })
    const [header = "", , second = ""] = render({ columns }).split("\n")
    // a tag is headed by its key; another dotted path by its words
    assert.deepStrictEqual(header.split(/\s{2,}/), ["ID", "PLACEMENT AVAILABILITY ZONE", "NAME", "OWNER"])
    assert.deepStrictEqual(second.trimEnd().split(/\s{2,}/), ["i-0bbbbbbbbbbbbbbbb", "eu-west-1b", "web-9"])
  })

  it("rejects an unknown column with a UsageError naming the columns", () => {
    const result = renderListing(rows, spec, settings({ columns: Option.some(["id", "nope"]) }), now, YAML.stringify)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "UsageError")
      assert.strictEqual(result.failure.message, 'unknown column "nope" for --columns')
      assert.include(result.failure.hint ?? "", "id, name, state")
      assert.include(result.failure.hint ?? "", "launchTime")
    }
  })

  it("renders tags, bytes and times by kind in each format", () => {
    const columns = Option.some(["id", "tags", "size", "launchTime"])
    assert.deepStrictEqual(parseAligned(render({ columns })).rows[0], ["i-0aaaaaaaaaaaaaaaa", "Name=web-10, Role=web", "1.5 GiB", "3 hours ago"])
    assert.deepStrictEqual(json({ columns })[0], { id: "i-0aaaaaaaaaaaaaaaa", tags: { Name: "web-10", Role: "web" }, size: 1610612736, launchTime: hoursAgo(3).toISOString() })
    const csv = parseCsv(render({ columns, format: "csv" }))
    assert.deepStrictEqual(JSON.parse(csv[1]![1]!), { Name: "web-10", Role: "web" })
    assert.deepStrictEqual(csv[1]!.slice(2), ["1610612736", hoursAgo(3).toISOString()])
  })
})

describe("sorting", () => {
  const ids = (records: Array<Record<string, unknown>>) => records.map((r) => r["name"])
  const by = (key: string, descending = false) => Option.some({ key, descending })

  it("sorts strings naturally, numbers numerically, dates by time, missing last", () => {
    assert.deepStrictEqual(ids(json({ sortBy: by("name") })), ["db", "web-9", "web-10"])
    assert.deepStrictEqual(ids(json({ sortBy: by("name", true) })), ["web-10", "web-9", "db"])
    assert.deepStrictEqual(ids(json({ sortBy: by("cpus") })), ["web-10", "web-9", "db"])
    assert.deepStrictEqual(ids(json({ sortBy: by("cpus", true) })), ["web-9", "web-10", "db"])
    assert.deepStrictEqual(ids(json({ sortBy: by("launchTime") })), ["web-9", "web-10", "db"])
    assert.deepStrictEqual(ids(json({ sortBy: by("launchTime", true) })), ["web-10", "web-9", "db"])
  })

  it("sorts ISO strings of time columns and dotted paths not shown", () => {
    const isoRows = rows.map((r) => ({ ...r, launchTime: (r["launchTime"] as Date | undefined)?.toISOString() }))
    assert.deepStrictEqual(ids(json({ sortBy: by("launchTime") }, isoRows)), ["web-9", "web-10", "db"])
    assert.deepStrictEqual(ids(json({ sortBy: by("placement.availabilityZone", true) })), ["web-9", "web-10", "db"])
  })

  it("fails with a UsageError listing the columns for an unknown key", () => {
    const result = renderListing(rows, spec, settings({ sortBy: by("colour") }), now, YAML.stringify)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "UsageError")
      assert.include(result.failure.message, "colour")
      assert.include(result.failure.hint ?? "", "launchTime")
    }
  })
})

describe("machine formats", () => {
  it("writes an empty JSON list as []", () => {
    assert.strictEqual(render({ format: "json" }, []), "[]\n")
    assert.strictEqual(render({ format: "csv" }, []), "id,name,state,launchTime,description\n")
  })

  it("round-trips CSV with commas, quotes and newlines", () => {
    const tricky = [{ id: "i-1", name: 'say "hi", then\nleave', state: "running", description: "a,b\r\nc" }]
    const csv = parseCsv(render({ format: "csv" }, tricky))
    assert.deepStrictEqual(csv, [
      ["id", "name", "state", "launchTime", "description"],
      ["i-1", 'say "hi", then\nleave', "running", "", "a,b\r\nc"]
    ])
  })

  it("writes TSV with tabs and newlines in values replaced by spaces", () => {
    const tsv = render({ format: "tsv" }, [{ id: "i-1", name: "a\tb", state: "x\ny", description: "plain" }])
    const lines = tsv.replace(/\n$/, "").split("\n").map((l) => l.split("\t"))
    assert.deepStrictEqual(lines, [["id", "name", "state", "launchTime", "description"], ["i-1", "a b", "x y", "", "plain"]])
  })

  it("writes YAML that parses back to the JSON records", () => {
    assert.deepStrictEqual(YAML.parse(render({ format: "yaml" })), json())
    assert.deepStrictEqual(YAML.parse(render({ format: "yaml" }, [])), [])
  })
})
