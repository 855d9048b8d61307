/**
 * `aegea ecs exec TASK [-- COMMAND...]`: an interactive shell (or command) in a running task's
 * container through ECS Exec. ExecuteCommand returns a Session Manager session, attached with aegea's
 * own data channel client: no session-manager-plugin needed. Interactive like `aegea session`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import { defaultClusterName, Ecs, taskIdOf } from "../../services/Ecs.ts"
import { Output } from "../../services/Output.ts"
import { SsmSession } from "../../services/SsmSession.ts"
import { interactive } from "../session.ts"
import { SshCommandLayer } from "../ssh.ts"
import { EcsLayer } from "./layer.ts"

/** Open an ECS Exec session in the task and run it at this terminal until it ends. */
export const execInTask = (request: { readonly cluster: string; readonly task: string; readonly container?: string; readonly command: string }) =>
  Effect.gen(function*() {
    const output = yield* Output
    const exec = yield* (yield* Ecs).executeCommand(request)
    const taskId = taskIdOf(exec.taskArn)
    // The session's target names it in messages and, for KMS-encrypted sessions, in the encryption context.
    const channel = yield* (yield* SsmSession).attach(exec.target ?? `task ${taskId}`, exec.ticket, "shell")
    yield* output.info(`ECS Exec session ${channel.sessionId} in task ${taskId}, container ${exec.containerName}: ${request.command}`)
    yield* interactive(channel)
  }).pipe(Effect.scoped)

export const execCommand = Command.make(
  "exec",
  {
    task: Argument.String("task").pipe(Argument.withDescription("The task (id or ARN); it must have been started with ECS Exec (ecs run --enable-exec).")),
    command: Argument.String("command").pipe(
      Argument.withDescription("The command to run in the container, after -- (default /bin/sh); several words are joined with spaces."),
      Argument.variadic()
    ),
    cluster: Flag.String("cluster").pipe(Flag.withDescription(`The task's cluster (default ${defaultClusterName}).`), Flag.optional),
    container: Flag.String("container").pipe(Flag.withDescription("The container (default the task's first container)."), Flag.optional)
  },
  Effect.fn("ecs exec")(function*(flags) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecs exec"), flags)
    const container = Option.getOrUndefined(input.container)
    yield* execInTask({
      cluster: Option.getOrElse(input.cluster, () => defaultClusterName),
      task: input.task,
      ...(container !== undefined ? { container } : {}),
      command: input.command.length > 0 ? input.command.join(" ") : "/bin/sh"
    })
  })
).pipe(
  Command.withDescription(
    "Open an interactive shell (or run a command) in a running task's container through ECS Exec. Needs no session-manager-plugin; Ctrl-C goes to the container. The task must have been started with ECS Exec (ecs run --enable-exec)."
  ),
  Command.withExamples([
    { command: "aegea ecs exec 0123456789abcdef0123456789abcdef", description: "A shell in the task's container" },
    { command: "aegea ecs exec 0123456789abcdef0123456789abcdef -- ps aux", description: "Run one command" }
  ]),
  Command.provide(Layer.merge(EcsLayer, SshCommandLayer))
)
