// One temporary folder per test run: TMPDIR points there for the run's workers and every process they
// start (os.tmpdir() reads it at each call), and the folder goes when the run ends, with whatever a test
// left in it (a folder made with mkdtemp and not removed, a worker stopped before its clean-up ran).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** What the projects of one run share (their global set-ups may be separate module instances). */
interface Shared {
  folder: string
  previous: string | undefined
  users: number
}
const key = Symbol.for("aegea.test.runTmpdir")

/**
 * Point TMPDIR at the run's folder (made by the first project to ask, from the TMPDIR it found); the
 * returned function gives it up, and the last one to do so removes it and restores TMPDIR.
 */
export const useRunTmpdir = (): (() => void) => {
  const global = globalThis as { [key]?: Shared }
  let shared = global[key]
  if (shared === undefined) {
    shared = { folder: mkdtempSync(join(tmpdir(), "aegea-run-")), previous: process.env.TMPDIR, users: 0 }
    global[key] = shared
    process.env.TMPDIR = shared.folder
  }
  shared.users++
  const own = shared
  let done = false
  return () => {
    if (done) return
    done = true
    own.users--
    if (own.users > 0) return
    delete global[key]
    if (own.previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = own.previous
    rmSync(own.folder, { recursive: true, force: true })
  }
}

/** The unit project's global set-up: the run's temporary folder only. */
export default function setup(): () => void {
  return useRunTmpdir()
}
