/**
 * Pictures for terminals: sparklines (one character per value, eight heights) and horizontal stacked
 * bar charts, in Unicode blocks. Pure: the caller decides whether a terminal is there and passes the
 * width and whether to colour.
 */

const ticks = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const

/**
 * One character per value, scaled between the smallest and the largest: `sparkline([1, 5, 3])` is
 * "▁█▄". Equal values are a flat low line; non-finite values are a space.
 */
export const sparkline = (values: ReadonlyArray<number>): string => {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return " ".repeat(values.length)
  const low = Math.min(0, ...finite)
  const high = Math.max(...finite)
  const span = high - low
  return values
    .map((value) => {
      if (!Number.isFinite(value)) return " "
      if (span === 0) return ticks[0]
      return ticks[Math.min(ticks.length - 1, Math.floor(((value - low) / span) * (ticks.length - 1) + 0.5))]
    })
    .join("")
}

/** The 8 foreground colours a chart cycles through (ANSI: cyan, magenta, yellow, green, blue, red...). */
const palette = [36, 35, 33, 32, 34, 31, 96, 95] as const

export const paintSegment = (text: string, index: number, color: boolean) =>
  color && text !== "" ? `\u001b[${palette[index % palette.length]}m${text}\u001b[39m` : text

/** Bar segments drawn without colour: a different fill per group, so the chart reads in black and white. */
const fills = ["█", "▓", "▒", "░"] as const

export interface BarChartInput {
  /** Row labels (periods), top to bottom. */
  readonly labels: ReadonlyArray<string>
  /** Group names, in stacking order. */
  readonly groups: ReadonlyArray<string>
  /** values[row][group] >= 0. */
  readonly values: ReadonlyArray<ReadonlyArray<number>>
  /** Each row's total, printed after its bar. */
  readonly totals: ReadonlyArray<string>
}

/**
 * A horizontal stacked bar per row, scaled so the longest bar fits `width` columns with its label and
 * total, then a legend naming each group with its fill (and colour). Lines, no trailing newline.
 */
export const barChart = (input: BarChartInput, options: { readonly width: number; readonly color: boolean }): ReadonlyArray<string> => {
  const labelWidth = Math.max(0, ...input.labels.map((l) => l.length))
  const totalWidth = Math.max(0, ...input.totals.map((t) => t.length))
  const barWidth = Math.max(10, options.width - labelWidth - totalWidth - 2)
  const sums = input.values.map((row) => row.reduce((sum, v) => sum + Math.max(0, v), 0))
  const largest = Math.max(0, ...sums)
  const fill = (group: number) => (options.color ? "█" : fills[group % fills.length]!)
  const lines = input.labels.map((label, row) => {
    const values = input.values[row] ?? []
    const length = largest === 0 ? 0 : Math.round(((sums[row] ?? 0) / largest) * barWidth)
    // Each group's share of the bar, rounded so the parts add up to the whole bar.
    let drawn = 0
    let running = 0
    const parts = values.map((value, group) => {
      running += Math.max(0, value)
      const upTo = sums[row] === 0 ? 0 : Math.round((running / (sums[row] ?? 1)) * length)
      const cells = upTo - drawn
      drawn = upTo
      return paintSegment(fill(group).repeat(cells), group, options.color)
    })
    return `${label.padEnd(labelWidth)} ${parts.join("")}${" ".repeat(barWidth - length)} ${(input.totals[row] ?? "").padStart(totalWidth)}`
      .trimEnd()
  })
  const legend = input.groups.map((group, i) => `${paintSegment(fill(i), i, options.color)} ${group}`).join("  ")
  return [...lines, "", legend]
}
