/**
 * Human renderings for table cells: relative times ("3 hours ago", "in 5 minutes", "just now") and
 * byte sizes ("1.5 GiB"). Pure: "now" is passed in (from Effect's Clock, so TestClock drives it).
 */

const second = 1_000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour
const month = 30 * day
const year = 365 * day

/** Below this distance from now a time reads "just now". */
const justNowMillis = 45 * second

const units: ReadonlyArray<readonly [name: string, millis: number, below: number]> = [
  ["minute", minute, hour],
  ["hour", hour, day],
  ["day", day, month],
  ["month", month, year],
  ["year", year, Number.POSITIVE_INFINITY]
]

/** "3 hours ago" / "in 5 minutes" / "just now"; counts round down ("1 hour ago" until 2 hours). */
export const relativeTime = (then: Date, nowMillis: number): string => {
  const diff = nowMillis - then.getTime()
  const distance = Math.abs(diff)
  if (Number.isNaN(distance)) return ""
  if (distance < justNowMillis) return "just now"
  const [name, millis] = units.find(([, , below]) => distance < below) ?? units[units.length - 1]!
  const count = Math.max(1, Math.floor(distance / millis))
  const phrase = `${count} ${name}${count === 1 ? "" : "s"}`
  return diff >= 0 ? `${phrase} ago` : `in ${phrase}`
}

const byteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const

/** "512 B", "1.5 GiB", "20 GiB", "120 MiB": binary units, one decimal below 100, none from 100 up. */
export const humanBytes = (bytes: number): string => {
  if (!Number.isFinite(bytes)) return String(bytes)
  let value = Math.abs(bytes)
  let unit = 0
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024
    unit++
  }
  const sign = bytes < 0 ? "-" : ""
  if (unit === 0) return `${sign}${value} B`
  const digits = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, "")
  return `${sign}${digits} ${byteUnits[unit]}`
}
