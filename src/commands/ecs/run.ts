/** `aegea ecs run`: run shell lines (or a file) as a one-shot Fargate task, optionally watching it. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { ecsPayloadLimit } from "../../lib/executePayload.ts"
import { EfsLive } from "../../layers/EfsLive.ts"
import { S3StagingLive } from "../../layers/S3StagingLive.ts"
import { Efs } from "../../services/Efs.ts"
import { checkTaskShape, defaultTaskName } from "../../services/ecsRequests.ts"
import { S3Staging } from "../../services/S3Staging.ts"
import { removeStaged } from "../../workflows/stageExecute.ts"
import { taskOutcome } from "../../workflows/watchTask.ts"
import { containerFlags, containerOptions, executeDescription, runLines } from "../batch/containerFlags.ts"
import type * as Prompt from "effect/cli/Prompt"
import { createShieldedFromInterrupt } from "../../workflows/stopOnInterrupt.ts"
import { awsService, BaseLayer } from "../global.ts"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import { defaultClusterName, defaultTaskLogGroup, Ecs } from "../../services/Ecs.ts"
import { defaultSecurityGroupName, runEcsTask } from "../../workflows/ecsRun.ts"
import { progressThroughOutput } from "../progressOutput.ts"
import { Output } from "../../services/Output.ts"
import { singleValues } from "../batch/parseFlags.ts"
import { ecrImage } from "../batch/submit.ts"
import { parseFargateCpu, parseFargateMemory } from "./fargateFlags.ts"
import { taskInterruptOptions, watchTaskStopping } from "./follow.ts"
import { EcsRunLayer } from "./layer.ts"

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const repeated = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.atLeast(0))

export const stopOnInterruptFlag = Flag.Boolean("stop-on-interrupt").pipe(
  Flag.withDescription("On Ctrl-C, stop the task before exiting (at a terminal you are asked otherwise)."),
  Flag.withDefault(false)
)
const stopOnInterruptConfigurable = Flag.Boolean("stop-on-interrupt").pipe(
  Flag.withDescription("On Ctrl-C (during RunTask, or while watching), stop the task before exiting (at a terminal you are asked otherwise)."),
  Flag.optional
)

const runFlags = {
  command: repeated("command", "A shell line to run in the container; repeat for several lines, run in order under set -euo pipefail."),
  execute: optionalString("execute", executeDescription("task", 6)),
  image: optionalString("image", "The container image (default from config: ubuntu)."),
  ecrImage: optionalString("ecr-image", "An image in this account's ECR registry, as REPO[:TAG]; overrides --image."),
  environment: repeated("environment", "An environment variable for the container, as NAME=VALUE; repeatable."),
  fargateCpu: optionalString("fargate-cpu", "CPU for the task: units (256 = 0.25 vCPU, 1024 = 1 vCPU) or vCPUs such as 0.5 or \"2 vCPU\" (default 256)."),
  fargateMemory: Flag.String("fargate-memory").pipe(
    Flag.withAlias("memory"),
    Flag.withAlias("memory-mb"),
    Flag.withDescription("Memory for the task in MiB, or with a unit such as 2GB (default 512; Fargate accepts set sizes per CPU)."),
    Flag.optional
  ),
  platform: Flag.Literals("platform", ["FARGATE", "EC2"]).pipe(
    Flag.withDescription("Run on Fargate (the default) or on the container instances of an EC2 cluster given with --cluster (bridge networking)."),
    Flag.optional
  ),
  taskName: optionalString("task-name", `The task definition family's prefix (default ${defaultTaskName}): the family is NAME_<content hash>.`),
  ...containerFlags,
  cluster: optionalString("cluster", `The ECS cluster (default ${defaultClusterName}, created when missing; other clusters must exist).`),
  taskRole: optionalString("task-role", "The IAM role (name or ARN) the container's AWS calls use."),
  executionRole: optionalString("execution-role", "The IAM role (name or ARN) ECS uses to pull the image and write logs (default aegea.fargate_execution, created when missing)."),
  securityGroup: optionalString("security-group", `The security group (id or name in the default VPC; default ${defaultSecurityGroupName}, created when missing).`),
  tags: repeated("tags", "A tag for the task, as KEY=VALUE; repeatable."),
  enableExec: Flag.Boolean("enable-exec").pipe(
    Flag.withDescription("Turn on ECS Exec, so that 'aegea ecs exec TASK' can open a shell in the container (the task role must allow ssmmessages:*)."),
    Flag.optional
  ),
  dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Print the exact AWS requests, as YAML (JSON with --json), and change nothing."), Flag.withDefault(false)),
  // Optional, so that config (ecs_run.watch: true) can turn them on and --no-watch off again.
  watch: Flag.Boolean("watch").pipe(
    Flag.withDescription("Follow the task: print its status changes and log lines, then exit with its container's exit code (--no-watch: don't)."),
    Flag.optional
  ),
  stopOnInterrupt: stopOnInterruptConfigurable
}

export const runCommand = Command.make(
  "run",
  runFlags,
  Effect.fn("ecs run")(function*(flags) {
    const config = yield* AegeaConfig
    const input = withConfigDefaults(config.section("ecs run"), flags)
    const output = yield* Output
    const tags = yield* singleValues("tags", input.tags)
    const region = (yield* Ecs).region
    const image = Option.isSome(input.ecrImage) ? yield* ecrImage(input.ecrImage.value, region) : Option.getOrElse(input.image, () => "ubuntu")
    const cpu = yield* parseFargateCpu(Option.getOrElse(input.fargateCpu, () => "256"))
    const memoryMiB = yield* parseFargateMemory(Option.getOrElse(input.fargateMemory, () => "512"))
    const platform = Option.getOrElse(input.platform, () => "FARGATE" as const)
    const shape = {
      image,
      cpu,
      memoryMiB,
      logGroup: defaultTaskLogGroup,
      platform,
      taskName: Option.getOrUndefined(input.taskName),
      ...(yield* containerOptions(input))
    }
    // A shape ECS would refuse fails before --execute uploads anything.
    yield* checkTaskShape(shape)
    const lines = yield* runLines(input.command, input.execute, ecsPayloadLimit, { dryRun: input.dryRun })
    const environment = { ...(yield* singleValues("environment", input.environment)), ...lines.environment }
    const stopOnInterrupt = Option.getOrElse(input.stopOnInterrupt, () => false)
    const watching = Option.getOrElse(input.watch, () => false)
    const interruptContext = yield* Effect.context<Output | Prompt.Environment>()
    const ecsService = yield* Ecs
    const task = yield* runEcsTask({
      dryRun: input.dryRun,
      // A Ctrl-C during RunTask waits for its answer, then stops the task (when asked) or names it.
      shieldRun: (runTask) =>
        createShieldedFromInterrupt(runTask, (started) => taskInterruptOptions(ecsService, started.cluster, started.id, stopOnInterrupt, watching))
          .pipe(Effect.provideContext(interruptContext)),
      shape,
      executionRole: Option.getOrUndefined(input.executionRole),
      taskRole: Option.getOrUndefined(input.taskRole),
      securityGroup: Option.getOrUndefined(input.securityGroup),
      run: {
        cluster: Option.getOrElse(input.cluster, () => defaultClusterName),
        commandLines: lines.lines,
        environment,
        tags,
        ...(Option.getOrElse(input.enableExec, () => false) ? { enableExecuteCommand: true } : {})
      }
    })
    if (Option.isNone(task)) return
    if (!watching) {
      yield* output.document({ taskId: task.value.id, taskArn: task.value.arn, cluster: task.value.cluster, taskDefinition: task.value.taskDefinition })
      return
    }
    const ended = yield* watchTaskStopping(task.value.cluster, task.value.id, stopOnInterrupt)
    // The task has ended: its --execute file is no longer needed (an interrupted watch leaves it to the lifecycle rule).
    yield* removeStaged(lines.staged)
    yield* taskOutcome(ended)
  }, progressThroughOutput)
).pipe(
  Command.withAlias("launch"), // the Python aegea's `ecs launch`
  Command.withDescription(
    `Run shell lines (or a local file) as a one-shot Fargate task (or, with --platform EC2, on an EC2 cluster's instances). Creates the cluster ${defaultClusterName}, the log group ${defaultTaskLogGroup}, the execution role and the task definition on first use.`
  ),
  Command.withExamples([
    { command: "aegea ecs run --command \"echo hello\" --watch", description: "Run a line on Fargate and follow it to its exit code" },
    { command: "aegea ecs run --execute ./job.sh --fargate-cpu 1024 --fargate-memory 4096", description: "Ship and run a local script on 1 vCPU and 4 GiB" },
    { command: "aegea ecs run --command \"make test\" --image my/repo:1 --dry-run", description: "Print the requests without running anything" },
    { command: "aegea ecs run --execute ./build/mytool --storage /scratch=100 --efs-storage /efs --watch", description: "Run a local binary with 100 GiB of ephemeral storage and the aegea EFS file system" }
  ]),
  Command.provide(Layer.mergeAll(EcsRunLayer, Layer.mergeAll(awsService(S3Staging, S3StagingLive), awsService(Efs, EfsLive)).pipe(Layer.provideMerge(BaseLayer))))
)
