// Setup file of the `aws` vitest project: before a test file runs, it takes one of the run's moto_servers
// (./globalSetup.ts starts several) for itself, and gives it back when the file is done. Two files never
// share a server at the same time, so each file's reset (`useMoto()`) and state are its own, as when the
// files ran one at a time against one server; the files run two at a time instead.
//
// A slot is the directory SLOTS/N, made with mkdir (atomic: one maker wins) and holding its owner (pid and a token of the file).
// A slot whose owner is gone (a worker killed mid-file), or is this very process (a file that did not reach
// its afterAll), is taken over. Waiting for a free slot is bounded.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { randomUUID } from "node:crypto"
import { afterAll, inject } from "vitest"

declare module "vitest" {
  interface ProvidedContext {
    motoEndpoints: ReadonlyArray<string>
    motoSlotDir: string
  }
}

const WAIT_MS = 30 * 60_000
const POLL_MS = 50

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const ownerOf = (slot: string): number | undefined => {
  try {
    const pid = Number(readFileSync(join(slot, "owner"), "utf8").split(" ")[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined // being made or being removed
  }
}

const tryTake = (slot: string): boolean => {
  try {
    mkdirSync(slot)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    const owner = ownerOf(slot)
    if (owner === undefined || (owner !== process.pid && alive(owner))) return false
    // a stale slot: remove it and race for it again like anyone else
    rmSync(slot, { recursive: true, force: true })
    return false
  }
  writeFileSync(join(slot, "owner"), token)
  return true
}

/** What this file writes in its slot: its process, and itself among the files that process runs. */
const token = `${process.pid} ${randomUUID()}`

const endpoints = inject("motoEndpoints")
const dir = inject("motoSlotDir")
if (endpoints.length === 0) throw new Error("no moto_server in this run (test/support/globalSetup.ts)")

let taken: { readonly slot: string; readonly endpoint: string } | undefined
const deadline = Date.now() + WAIT_MS
while (taken === undefined) {
  for (let i = 0; i < endpoints.length && taken === undefined; i++) {
    const slot = join(dir, String(i))
    if (tryTake(slot)) taken = { slot, endpoint: endpoints[i]! }
  }
  if (taken !== undefined) break
  if (Date.now() > deadline) throw new Error(`no moto_server came free within ${WAIT_MS / 60_000} minutes (slots in ${dir})`)
  await new Promise((r) => setTimeout(r, POLL_MS))
}

process.env.AEGEA_TEST_MOTO_SLOT_ENDPOINT = taken.endpoint
const { slot } = taken
// only while the slot is still this file's: after afterAll another file may hold it
const release = () => {
  let owner: string | undefined
  try {
    owner = readFileSync(join(slot, "owner"), "utf8")
  } catch {
    owner = undefined
  }
  if (owner === token) rmSync(slot, { recursive: true, force: true })
}
afterAll(release)
process.once("exit", release)
