/**
 * What LogsMemory understands of CloudWatch's two query languages, enough to test aegea's commands:
 * filter patterns (terms, "quoted phrases", ?alternatives, -exclusions) and a Logs Insights subset
 * (`fields`, `filter @field like /re/` or `like "text"`, `sort @timestamp asc|desc`, `limit N`).
 */
import type { LogEvent, QueryRow } from "../services/Logs.ts"

/** Split a filter pattern into terms, keeping "quoted phrases" whole. */
const terms = (pattern: string): ReadonlyArray<string> =>
  [...pattern.matchAll(/([?-]?)"([^"]*)"|(\S+)/g)].map((m) => (m[3] !== undefined ? m[3] : `${m[1]}${m[2]}`))

/** CloudWatch filter-pattern matching: all plain terms, none of the -terms, any of the ?terms (case-sensitive). */
export const matchesFilterPattern = (pattern: string | undefined, message: string): boolean => {
  if (pattern === undefined || pattern.trim() === "" || pattern.trim().startsWith("{")) return true
  const all = terms(pattern)
  const optional = all.filter((t) => t.startsWith("?")).map((t) => t.slice(1))
  const excluded = all.filter((t) => t.startsWith("-") && t.length > 1).map((t) => t.slice(1))
  const required = all.filter((t) => !t.startsWith("?") && !(t.startsWith("-") && t.length > 1))
  return required.every((t) => message.includes(t)) &&
    !excluded.some((t) => message.includes(t)) &&
    (optional.length === 0 || optional.some((t) => message.includes(t)))
}

/** The Logs Insights subset `LogsMemory` runs: fields, filters, sort and limit. */
export interface ParsedQuery {
  readonly fields: ReadonlyArray<string>
  readonly filters: ReadonlyArray<{ readonly field: string; readonly test: (value: string) => boolean }>
  readonly sort: "asc" | "desc" | undefined
  readonly limit: number | undefined
}

/** Parse the subset; a string describing the syntax error when the query is malformed. */
export const parseInsightsQuery = (query: string): ParsedQuery | string => {
  const fields: Array<string> = []
  const filters: Array<ParsedQuery["filters"][number]> = []
  let sort: ParsedQuery["sort"]
  let limit: number | undefined
  for (const raw of splitPipeline(query)) {
    if (typeof raw !== "string") return raw.error
    const command = raw.trim()
    if (command === "") continue
    const [verb = "", ...rest] = command.split(/\s+/)
    const args = command.slice(verb.length).trim()
    switch (verb) {
      case "fields":
      case "display":
        fields.push(...args.split(",").map((f) => f.trim()).filter((f) => f !== ""))
        break
      case "filter": {
        const m = /^(@?\w+)\s+(not\s+)?like\s+(?:\/((?:\\.|[^/])*)\/|"((?:\\.|[^"])*)")$/.exec(args)
        if (!m) return `unsupported filter: ${args}`
        const negated = m[2] !== undefined
        let test: (v: string) => boolean
        if (m[3] !== undefined) {
          const caseless = m[3].startsWith("(?i)")
          let regex: RegExp
          try {
            regex = new RegExp(caseless ? m[3].slice(4) : m[3], caseless ? "i" : "")
          } catch {
            return `invalid regular expression /${m[3]}/`
          }
          test = (v) => regex.test(v)
        } else {
          const text = m[4]!.replace(/\\(.)/g, "$1")
          test = (v) => v.includes(text)
        }
        filters.push({ field: m[1]!, test: negated ? (v) => !test(v) : test })
        break
      }
      case "sort":
        sort = /\bdesc$/.test(args) ? "desc" : "asc"
        break
      case "limit": {
        const n = Number(rest[0])
        if (!Number.isInteger(n) || n < 1 || n > 10000) return `invalid limit: ${rest[0] ?? ""}`
        limit = n
        break
      }
      default:
        return `unexpected symbol "${verb}"`
    }
  }
  return { fields, filters, sort, limit }
}

/** Split on `|` outside /regex/ and "strings"; an unterminated one is an error. */
const splitPipeline = (query: string): ReadonlyArray<string | { readonly error: string }> => {
  const parts: Array<string> = []
  let current = ""
  let quote: string | undefined
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!
    if (quote !== undefined) {
      if (c === "\\") {
        current += c + (query[i + 1] ?? "")
        i++
        continue
      }
      if (c === quote) quote = undefined
    } else if (c === "/" || c === "\"") quote = c
    else if (c === "|") {
      parts.push(current)
      current = ""
      continue
    }
    current += c
  }
  if (quote !== undefined) return [{ error: `unterminated ${quote === "/" ? "regular expression" : "string"} in query` }]
  return [...parts, current]
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")
/** Insights renders @timestamp as "2024-05-01 12:00:00.000" (UTC). */
export const insightsTimestamp = (d: Date) =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`

/** The fields Logs Insights gives an event (@timestamp, @message, @logStream, @log...). */
export const eventFields = (e: LogEvent, accountId: string): Record<string, string> => ({
  "@timestamp": insightsTimestamp(e.timestamp),
  "@message": e.message,
  "@logStream": e.stream,
  "@log": `${accountId}:${e.group}`,
  "@ptr": Buffer.from(`${e.group}\u0000${e.id}`).toString("base64")
})

/** Run a parsed query over events: filter, sort, limit, project. */
export const runInsightsQuery = (
  q: ParsedQuery,
  events: ReadonlyArray<LogEvent>,
  accountId: string,
  requestLimit: number | undefined
): ReadonlyArray<QueryRow> => {
  const matching = events.filter((e) => {
    const all = eventFields(e, accountId)
    return q.filters.every((f) => f.test(all[f.field] ?? ""))
  })
  const sorted = q.sort === undefined
    ? matching
    : [...matching].sort((a, b) => (a.timestamp.getTime() - b.timestamp.getTime()) * (q.sort === "desc" ? -1 : 1))
  const limited = sorted.slice(0, q.limit ?? requestLimit ?? 1000)
  return limited.map((e) => {
    const all = eventFields(e, accountId)
    const shown = q.fields.length === 0 ? ["@timestamp", "@message"] : q.fields
    const row: Record<string, string> = {}
    for (const f of shown) if (all[f] !== undefined) row[f] = all[f]
    row["@ptr"] = all["@ptr"]!
    return row
  })
}
