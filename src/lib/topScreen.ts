/**
 * `aegea top`'s screen, pure: the snapshot it shows (panels of rows, each row with the rows behind
 * it), the keys it reads, the selection they move, and the frame drawn from both: exactly the
 * terminal's height in lines, none wider than its width, so the screen never scrolls. Plain ANSI:
 * no terminal library (none would pay for itself in a screen this simple, and each costs start-up).
 */

export type Cell = string | number | boolean | undefined

export interface TopColumn {
  readonly key: string
  readonly header: string
  readonly align?: "left" | "right"
}

export type TopRecord = Readonly<Record<string, Cell>>

export interface TopRow {
  readonly values: TopRecord
  /** What the row stands for (instances of a state and type, jobs of a queue...), shown by Enter. */
  readonly detail: ReadonlyArray<TopRecord>
}

export type PanelId = "instances" | "batch" | "ecs" | "alarms" | "cost"

export interface TopPanel {
  readonly id: PanelId
  readonly title: string
  readonly columns: ReadonlyArray<TopColumn>
  readonly detailColumns: ReadonlyArray<TopColumn>
  readonly rows: ReadonlyArray<TopRow>
  /** One line per source that failed ("us-west-2: could not list instances: ..."); the rest still shows. */
  readonly errors: ReadonlyArray<string>
  /** A line under the title (the cost panel's daily sparkline). */
  readonly note?: string | undefined
}

export interface TopSnapshot {
  /** When it was taken (epoch milliseconds). */
  readonly at: number
  readonly regions: ReadonlyArray<string>
  readonly panels: ReadonlyArray<TopPanel>
}

export interface TopState {
  readonly panel: number
  /** The selected row of each panel, by panel id. */
  readonly selected: Readonly<Partial<Record<PanelId, number>>>
  /** Showing the selected row's detail. */
  readonly drill: boolean
  /** First detail row shown when drilled in. */
  readonly detailTop: number
}

export const initialState: TopState = { panel: 0, selected: {}, drill: false, detailTop: 0 }

export type TopKey = "quit" | "refresh" | "next" | "previous" | "up" | "down" | "pageUp" | "pageDown" | "enter" | "back"

/** The keys in one chunk of terminal input (raw mode): several keys may arrive together. */
export const parseKeys = (chunk: string): ReadonlyArray<TopKey> => {
  const keys: Array<TopKey> = []
  let i = 0
  while (i < chunk.length) {
    const rest = chunk.slice(i)
    const sequences: ReadonlyArray<readonly [string, TopKey]> = [
      ["\x1b[A", "up"], ["\x1bOA", "up"], ["\x1b[B", "down"], ["\x1bOB", "down"],
      ["\x1b[D", "back"], ["\x1bOD", "back"], ["\x1b[C", "enter"], ["\x1bOC", "enter"],
      ["\x1b[5~", "pageUp"], ["\x1b[6~", "pageDown"], ["\x1b[Z", "previous"]
    ]
    const seq = sequences.find(([s]) => rest.startsWith(s))
    if (seq !== undefined) {
      keys.push(seq[1])
      i += seq[0].length
      continue
    }
    const c = rest[0]!
    i += 1
    if (c === "\x1b") {
      // A lone Esc is "back"; the rest of an unknown sequence is skipped.
      const unknown = /^\x1b\[[0-9;]*[A-Za-z~]/.exec(rest)
      if (unknown !== null) i += unknown[0].length - 1
      else keys.push("back")
    } else if (c === "q" || c === "Q" || c === "\x03" || c === "\x04") keys.push("quit")
    else if (c === "r" || c === "R") keys.push("refresh")
    else if (c === "\t") keys.push("next")
    else if (c === "\r" || c === "\n") keys.push("enter")
    else if (c === "\x7f" || c === "\b") keys.push("back")
    else if (c === "k") keys.push("up")
    else if (c === "j") keys.push("down")
  }
  return keys
}

const clamp = (n: number, low: number, high: number) => Math.max(low, Math.min(high, n))

const selectedRow = (state: TopState, panel: TopPanel | undefined): number =>
  panel === undefined ? 0 : clamp(state.selected[panel.id] ?? 0, 0, Math.max(0, panel.rows.length - 1))

/** The state after a key, and what the loop must do (quit, refresh now). `page`: rows a page moves. */
export const applyKey = (
  state: TopState,
  key: TopKey,
  snapshot: TopSnapshot | undefined,
  page = 10
): { readonly state: TopState; readonly command?: "quit" | "refresh" } => {
  const panels = snapshot?.panels ?? []
  const count = Math.max(1, panels.length)
  const panel = panels[clamp(state.panel, 0, count - 1)]
  const row = selectedRow(state, panel)
  const moveRow = (delta: number): TopState =>
    panel === undefined ? state : { ...state, selected: { ...state.selected, [panel.id]: clamp(row + delta, 0, Math.max(0, panel.rows.length - 1)) } }
  const detailLength = panel?.rows[row]?.detail.length ?? 0
  const moveDetail = (delta: number): TopState => ({ ...state, detailTop: clamp(state.detailTop + delta, 0, Math.max(0, detailLength - 1)) })
  switch (key) {
    case "quit":
      return { state, command: "quit" }
    case "refresh":
      return { state, command: "refresh" }
    case "next":
      return { state: { ...state, panel: (state.panel + 1) % count, drill: false, detailTop: 0 } }
    case "previous":
      return { state: { ...state, panel: (state.panel + count - 1) % count, drill: false, detailTop: 0 } }
    case "up":
      return { state: state.drill ? moveDetail(-1) : moveRow(-1) }
    case "down":
      return { state: state.drill ? moveDetail(1) : moveRow(1) }
    case "pageUp":
      return { state: state.drill ? moveDetail(-page) : moveRow(-page) }
    case "pageDown":
      return { state: state.drill ? moveDetail(page) : moveRow(page) }
    case "enter":
      return { state: panel !== undefined && panel.rows[row] !== undefined ? { ...state, drill: true, detailTop: 0 } : state }
    case "back":
      return { state: { ...state, drill: false, detailTop: 0 } }
  }
}

// --- drawing ---------------------------------------------------------------------------------------

export interface ScreenOptions {
  readonly width: number
  readonly height: number
  readonly intervalSeconds: number
  readonly color: boolean
  /** Shown in the header while a refresh is under way. */
  readonly refreshing?: boolean
}

const sgr = (code: string, text: string, color: boolean) => (color ? `\x1b[${code}m${text}\x1b[0m` : text)

/** Cut to `width` characters (an ellipsis marks the cut) and pad to it. */
const fit = (text: string, width: number): string => {
  const chars = [...text.replace(/[\x00-\x1f\x7f]/g, " ")]
  if (chars.length <= width) return chars.join("") + " ".repeat(width - chars.length)
  return width <= 0 ? "" : chars.slice(0, width - 1).join("") + "…"
}

export const cellText = (value: Cell): string =>
  value === undefined ? "-" : typeof value === "boolean" ? (value ? "yes" : "no") : String(value)

/** Column widths: each as wide as its header and values, cut back from the widest when too wide. */
const columnWidths = (columns: ReadonlyArray<TopColumn>, rows: ReadonlyArray<TopRecord>, width: number): ReadonlyArray<number> => {
  const widths = columns.map((c) => Math.max(c.header.length, ...rows.map((r) => [...cellText(r[c.key])].length)))
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, widths.length - 1)
  for (let guard = 0; total() > width && guard < 10_000; guard++) {
    const widest = widths.indexOf(Math.max(...widths))
    if (widths[widest]! <= 4) break
    widths[widest] = widths[widest]! - 1
  }
  return widths
}

const tableLine = (columns: ReadonlyArray<TopColumn>, widths: ReadonlyArray<number>, cells: (c: TopColumn) => string): string =>
  columns.map((c, i) => {
    const w = widths[i]!
    const text = cells(c)
    return c.align === "right" && [...text].length <= w ? text.padStart(w) : fit(text, w)
  }).join("  ")

interface Line {
  readonly text: string
  readonly style?: "title" | "selectedTitle" | "header" | "selected" | "error" | "dim"
}

const styleCodes: Record<NonNullable<Line["style"]>, string> = {
  title: "1",
  selectedTitle: "1;7",
  header: "2",
  selected: "7",
  error: "31",
  dim: "2"
}

/** A window of `size` rows around `selected`, from the top when it fits. */
const windowOf = (length: number, selected: number, size: number): readonly [number, number] => {
  if (length <= size) return [0, length]
  const start = clamp(selected - Math.floor(size / 2), 0, length - size)
  return [start, start + size]
}

const panelLines = (panel: TopPanel, options: { selected: boolean; row: number; height: number; width: number }): ReadonlyArray<Line> => {
  const { height, width } = options
  if (height <= 0) return []
  const records = panel.rows.map((r) => r.values)
  const count = panel.rows.length
  const title: Line = {
    text: fit(`${options.selected ? "▸" : " "} ${panel.title}${count > 0 ? ` (${count})` : ""}`, width),
    style: options.selected ? "selectedTitle" : "title"
  }
  const lines: Array<Line> = [title]
  const errors = panel.errors.map((e): Line => ({ text: fit(`  ! ${e}`, width), style: "error" }))
  const note: ReadonlyArray<Line> = panel.note !== undefined ? [{ text: fit(`  ${panel.note}`, width) }] : []
  // Errors first: a denied call must be seen even in a short panel.
  for (const line of [...errors, ...note]) if (lines.length < height) lines.push(line)
  if (lines.length >= height) return lines
  if (count === 0) {
    if (panel.errors.length === 0) lines.push({ text: fit("  (none)", width), style: "dim" })
    return lines
  }
  const widths = columnWidths(panel.columns, records, width - 2)
  lines.push({ text: fit(`  ${tableLine(panel.columns, widths, (c) => c.header)}`, width), style: "header" })
  const room = height - lines.length
  if (room <= 0) return lines
  const [from, to] = windowOf(count, options.row, room)
  for (let i = from; i < to; i++) {
    const text = fit(`${options.selected && i === options.row ? "›" : " "} ${tableLine(panel.columns, widths, (c) => cellText(records[i]![c.key]))}`, width)
    lines.push(options.selected && i === options.row ? { text, style: "selected" } : { text })
  }
  return lines
}

/** Lines each panel needs to show everything. */
const wanted = (panel: TopPanel) =>
  1 + panel.errors.length + (panel.note !== undefined ? 1 : 0) + (panel.rows.length === 0 ? (panel.errors.length === 0 ? 1 : 0) : 1 + panel.rows.length)

/** Share `room` lines among panels: each gets what it needs up to an equal share, the rest goes to those wanting more (the selected first). */
export const panelHeights = (needs: ReadonlyArray<number>, room: number, selected: number): ReadonlyArray<number> => {
  const heights = needs.map(() => 0)
  let left = room
  // Everyone a title line first, then up to a fair share, then the rest.
  for (let i = 0; i < needs.length && left > 0; i++) {
    heights[i] = 1
    left--
  }
  const share = needs.length === 0 ? 0 : Math.floor(room / needs.length)
  for (let i = 0; i < needs.length; i++) {
    const add = clamp(Math.min(needs[i]!, share) - heights[i]!, 0, left)
    heights[i] = heights[i]! + add
    left -= add
  }
  const order = [selected, ...needs.map((_, i) => i).filter((i) => i !== selected)]
  for (const i of order) {
    if (i < 0 || i >= needs.length) continue
    const add = clamp(needs[i]! - heights[i]!, 0, left)
    heights[i] = heights[i]! + add
    left -= add
  }
  return heights
}

const clock = (millis: number) => new Date(millis).toISOString().slice(11, 19) + "Z"

/** The frame: exactly `height` lines, each exactly `width` characters before colour codes. */
export const renderScreen = (snapshot: TopSnapshot | undefined, state: TopState, options: ScreenOptions): ReadonlyArray<string> => {
  const width = Math.max(1, Math.floor(options.width))
  const height = Math.max(3, Math.floor(options.height))
  const regions = snapshot === undefined ? "" : ` · ${snapshot.regions.length > 3 ? `${snapshot.regions.length} regions` : snapshot.regions.join(", ")}`
  const when = snapshot === undefined ? "loading…" : `${options.refreshing === true ? "refreshing… " : ""}updated ${clock(snapshot.at)}`
  const header: Line = { text: fit(`aegea top${regions} · ${when} · every ${options.intervalSeconds}s`, width), style: "title" }
  const panels = snapshot?.panels ?? []
  const current = clamp(state.panel, 0, Math.max(0, panels.length - 1))
  const panel = panels[current]
  const row = selectedRow(state, panel)
  const drilled = state.drill && panel !== undefined && panel.rows[row] !== undefined
  const footer: Line = {
    text: fit(
      drilled ? " Esc/← back  ↑↓ scroll  Tab next panel  r refresh  q quit" : " q quit  r refresh  Tab next panel  ↑↓ move  Enter details",
      width
    ),
    style: "dim"
  }
  const room = height - 2
  let body: Array<Line> = []
  if (snapshot === undefined) {
    body = [{ text: fit("  reading EC2, Batch, ECS, CloudWatch and Cost Explorer…", width), style: "dim" }]
  } else if (drilled) {
    const selected = panel.rows[row]!
    const label = panel.columns.map((c) => cellText(selected.values[c.key])).join(" ")
    body.push({ text: fit(` ${panel.title} › ${label} (${selected.detail.length})`, width), style: "selectedTitle" })
    if (selected.detail.length === 0) body.push({ text: fit("  (nothing more to show)", width), style: "dim" })
    else {
      const widths = columnWidths(panel.detailColumns, selected.detail, width - 2)
      body.push({ text: fit(`  ${tableLine(panel.detailColumns, widths, (c) => c.header)}`, width), style: "header" })
      const top = clamp(state.detailTop, 0, Math.max(0, selected.detail.length - 1))
      for (const record of selected.detail.slice(top, top + Math.max(0, room - body.length))) {
        body.push({ text: fit(`  ${tableLine(panel.detailColumns, widths, (c) => cellText(record[c.key]))}`, width) })
      }
    }
  } else {
    const heights = panelHeights(panels.map(wanted), room, current)
    panels.forEach((p, i) => {
      body.push(...panelLines(p, { selected: i === current, row: i === current ? row : -1, height: heights[i]!, width }))
    })
  }
  const lines = [header, ...body.slice(0, room)]
  while (lines.length < height - 1) lines.push({ text: " ".repeat(width) })
  lines.push(footer)
  // A terminal of one or two rows gets the header (and the footer) only: never more lines than it has.
  const shown = options.height >= 3 ? lines : lines.slice(0, Math.max(1, Math.floor(options.height))).map((l, i, all) => (i === all.length - 1 && i > 0 ? footer : l))
  return shown.map((l) => (l.style === undefined ? l.text : sgr(styleCodes[l.style], l.text, options.color)))
}

/**
 * The terminal bytes of a frame: home, every line cleared to its end, no newline after the last
 * (a newline on the bottom line would scroll the screen).
 */
export const frameBytes = (lines: ReadonlyArray<string>): string => `\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\r\n")}`

/** Enter the alternate screen, hide the cursor, clear. */
export const enterScreen = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"
/** Show the cursor, leave the alternate screen (the shell's screen comes back as it was). */
export const leaveScreen = "\x1b[?25h\x1b[?1049l"
