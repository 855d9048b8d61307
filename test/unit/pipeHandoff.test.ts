// The named pipes `aegea ssh` hands its session over on: ssh's ProxyCommand (run here with /bin/sh as
// ssh runs it, `exec COMMAND`) copies between its stdin/stdout and the pipes; closing aegea's ends ends
// it, also when it starts only afterwards; the pipes go with the scope.
import { spawn } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { openPipes, pipeHandoffSupported, pipeProxyCommand } from "../../src/layers/pipeHandoff.ts"

/** The ProxyCommand as ssh runs it (ssh turns %% into %): its exit code, and what it printed. */
const runProxy = (command: string) => {
  const child = spawn("/bin/sh", ["-c", `exec ${command.replace(/%%/g, "%")}`], { stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  )
  return { child, exited, stdout: () => stdout }
}

const until = async (predicate: () => boolean, what: string) => {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`gave up waiting for ${what}`)
}

describe("the pipe handoff", () => {
  it("makes a ProxyCommand that runs under /bin/sh whatever the shell, with its paths quoted and % escaped for ssh", () => {
    expect(pipeProxyCommand("/tmp/a/to-ssh", "/tmp/a/from-ssh")).toBe(`/bin/sh -c 'exec 2>/dev/null; cat <"$0" & exec cat >"$1"' /tmp/a/to-ssh /tmp/a/from-ssh`)
    expect(pipeProxyCommand("/tmp/my dir%/to-ssh", "/tmp/it's/from-ssh")).toBe(
      `/bin/sh -c 'exec 2>/dev/null; cat <"$0" & exec cat >"$1"' '/tmp/my dir%%/to-ssh' '/tmp/it'\\''s/from-ssh'`
    )
  })

  it.runIf(pipeHandoffSupported())("carries bytes both ways, sees ssh's side end, ends the ProxyCommand when closed, and removes the pipes", async () => {
    let dir = ""
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const pipes = yield* openPipes()
      dir = dirname(/'?([^' ]+)\/to-ssh'?/.exec(pipes.proxyCommand)![1]! + "/to-ssh")
      expect(existsSync(`${dir}/to-ssh`)).toBe(true)
      const proxy = runProxy(pipes.proxyCommand)
      const received: Array<string> = []
      let ended = false
      pipes.input.setEncoding("utf8").on("data", (d: string) => received.push(d))
      pipes.input.on("end", () => (ended = true))
      proxy.child.stdin.write("from ssh")
      yield* Effect.promise(() => until(() => received.join("") === "from ssh", "ssh's bytes"))
      pipes.output.write("to ssh")
      yield* Effect.promise(() => until(() => proxy.stdout() === "to ssh", "bytes for ssh"))
      // ssh closes its end: aegea's input ends
      proxy.child.stdin.end()
      yield* Effect.promise(() => until(() => ended, "the end of ssh's side"))
      // aegea closes: the ProxyCommand's other cat ends too
      yield* pipes.close
      const done = yield* Effect.promise(() => proxy.exited)
      expect(done).toEqual({ code: 0, stdout: "to ssh", stderr: "" })
    })))
    expect(existsSync(dir)).toBe(false)
  })

  it.runIf(pipeHandoffSupported())("a ProxyCommand that starts after the pipes were closed (the session failed first) ends at once", async () => {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const pipes = yield* openPipes()
      yield* pipes.close
      const proxy = runProxy(pipes.proxyCommand)
      proxy.child.stdin.end()
      const done = yield* Effect.promise(() => proxy.exited)
      expect(done).toEqual({ code: 0, stdout: "", stderr: "" })
    })))
  })

  it.runIf(pipeHandoffSupported())("a ProxyCommand that starts after the pipes are gone (ssh was ended as it forked it) exits saying nothing", async () => {
    let command = ""
    let dir = ""
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const pipes = yield* openPipes()
      command = pipes.proxyCommand
      dir = dirname(/'?([^' ]+)\/to-ssh'?/.exec(pipes.proxyCommand)![1]! + "/to-ssh")
      yield* pipes.close
    })))
    expect(existsSync(dir)).toBe(false)
    const proxy = runProxy(command)
    proxy.child.stdin.end()
    const done = await proxy.exited
    expect(done.code).not.toBe(0)
    expect(done).toMatchObject({ stdout: "", stderr: "" })
    expect(existsSync(dir)).toBe(false)
  })

  it.runIf(pipeHandoffSupported())("the scope removes the pipes' directory also when a late ProxyCommand made a file in it", async () => {
    let dir = ""
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const pipes = yield* openPipes()
      dir = dirname(/'?([^' ]+)\/to-ssh'?/.exec(pipes.proxyCommand)![1]! + "/to-ssh")
      yield* pipes.close
      writeFileSync(`${dir}/stray`, "")
    })))
    expect(existsSync(dir)).toBe(false)
  })

  it.runIf(pipeHandoffSupported())("a ProxyCommand blocked opening a pipe when aegea closes is let go", async () => {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const pipes = yield* openPipes()
      // aegea's ends go first (as the scope would close them), so the next opener of each pipe blocks
      pipes.input.destroy()
      pipes.output.destroy()
      const proxy = runProxy(pipes.proxyCommand)
      // both cats are waiting in open(2) for the other end (the proxy's stdin stays open)
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
      expect(proxy.child.exitCode).toBeNull()
      yield* pipes.close
      proxy.child.stdin.end()
      const done = yield* Effect.promise(() => proxy.exited)
      expect(done.stdout).toBe("")
      expect(done.stderr).toBe("")
    })))
  })
})
