/**
 * The two named pipes through which `aegea ssh` hands OpenSSH the Session Manager session it relays
 * itself. ssh's ProxyCommand is /bin/sh with one `cat` each way between ssh and the pipes: no second
 * aegea starts (and loads no Session Manager client), and no TCP connection sits between ssh and
 * aegea. (On a loopback TCP connection, ssh's first packet after the key exchange waited about 40 ms:
 * ssh writes it right behind another small one without TCP_NODELAY, and Linux delays its
 * acknowledgement, which Node cannot ask for at once.) The pipes are made with `mkfifo` in a
 * directory of this process's own (mode 0700), so only its user can open them; they go when the
 * scope closes. POSIX shell, cat and mkfifo only; enabled where it is tested (Linux): elsewhere
 * `aegea ssh` keeps its ProxyCommand (`aegea ssm-proxy`).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync, unlinkSync } from "node:fs"
import { Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { OperationFailed } from "../errors.ts"
import { shellQuote } from "../lib/sshArgs.ts"

/** Whether this system takes the pipe handoff (where it is tested: Linux, with /bin/sh). */
export const pipeHandoffSupported = (): boolean => process.platform === "linux" && existsSync("/bin/sh")

export interface PipeHandoff {
  /** ssh's ProxyCommand (`%` escaped for ssh's own expansion): copies between ssh and the pipes. */
  readonly proxyCommand: string
  /** What ssh sends: ends when ssh's side of the pipe closes (ssh exited, or closed its connection). */
  readonly input: Socket
  /** What ssh receives. */
  readonly output: Socket
  /** Close aegea's ends (ssh's ProxyCommand then sees the end of its input and exits): the session cannot be served, or is over. */
  readonly close: Effect.Effect<void>
}

/**
 * The ProxyCommand for the pipes `toSsh` and `fromSsh`: ssh runs it with the user's shell as
 * `exec COMMAND`, so it starts with /bin/sh whatever that shell is, and takes the paths as arguments.
 * It prints nothing (its stderr is the user's terminal): when the session failed, aegea ends ssh and
 * removes the pipes, and a ProxyCommand that ssh forked just before, and that opens them only
 * afterwards, must not say "cannot open"; and ssh ignores SIGPIPE, so a `cat` whose reader went
 * would say "write error". What goes wrong with the session is aegea's to report.
 */
export const pipeProxyCommand = (toSsh: string, fromSsh: string): string =>
  `/bin/sh -c 'exec 2>/dev/null; cat <"$0" & exec cat >"$1"' ${shellQuote(toSsh)} ${shellQuote(fromSsh)}`.replace(/%/g, "%%")

const failed = (what: string) => (cause: unknown) =>
  new OperationFailed({ message: `could not ${what} for ssh: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

/** `mkfifo -m 600 PATHS...` (node:child_process loaded only here: `aegea ssh` opens the pipes while its first call waits). */
const mkfifo = (paths: ReadonlyArray<string>) =>
  Effect.tryPromise({
    try: () =>
      import("node:child_process").then(({ spawn }) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn("mkfifo", ["-m", "600", ...paths], { stdio: "ignore" })
          child.once("error", reject)
          child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`mkfifo exited with ${signal ?? `status ${code}`}`))))
        })
      ),
    catch: failed("make the named pipes")
  })

/** Open `path` without blocking; undefined when it cannot be (no one at the other end yet). */
const tryOpen = (path: string, flags: number): number | undefined => {
  try {
    return openSync(path, flags)
  } catch {
    return undefined
  }
}

/**
 * Make the two pipes and open aegea's ends, until the scope closes. aegea reads `from-ssh` (opened
 * read-only: its end comes when the `cat` writing it exits) and writes `to-ssh` (opened read-write,
 * so that opening needs no reader yet, and the `cat` reading it sees its end when aegea closes it).
 */
export const openPipes = (): Effect.Effect<PipeHandoff, OperationFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.try({ try: () => mkdtempSync(join(tmpdir(), "aegea-pipes-")), catch: failed("make a directory") }),
      // with what is in it: a ProxyCommand that outlived its ssh may have made a file there after `close`
      (dir) =>
        Effect.sync(() => {
          try {
            rmSync(dir, { recursive: true, force: true, maxRetries: 2 })
          } catch {
            // best effort
          }
        })
    )
    const toSsh = join(dir, "to-ssh")
    const fromSsh = join(dir, "from-ssh")
    yield* mkfifo([toSsh, fromSsh])
    const { O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } = constants
    const ends = yield* Effect.try({
      try: () => {
        const outFd = openSync(toSsh, O_RDWR | O_NONBLOCK)
        try {
          return { outFd, inFd: openSync(fromSsh, O_RDONLY | O_NONBLOCK) }
        } catch (e) {
          closeSync(outFd)
          throw e
        }
      },
      catch: failed("open the named pipes")
    })
    const output = new Socket({ fd: ends.outFd, readable: false, writable: true })
    const input = new Socket({ fd: ends.inFd, readable: true, writable: false })
    // errors reach the relay reading and writing them; none must become an uncaught exception before that
    output.on("error", () => {})
    input.on("error", () => {})
    let closed = false
    const close = Effect.sync(() => {
      if (closed) return
      closed = true
      // ssh's ProxyCommand must end whenever it opens a pipe, also if that is later, or now, blocked:
      // one more end of each pipe is held while the pipes are replaced by empty files (what opens
      // them from now on reads nothing and writes nowhere, and exits at its input's end); when every
      // end is then closed, what had a pipe open sees the end of its input, or nobody reading
      const held = [tryOpen(toSsh, O_WRONLY | O_NONBLOCK), tryOpen(fromSsh, O_RDONLY | O_NONBLOCK)]
      for (const path of [toSsh, fromSsh]) {
        try {
          unlinkSync(path)
          closeSync(openSync(path, "wx", 0o600))
        } catch {
          // the directory is going
        }
      }
      input.destroy()
      output.destroy()
      for (const fd of held) if (fd !== undefined) closeSync(fd)
    })
    yield* Effect.addFinalizer(() => close)
    return { proxyCommand: pipeProxyCommand(toSsh, fromSsh), input, output, close }
  })
