/**
 * The pieces of a status line (services/Output.ts `status`): spinner frames, elapsed time, byte
 * counts with rate and ETA, timestamps, and the colours of watch lines and log lines. Pure: times
 * are passed in (from Effect's Clock, so TestClock drives them).
 */
import { isoString } from "./isoTime.ts"
import { humanBytes } from "./relativeTime.ts"
import { colorState, visibleWidth } from "./table.ts"

/** Braille spinner, one frame per tick (Output's spinner ticks every 100 ms). */
export const spinnerFrames: ReadonlyArray<string> = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** How often the spinner redraws the status line. */
export const spinnerTickMillis = 100

export const spinnerFrame = (tick: number): string => spinnerFrames[((tick % spinnerFrames.length) + spinnerFrames.length) % spinnerFrames.length]!

/** "0s", "12s", "1m05s", "1h02m": how long a wait has lasted. */
export const formatElapsed = (millis: number): string => {
  const seconds = Math.max(0, Math.floor(millis / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`
}

/** "2026-11-30T10:31:02Z": UTC, to the second (the prefix of plain status lines and watch lines). */
export const timestamp = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

/** "pending → running" while on the way, "running" once there. */
export const transition = (current: string, target: string): string => (current === target ? current : `${current} → ${target}`)

/**
 * "1.5 MiB / 4 MiB · 512 KiB/s · ETA 5s": bytes done (of the total when known), the average rate
 * since the start and the time left at that rate. Rate and ETA are left out until a rate is known.
 */
export const formatTransfer = (done: number, total: number | undefined, elapsedMillis: number): string => {
  const parts = [total !== undefined ? `${humanBytes(done)} / ${humanBytes(total)}` : humanBytes(done)]
  const rate = elapsedMillis > 0 && done > 0 ? (done * 1000) / elapsedMillis : undefined
  if (rate !== undefined) {
    parts.push(`${humanBytes(Math.round(rate))}/s`)
    if (total !== undefined && total >= done) parts.push(`ETA ${formatElapsed(((total - done) / rate) * 1000)}`)
  }
  return parts.join(" · ")
}

const controls = /[\u0000-\u001f\u007f-\u009f]+/g

/** Cut to `width` columns on screen (an ellipsis when cut); colour sequences are not counted. */
export const fitToWidth = (text: string, width: number | undefined): string => {
  if (width === undefined || width <= 0 || visibleWidth(text) <= width) return text
  // Colour is dropped from a line that must be cut: cutting inside a sequence would garble the terminal.
  const plain = [...text.replace(/\u001b\[[0-9;]*m/g, "")]
  return plain.slice(0, Math.max(0, width - 1)).join("") + "…"
}

/**
 * The status line a terminal shows: "⠋ waiting for i-0abc (web-1): pending → running · 12s", on one
 * line (control characters in the text become spaces) no wider than the terminal, so that "\r"
 * returns to its start.
 */
export const statusLine = (tick: number, text: string, elapsedMillis: number, width: number | undefined): string =>
  fitToWidth(`${spinnerFrame(tick)} ${text.replace(controls, " ")} · ${formatElapsed(elapsedMillis)}`, width === undefined ? undefined : width - 1)

/** Move to the start of the line and erase it. */
export const eraseLine = "\r\u001b[2K"

export const dim = (text: string, color: boolean): string => (color ? `\u001b[2m${text}\u001b[22m` : text)

/** A state in its colour (green running, yellow pending, red failed...) when colour is on. */
export const stateColor = (state: string, color: boolean): string => (color ? colorState(state) : state)

/**
 * A watch line: "2026-11-30T10:31:02Z job 1234 (name): RUNNING (reason)", the time dim and the
 * status in its state's colour when colour is on.
 */
export const watchLine = (nowMillis: number, label: string, status: string, reason: string | undefined, color: boolean): string =>
  `${dim(timestamp(nowMillis), color)} ${label}: ${stateColor(status, color)}${reason ? ` (${reason})` : ""}`

const streamColors = ["36", "35", "34", "33", "32", "96", "95", "94"] as const

/** The same stream always gets the same colour (a hash of its name), so interleaved streams stand apart. */
export const streamColor = (stream: string, color: boolean): string => {
  if (!color) return stream
  let hash = 0
  for (const char of stream) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return `\u001b[${streamColors[hash % streamColors.length]}m${stream}\u001b[39m`
}

/**
 * A log event as a line of text: `prefix message`, where the message's own line breaks become lines
 * indented under the first (the width of the prefix), so every line of output starts with an event's
 * prefix or with spaces. A trailing line break is dropped.
 */
export const logLine = (prefix: string, message: string): string => {
  // Most messages are one line: no regular expressions, no width of the prefix.
  if (message.indexOf("\n") < 0) return prefix === "" ? message : `${prefix} ${message}`
  const lines = message.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n")
  if (prefix === "") return lines.join("\n")
  const indent = " ".repeat(visibleWidth(prefix) + 1)
  return `${prefix} ${lines[0]}${lines.slice(1).map((line) => `\n${indent}${line}`).join("")}`
}

/** `logs`: "TIMESTAMP [GROUP:]STREAM message", the time dim and the stream coloured when colour is on. */
export const eventLineText = (
  event: { readonly timestamp: Date; readonly group: string; readonly stream: string; readonly message: string },
  options: { readonly showGroup: boolean; readonly color: boolean }
): string =>
  logLine(
    `${dim(isoString(event.timestamp), options.color)} ${streamColor(`${options.showGroup ? `${event.group}:` : ""}${event.stream}`, options.color)}`,
    event.message
  )

/**
 * `batch logs`, `ecs logs` and the lines of a watch: the message as the program printed it; on a
 * terminal with colour on, after the time it was logged (dim, HH:MM:SS UTC) with its further lines
 * indented under the first.
 */
export const programLine = (event: { readonly timestamp: Date; readonly message: string }, color: boolean): string =>
  color ? logLine(dim(event.timestamp.toISOString().slice(11, 19), true), event.message) : event.message

/** A resource a wait follows: how to name it and the state it was last seen in. */
export interface Waited {
  readonly label: string
  readonly state: string
}

/**
 * The status line of a wait for resources to reach `target`: "waiting for i-0abc (web-1): pending →
 * running"; for several, "waiting for 2 instances to be running: i-1 (web-1) pending, i-2 running".
 */
export const waitingLine = (resources: ReadonlyArray<Waited>, target: string, noun: string): string =>
  resources.length === 1
    ? `waiting for ${resources[0]!.label}: ${transition(resources[0]!.state, target)}`
    : `waiting for ${resources.length} ${noun} to be ${target}: ${resources.map((r) => `${r.label} ${r.state}`).join(", ")}`

/** The lines a log gets from a wait (stderr not a terminal): "i-0abc (web-1) pending", one per resource. */
export const waitingPlain = (resources: ReadonlyArray<Waited>): ReadonlyArray<string> => resources.map((r) => `${r.label} ${r.state}`)
