/**
 * Reading and rendering single values: a value at a dotted path of a row, as a table cell (relative
 * times, "k=v" tags, human byte sizes), as a JSON/YAML value, or as one CSV/TSV field. Pure.
 * The choices for each kind are listed at the top of `table.ts`.
 */
import type { ColumnKind, Row } from "./columns.ts"
import { isoString } from "./isoTime.ts"
import { humanBytes, relativeTime } from "./relativeTime.ts"

/** The value at a key of the row, or at a dotted path into it ("placement.availabilityZone"). */
export const valueAt = (row: Row, path: string): unknown => {
  if (Object.hasOwn(row, path)) return row[path]
  let current: unknown = row
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || !(part in current)) return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return typeof current === "function" ? undefined : current
}

export const isMissing = (value: unknown): value is undefined | null | "" =>
  value === undefined || value === null || value === ""

export const asDate = (value: unknown): Date | undefined => {
  const date = value instanceof Date ? value
    : typeof value === "string" || typeof value === "number" ? new Date(value)
    : undefined
  return date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Tags as a key-sorted record: from a `Record<string, string>` or an AWS `[{ Key, Value }]` list. */
const asTags = (value: unknown): Record<string, string> | undefined => {
  if (value === null || typeof value !== "object" || value instanceof Date) return undefined
  const entries: Array<[string, string]> = Array.isArray(value)
    ? value.filter((t) => typeof t?.Key === "string").map((t) => [t.Key, String(t.Value ?? "")])
    : Object.entries(value).map(([k, v]) => [k, isMissing(v) ? "" : String(v)])
  return Object.fromEntries(entries.sort(([a], [b]) => byCodePoint(a, b)))
}

/** A JSON/YAML-ready copy: Dates as ISO strings, no undefined, no functions, Maps as objects. */
export const toPlain = (value: unknown): unknown => {
  if (value === undefined || value === null || typeof value === "function" || typeof value === "symbol") return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : isoString(value)
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (typeof value === "number") return Number.isFinite(value) ? value : null
  if (typeof value !== "object") return value
  if (Array.isArray(value)) return value.map(toPlain)
  if (value instanceof Map) return toPlain(Object.fromEntries(value))
  if (value instanceof Set) return toPlain([...value])
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === "function") {
    const json: unknown = toJSON.call(value)
    if (json !== value) return toPlain(json)
  }
  const plain: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined && typeof field !== "function") plain[key] = toPlain(field)
  }
  return plain
}

/** The value as JSON/YAML show it (see the choices at the top of this file). */
export const machineValue = (value: unknown, kind: ColumnKind): unknown => {
  if (value === undefined || value === null) return null
  if (kind === "time") {
    const date = asDate(value)
    return date !== undefined ? isoString(date) : toPlain(value)
  }
  if (kind === "tags") return asTags(value) ?? toPlain(value)
  return toPlain(value)
}

/** The value as one CSV/TSV field: machine value, objects (tags included) as compact JSON. */
export const flatField = (value: unknown, kind: ColumnKind): string => {
  const machine = machineValue(value, kind)
  return machine === null ? "" : typeof machine === "object" ? JSON.stringify(machine) : String(machine)
}

export const plainText = (value: unknown): string =>
  isMissing(value) ? ""
    : typeof value === "string" ? value
    : value instanceof Date ? (Number.isNaN(value.getTime()) ? "" : isoString(value))
    : Array.isArray(value) ? value.map(plainText).filter((s) => s !== "").join(", ")
    : typeof value === "object" ? JSON.stringify(toPlain(value))
    : String(value)

export const controlCharacters = /[\u0000-\u001f\u007f-\u009f]+/g

/** The text of a table cell, before fitting: relative times, k=v tags, human byte sizes. */
export const tableCell = (value: unknown, kind: ColumnKind, nowMillis: number): string => {
  let text: string
  if (isMissing(value)) text = ""
  else if (kind === "time") text = asDate(value) ? relativeTime(asDate(value)!, nowMillis) : plainText(value)
  else if (kind === "tags") {
    const tags = asTags(value)
    text = tags ? Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(", ") : plainText(value)
  } else if (kind === "bytes" && typeof value === "number") text = humanBytes(value)
  else text = plainText(value)
  return text.replace(controlCharacters, " ")
}
