/** Asking before destructive actions: only on an interactive terminal; scripts are never blocked. */
import { Effect } from "effect"
import { Prompt } from "effect/cli"
import { OperationFailed } from "../services/Errors.ts"

export const isInteractive = () => process.stdin.isTTY === true && process.stderr.isTTY === true

/** Ask yes/no on a TTY (default no); answering no fails with exit 1 and changes nothing. */
export const confirmOnTty = (message: string) =>
  Effect.gen(function*() {
    if (!isInteractive()) return
    const yes = yield* Prompt.run(Prompt.Confirm({ message, initial: false })).pipe(
      Effect.catchTag("QuitError", () => Effect.interrupt)
    )
    if (!yes) return yield* new OperationFailed({ message: "cancelled: nothing was changed", hint: "Pass --yes to skip this question" })
  })
