/**
 * Relative times such as `-2h` or `-2 hours` look like short flags to any option parser (`-2 -h`). When one follows
 * a long flag that takes a value (`--start-time -2h`), join the two (`--start-time=-2h`) before parsing,
 * so both spellings work as operators expect.
 */
const relativeTime = /^-\d+(\.\d+)?\s*[a-z]+(\s+ago)?$/i

export const joinRelativeTimeValues = (argv: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") {
      out.push(...argv.slice(i))
      break
    }
    const next = argv[i + 1]
    if (arg.startsWith("--") && !arg.includes("=") && next !== undefined && relativeTime.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else {
      out.push(arg)
    }
  }
  return out
}
