/**
 * The platform services effect/cli's commands require (`Command.Environment`: FileSystem, Path, Stdio,
 * Terminal, ChildProcessSpawner), as `NodeServices.layer` gives them, but with the terminal and the
 * child-process spawner made the first time a command uses them: `NodeTerminal` reads `process.stdin`
 * when it is made (Node's stream, socket and tty modules for stdin) and loads `readline`, and
 * `NodeChildProcessSpawner` loads `child_process` (which loads `dgram` and `net`). Only prompts use
 * the terminal and only ssh-family commands spawn through the service, so `aegea ls` and `aegea logs`
 * load neither.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Terminal from "effect/Terminal"

/** `NodeTerminal`, made (in this layer's scope) by the first use of any of its operations. */
const lazyTerminal = Layer.effect(
  Terminal.Terminal,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const real = yield* Effect.cached(
      Effect.promise(() => import("@effect/platform-node/NodeTerminal")).pipe(
        Effect.flatMap((m) => Layer.buildWithScope(m.layer, scope)),
        Effect.map((context) => Context.get(context, Terminal.Terminal))
      )
    )
    return Terminal.make({
      columns: Effect.flatMap(real, (t) => t.columns),
      rows: Effect.flatMap(real, (t) => t.rows),
      size: Effect.flatMap(real, (t) => t.size),
      readInput: Effect.flatMap(real, (t) => t.readInput),
      readLine: Effect.flatMap(real, (t) => t.readLine),
      display: (text) => Effect.flatMap(real, (t) => t.display(text))
    })
  })
)

/** `NodeChildProcessSpawner`, made (in this layer's scope) by the first spawn. */
const lazySpawner = Layer.effect(
  ChildProcessSpawner.ChildProcessSpawner,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const real = yield* Effect.cached(
      Effect.promise(() => import("@effect/platform-node/NodeChildProcessSpawner")).pipe(
        Effect.flatMap((m) => Layer.buildWithScope(m.layer, scope)),
        Effect.map((context) => Context.get(context, ChildProcessSpawner.ChildProcessSpawner)),
        Effect.provideContext(platform)
      )
    )
    // The service's other operations (exitCode, string, lines...) are made from spawn, as Node's are.
    return ChildProcessSpawner.make((command) => Effect.flatMap(real, (spawner) => spawner.spawn(command)))
  })
)

/** What `NodeServices.layer` provides, with the terminal and the spawner made on first use. */
export const cliEnvironment = Layer.provideMerge(
  lazySpawner,
  Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeStdio.layer, lazyTerminal)
)
