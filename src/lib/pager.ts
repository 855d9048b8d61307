/**
 * When and through what printed data goes to a pager, as the Python aegea, the AWS CLI v2 and `gh`
 * do. Pure: the live Output layer (layers/OutputLive.ts) spawns the pager these functions choose.
 *
 * - Only when stdout is a terminal, never with `--no-pager` or the config's `pager: false`.
 * - The command: `$AEGEA_PAGER`, else `$PAGER`, else `less -RFS` (-R: colours; -F: quit at once when
 *   the text fits; -S: long lines are scrolled sideways rather than wrapped). A variable that is set
 *   but empty, or is `cat`, means no pager.
 * - Only for a block (a table, a document) taller or wider than the terminal.
 */

/** How to start the pager: a program and its arguments, or a shell command line. */
export interface PagerCommand {
  /** The command line as the user wrote it (for messages). */
  readonly text: string
  readonly file: string
  readonly args: ReadonlyArray<string>
  /** Started through `sh -c` (the line has quotes, pipes, variables...): "not found" is exit code 127. */
  readonly shell: boolean
  /** The user chose it (AEGEA_PAGER or PAGER) rather than the default: say so when it cannot start. */
  readonly chosen: boolean
  /** Variables added to the pager's environment (LESS=FRX when unset, as git, gh and the AWS CLI do). */
  readonly env: Readonly<Record<string, string>>
}

export const defaultPager = "less -RFS"

/** Only these characters: split on spaces and run the program itself; anything else goes through sh. */
const simpleCommandLine = /^[\w\s./=+,:@%-]+$/

/**
 * The pager to use, or undefined for none: not a terminal, turned off (`--no-pager`, config
 * `pager: false`), or `AEGEA_PAGER` / `PAGER` set to nothing or to `cat`.
 */
export const choosePager = (
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly stdoutIsTTY: boolean; readonly enabled: boolean }
): PagerCommand | undefined => {
  if (!options.stdoutIsTTY || !options.enabled) return undefined
  const chosen = env["AEGEA_PAGER"] ?? env["PAGER"]
  const text = (chosen ?? defaultPager).trim()
  if (text === "" || text === "cat") return undefined
  // As git, gh and the AWS CLI: LESS=FRX when unset, so a plain `PAGER=less` shows colours (-R),
  // quits when the text fits (-F) and leaves the text on the screen when quit (-X).
  const extra = env["LESS"] === undefined ? { LESS: "FRX" } : {}
  if (simpleCommandLine.test(text)) {
    const [file, ...args] = text.split(/\s+/)
    return { text, file: file!, args, shell: false, chosen: chosen !== undefined, env: extra }
  }
  return { text, file: "/bin/sh", args: ["-c", text], shell: true, chosen: chosen !== undefined, env: extra }
}

const ansiSequence = /\u001b\[[0-9;]*m/g

/**
 * Whether `text` needs a pager on a terminal of `rows` x `columns`: more lines than the screen shows
 * (one row is left for the shell's prompt) or a line wider than it. An unknown size never pages.
 */
export const needsPager = (text: string, terminal: { readonly rows?: number | undefined; readonly columns?: number | undefined }): boolean => {
  const { rows, columns } = terminal
  if (rows === undefined || rows <= 0 || text === "") return false
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n")
  if (lines.length >= rows) return true
  if (columns === undefined || columns <= 0) return false
  return lines.some((line) => [...line.replace(ansiSequence, "")].length > columns)
}
