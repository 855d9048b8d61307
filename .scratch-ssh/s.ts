import { NodeServices } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
const ssh = Command.make("ssh", {
  target: Argument.String("target"),
  rest: Argument.String("ssh-args").pipe(Argument.variadic()),
  noSsm: Flag.Boolean("no-ssm").pipe(Flag.withDefault(false)),
}, (a) => Console.log(JSON.stringify(a)))
const root = Command.make("aegea").pipe(Command.withSubcommands([ssh]))
const run = (argv: string[]) => Command.runWith(root, { version: "1" })(argv).pipe(Effect.provide(NodeServices.layer), Effect.catch((e) => Console.log("ERR", String(e))))
await Effect.runPromise(run(["ssh", "box", "--", "echo", "ok"]))
await Effect.runPromise(run(["ssh", "box", "--no-ssm", "--", "-v", "echo", "-la"]))
await Effect.runPromise(run(["ssh", "u@box", "--", "--no-ssm"]))
await Effect.runPromise(run(["ssh", "box", "echo", "ok"]))
