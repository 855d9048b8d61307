/** What `aegea logs` and `aegea grep` share: naming log groups, unknown-group errors, event lines. */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ResourceNotFound } from "../errors.ts"
import { type LogEvent, Logs } from "../services/Logs.ts"
import type { TableSpec } from "../services/Output.ts"

export const unknownGroupHint = "Run 'aegea logs' to list the log groups (or 'aegea logs PREFIX*' to list some)"

/** `a,b` names several groups; `prefix*` names every group whose name starts with prefix. */
export const resolveGroups = (spec: string) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const names = spec.split(",").map((s) => s.trim()).filter((s) => s !== "")
    const resolved: Array<string> = []
    for (const name of names) {
      if (!name.endsWith("*")) {
        resolved.push(name)
        continue
      }
      const found = yield* Stream.runCollect(logs.groups({ prefix: name.slice(0, -1) }))
      if (found.length === 0) return yield* new ResourceNotFound({ kind: "log group", name, hint: unknownGroupHint })
      resolved.push(...found.map((g) => g.name))
    }
    if (resolved.length === 0) return yield* new ResourceNotFound({ kind: "log group", name: spec, hint: unknownGroupHint })
    return resolved
  })

/** After AWS said "not found": name the first of `groups` that does not exist. */
export const missingGroup = (groups: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    for (const name of groups) {
      const found = yield* Stream.runCollect(logs.groups({ prefix: name }))
      if (!found.some((g) => g.name === name)) return new ResourceNotFound({ kind: "log group", name, hint: unknownGroupHint })
    }
    return new ResourceNotFound({ kind: "log group or stream", name: groups.join(", "), hint: unknownGroupHint })
  })

/** `timestamp stream message`; the group is prefixed to the stream when several groups are shown. */
export const eventLine = (e: LogEvent, showGroup: boolean) =>
  `${e.timestamp.toISOString()} ${showGroup ? `${e.group}:` : ""}${e.stream} ${e.message.replace(/\r?\n$/, "")}`

export const eventTable: TableSpec = {
  columns: [
    { key: "timestamp", kind: "time" },
    { key: "group", kind: "name" },
    { key: "stream", kind: "name" },
    { key: "message", kind: "text" }
  ],
  kinds: { id: "id", ingested: "time" }
}
