/**
 * Exact decimal arithmetic and the cost pivot: periods x groups -> rows with per-period amounts, a
 * total column and a total row, sorted by total (descending), small groups folded into "other".
 * Amounts are the decimal strings Cost Explorer returns ("12.3456789012"); sums are exact (BigInt on
 * scaled integers, never floating point), so machine formats can print them unrounded.
 */

/** A decimal as an integer and a scale: 12.345 = { units: 12345n, scale: 3 }. */
interface Scaled {
  readonly units: bigint
  readonly scale: number
}

const decimalPattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** Parse "12.34", "-0.5", "1E-7", "3" exactly; undefined when the text is not a decimal number. */
export const parseDecimal = (text: string): Scaled | undefined => {
  const match = decimalPattern.exec(text.trim())
  if (match === null) return undefined
  const [, sign = "", whole = "", fraction = "", exponentText] = match
  if (whole === "" && fraction === "") return undefined
  const exponent = exponentText === undefined ? 0 : Number(exponentText)
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return undefined
  let digits = whole + fraction
  let scale = fraction.length - exponent
  if (scale < 0) {
    digits += "0".repeat(-scale)
    scale = 0
  }
  const units = BigInt(digits === "" ? "0" : digits)
  return { units: sign === "-" ? -units : units, scale }
}

const rescale = (d: Scaled, scale: number): bigint => d.units * 10n ** BigInt(scale - d.scale)

const toText = (d: Scaled): string => {
  const negative = d.units < 0n
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, "0")
  const whole = digits.slice(0, digits.length - d.scale)
  const fraction = d.scale > 0 ? "." + digits.slice(digits.length - d.scale) : ""
  return (negative ? "-" : "") + whole + fraction
}

const parseOrZero = (text: string): Scaled => parseDecimal(text) ?? { units: 0n, scale: 0 }

/** The exact sum of decimal strings, with as many fraction digits as the most precise term. */
export const sumDecimals = (values: ReadonlyArray<string>): string => {
  const parsed = values.map(parseOrZero)
  const scale = parsed.reduce((max, d) => Math.max(max, d.scale), 0)
  return toText({ units: parsed.reduce((sum, d) => sum + rescale(d, scale), 0n), scale })
}

/** Negative, zero or positive as a < b, a = b, a > b (exact). */
export const compareDecimals = (a: string, b: string): number => {
  const x = parseOrZero(a)
  const y = parseOrZero(b)
  const scale = Math.max(x.scale, y.scale)
  const diff = rescale(x, scale) - rescale(y, scale)
  return diff < 0n ? -1 : diff > 0n ? 1 : 0
}

/** Rounded half away from zero to `digits` fraction digits: roundDecimal("2.345", 2) = "2.35". */
export const roundDecimal = (text: string, digits = 2): string => {
  const d = parseOrZero(text)
  if (d.scale <= digits) return toText({ units: rescale(d, digits), scale: digits })
  const divisor = 10n ** BigInt(d.scale - digits)
  const magnitude = d.units < 0n ? -d.units : d.units
  const rounded = (magnitude + divisor / 2n) / divisor
  return toText({ units: d.units < 0n && rounded !== 0n ? -rounded : rounded, scale: digits })
}

// --- the pivot ------------------------------------------------------------------------------------

export interface Amount {
  /** The exact decimal string. */
  readonly amount: string
  readonly unit: string
}

/** One period of a Cost Explorer result: per-group amounts, or only a total when ungrouped. */
export interface PeriodInput {
  readonly start: string
  readonly groups: ReadonlyArray<{ readonly keys: ReadonlyArray<string>; readonly amount: Amount }>
  readonly total?: Amount | undefined
}

export interface PivotRow {
  /** The group's keys joined with " / " ("other" for folded groups, "total" for the total row). */
  readonly group: string
  readonly keys: ReadonlyArray<string>
  /** Exact amount per period start; "0" where the group had no cost in a period. */
  readonly amounts: Readonly<Record<string, string>>
  readonly total: string
  readonly unit: string
}

export interface Pivot {
  /** Period start dates, ascending. */
  readonly periods: ReadonlyArray<string>
  /** Groups sorted by total descending (ties by name), then "other" when folded. */
  readonly rows: ReadonlyArray<PivotRow>
  /** Sums per period and overall; undefined when the rows have different units (not addable). */
  readonly totals: PivotRow | undefined
}

export const otherGroup = "other"
export const totalGroup = "total"

/** Tag keys come back as "env$prod" (and "env$" for untagged): shown as "env=prod" / "env=(untagged)". */
export const displayKey = (key: string): string => {
  const dollar = key.indexOf("$")
  if (dollar < 0) return key
  const value = key.slice(dollar + 1)
  return `${key.slice(0, dollar)}=${value === "" ? "(untagged)" : value}`
}

const sumRows = (group: string, rows: ReadonlyArray<PivotRow>, periods: ReadonlyArray<string>): PivotRow => ({
  group,
  keys: [],
  amounts: Object.fromEntries(periods.map((p) => [p, sumDecimals(rows.map((r) => r.amounts[p] ?? "0"))])),
  total: sumDecimals(rows.map((r) => r.total)),
  unit: rows[0]?.unit ?? ""
})

/**
 * Pivot periods into rows (groups) and columns (periods). With `top`, the `top` largest groups are
 * kept and the rest summed into one "other" row (only when at least two groups would be folded).
 */
export const pivot = (input: ReadonlyArray<PeriodInput>, options: { readonly top?: number | undefined } = {}): Pivot => {
  const periods = [...new Set(input.map((p) => p.start))].sort()
  const byGroup = new Map<string, { keys: ReadonlyArray<string>; unit: string; amounts: Map<string, Array<string>> }>()
  const add = (keys: ReadonlyArray<string>, period: string, amount: Amount) => {
    const group = keys.map(displayKey).join(" / ")
    const entry = byGroup.get(group) ?? { keys, unit: amount.unit, amounts: new Map<string, Array<string>>() }
    byGroup.set(group, entry)
    const list = entry.amounts.get(period) ?? []
    list.push(amount.amount)
    entry.amounts.set(period, list)
  }
  for (const period of input) {
    if (period.groups.length > 0) for (const g of period.groups) add(g.keys, period.start, g.amount)
    else if (period.total !== undefined) add([totalGroup], period.start, period.total)
  }
  const rows: Array<PivotRow> = [...byGroup.entries()].map(([group, entry]) => {
    const amounts = Object.fromEntries(periods.map((p) => [p, sumDecimals(entry.amounts.get(p) ?? ["0"])]))
    return { group, keys: entry.keys, amounts, total: sumDecimals(Object.values(amounts)), unit: entry.unit }
  })
  rows.sort((a, b) => compareDecimals(b.total, a.total) || a.group.localeCompare(b.group))
  const top = options.top
  const folded = top !== undefined && rows.length - top >= 2
    ? [...rows.slice(0, top), { ...sumRows(otherGroup, rows.slice(top), periods), keys: [otherGroup] }]
    : rows
  const units = new Set(rows.map((r) => r.unit))
  const totals = rows.length > 0 && units.size === 1 ? { ...sumRows(totalGroup, rows, periods), unit: [...units][0] ?? "" } : undefined
  return { periods, rows: folded, totals }
}
