// The CLI's platform services (src/cliEnvironment.ts): the terminal and the child-process spawner are
// made on first use and then behave as Node's own (test/cli/startupModules.test.ts: what start-up loads).
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Terminal from "effect/Terminal"
import * as ChildProcess from "effect/process/ChildProcess"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import { describe, expect, it } from "vitest"
import { cliEnvironment } from "../../src/cliEnvironment.ts"

const run = <A, E>(effect: Effect.Effect<A, E, Terminal.Terminal | ChildProcessSpawner.ChildProcessSpawner | Scope.Scope>) =>
  Effect.runPromise(effect.pipe(Effect.scoped, Effect.provide(cliEnvironment)))

describe("cliEnvironment", () => {
  it("spawns through Node's spawner on first use: output, exit code, and the helpers made from spawn", async () => {
    const result = await run(Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const handle = yield* spawner.spawn(ChildProcess.make("sh", ["-c", "echo one; echo two >&2; exit 3"]))
      const out = yield* Stream.mkString(Stream.decodeText(handle.stdout))
      const code = yield* handle.exitCode
      const lines = yield* spawner.lines(ChildProcess.make("printf", ["a\\nb\\n"]))
      return { out, code, lines }
    }))
    expect(result).toEqual({ out: "one\n", code: 3, lines: ["a", "b"] })
  })

  it("a command that is not there fails as with Node's spawner (a PlatformError), not as a defect", async () => {
    const error = await run(Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      return yield* Effect.flip(spawner.exitCode(ChildProcess.make("aegea-no-such-program-xyz", [])))
    }))
    expect(error._tag).toBe("PlatformError")
  })

  it("the terminal answers with the process's stdout size (0 when it is no terminal)", async () => {
    const columns = await run(Effect.flatMap(Terminal.Terminal, (t) => t.columns))
    expect(columns).toBe(process.stdout.columns ?? 0)
  })
})
