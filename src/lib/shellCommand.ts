/**
 * The container command for `--command` lines. Each line reaches the container as its own argv
 * element (no quoting layer in between, so quotes, `$`, newlines, unicode and empty lines arrive
 * exactly as typed) and bash evaluates the lines in order under `set -euo pipefail`:
 *
 *   ["/bin/bash", "-c", 'for __aegea_line in "$@"; do eval "$__aegea_line"; done', "aegea", "set -euo pipefail", LINE...]
 *
 * The first failing line stops the job with that line's exit code.
 */

export const strictMode = "set -euo pipefail"

/** The bash program that evaluates its arguments one by one, in the current shell. */
export const lineRunner = 'for __aegea_line in "$@"; do eval "$__aegea_line"; done'

/** argv for the container: run `lines` in order under strict mode. */
export const containerCommand = (lines: ReadonlyArray<string>): ReadonlyArray<string> => [
  "/bin/bash",
  "-c",
  lineRunner,
  "aegea",
  strictMode,
  ...lines
]

/** Quote one word for bash (single quotes; a quote inside becomes '\''), for writing lines by program. */
export const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`

/** The lines back from a command built by `containerCommand` (undefined for any other command). */
export const linesOf = (command: ReadonlyArray<string>): ReadonlyArray<string> | undefined =>
  command[0] === "/bin/bash" && command[2] === lineRunner && command[4] === strictMode ? command.slice(5) : undefined

/** A job name from the first word of the first line: "echo hello" -> "aegea_echo". */
export const jobNameFor = (lines: ReadonlyArray<string>, fallback = "aegea_job"): string => {
  const word = (lines.find((l) => l.trim() !== "") ?? "").trim().split(/\s+/)[0] ?? ""
  const base = word.split("/").pop()?.replace(/[^A-Za-z0-9_-]/g, "") ?? ""
  return base === "" ? fallback : `aegea_${base}`.slice(0, 128)
}
