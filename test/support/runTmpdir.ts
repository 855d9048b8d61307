// One temporary folder per test run: TMPDIR points there for the run's workers and every process they
// start (os.tmpdir() reads it at each call), and the folder goes when the run ends, with whatever a test
// left in it (a folder made with mkdtemp and not removed, a worker stopped before its clean-up ran).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Point TMPDIR at a fresh folder; the returned function removes it and restores TMPDIR. */
export const useRunTmpdir = (): (() => void) => {
  const previous = process.env.TMPDIR
  const folder = mkdtempSync(join(tmpdir(), "aegea-run-"))
  process.env.TMPDIR = folder
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(folder, { recursive: true, force: true })
  }
}

/** The unit project's global set-up: the run's temporary folder only. */
export default function setup(): () => void {
  return useRunTmpdir()
}
