/**
 * `aegea batch ssh JOB [-- COMMAND...]`: an interactive shell (or a command) in a running job's
 * container, like the Python aegea's `batch ssh`, without OpenSSH or the session-manager-plugin.
 * - EC2 compute environments: DescribeJobs gives the job's container instance and ECS task; ECS
 *   DescribeContainerInstances gives the EC2 instance; a Session Manager session on it
 *   (AWS-StartInteractiveCommand) runs `sudo docker exec -it` into the container that carries the
 *   task's ARN as its ECS label.
 * - Fargate: ECS Exec into the job's task (as `aegea ecs exec`), when the job's task has ECS Exec on.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { OperationFailed } from "../../errors.ts"
import { BatchLive } from "../../layers/BatchLive.ts"
import { EcsLive } from "../../layers/EcsLive.ts"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import { Batch, type Job } from "../../services/Batch.ts"
import { Ec2 } from "../../services/Ec2.ts"
import { Ecs, enableExecHint } from "../../services/Ecs.ts"
import { Output } from "../../services/Output.ts"
import { SsmSession } from "../../services/SsmSession.ts"
import { execInTask } from "../ecs/exec.ts"
import { awsService, BaseLayer } from "../global.ts"
import { checkShellTarget, interactive } from "../session.ts"
import { SshCommandLayer } from "../ssh.ts"

/** What runs in the container when no COMMAND is given (as in the Python aegea). */
export const defaultCommand = "/bin/bash -l"

/** The ECS label Docker containers of a task carry, whose value is the task's ARN. */
export const taskArnLabel = "com.amazonaws.ecs.task-arn"

/** The cluster named in a long-format ECS ARN (task/CLUSTER/ID, container-instance/CLUSTER/ID). */
export const clusterOfArn = (arn: string): string | undefined => {
  const match = /^arn:[^:]+:ecs:[^:]*:[^:]*:(?:task|container-instance)\/([^/]+)\/[^/]+$/.exec(arn)
  return match?.[1]
}

/** Single-quoted for sh (any text, quotes included). */
const shQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`

/** The ECS label with a container's name in its task (ECS's own pause container is "~internal~ecs~pause"). */
export const containerNameLabel = "com.amazonaws.ecs.container-name"

/**
 * The shell line the instance runs (AWS-StartInteractiveCommand's `command`): find the task's
 * container by its ECS task-ARN label, leaving out ECS's pause container of awsvpc tasks; say so
 * when there is none, else `sudo docker exec -it` the command in it. `command` is one line, split
 * into words by the shell, as `aegea ecs exec` passes its command.
 */
export const dockerExecLine = (taskArn: string, command: string): string =>
  [
    "id=",
    `for c in $(sudo docker ps -q -f ${shQuote(`label=${taskArnLabel}=${taskArn}`)}); do` +
    ` case "$(sudo docker inspect -f ${shQuote(`{{index .Config.Labels "${containerNameLabel}"}}`)} "$c")" in` +
    ` '~internal~'*) ;; *) id=$c; break ;; esac; done`,
    `if [ -z "$id" ]; then echo ${shQuote(`aegea: no running container of task ${taskArn} on this instance`)} >&2; exit 1; fi`,
    `exec sudo docker exec -it "$id" ${command}`
  ].join("; ")

/** The Session Manager request of the EC2 path: StartSession's document and parameters. */
export const ec2SessionDocument = (taskArn: string, command: string) => ({
  kind: "shell" as const,
  document: "AWS-StartInteractiveCommand",
  parameters: { command: [dockerExecLine(taskArn, command)] }
})

/** Where a running job's container is, from DescribeJobs alone. */
export type JobTarget =
  | { readonly kind: "ec2"; readonly cluster: string; readonly containerInstanceArn: string; readonly taskArn: string }
  | { readonly kind: "fargate"; readonly cluster: string; readonly taskArn: string }

const label = (job: Job) => `job ${job.id} (${job.name})`

/** The job must be RUNNING and Batch must have reported its ECS task (and, on EC2, its container instance). */
export const jobTarget = (job: Job): Effect.Effect<JobTarget, OperationFailed> => {
  if (job.status !== "RUNNING") {
    const ended = job.status === "SUCCEEDED" || job.status === "FAILED"
    return Effect.fail(
      new OperationFailed({
        message: `${label(job)} is ${job.status}, not RUNNING: there is no container to open a shell in`,
        hint: ended
          ? `It has ended; 'aegea batch logs ${job.id}' prints its output`
          : `Wait for it to start ('aegea batch watch ${job.id}' follows its status)`
      })
    )
  }
  if (job.arraySize !== undefined && job.taskArn === undefined) {
    return Effect.fail(
      new OperationFailed({
        message: `${label(job)} is an array job of ${job.arraySize}: its children run the containers`,
        hint: `Name one child, e.g. 'aegea batch ssh ${job.id}:0'`
      })
    )
  }
  const cluster = job.taskArn === undefined ? undefined : clusterOfArn(job.taskArn)
  if (job.taskArn === undefined || cluster === undefined) {
    return Effect.fail(
      new OperationFailed({
        message: `AWS Batch does not report the ECS task of ${label(job)}${job.taskArn === undefined ? "" : ` in a form that names its cluster (${job.taskArn})`}`,
        hint: "Try again in a few seconds"
      })
    )
  }
  if (job.containerInstanceArn !== undefined) {
    return Effect.succeed({ kind: "ec2", cluster, containerInstanceArn: job.containerInstanceArn, taskArn: job.taskArn })
  }
  if (job.platform === "EC2") {
    return Effect.fail(
      new OperationFailed({ message: `AWS Batch does not report the container instance of ${label(job)} yet`, hint: "Try again in a few seconds" })
    )
  }
  return Effect.succeed({ kind: "fargate", cluster, taskArn: job.taskArn })
}

/** The hint for a Fargate job whose task has no ECS Exec (a job definition setting; not changeable while it runs). */
export const batchExecHint =
  "ECS Exec is turned on when a task starts: set enableExecuteCommand in the job definition's container properties and submit the job again"

const execOff = (job: Job) =>
  new OperationFailed({ message: `${label(job)} runs on Fargate without ECS Exec, so aegea cannot open a shell in it`, hint: batchExecHint })

export const BatchSshLayer = Layer.mergeAll(
  Layer.mergeAll(awsService(Batch, BatchLive), awsService(Ecs, EcsLive)).pipe(Layer.provideMerge(BaseLayer)),
  SshCommandLayer
)

export const sshCommand = Command.make(
  "ssh",
  {
    jobId: Argument.String("job-id").pipe(Argument.withDescription("The running job's id (as batch submit and batch ls print it).")),
    command: Argument.String("command").pipe(
      Argument.withDescription(`The command to run in the container, after -- (default ${defaultCommand}); several words are joined with spaces.`),
      Argument.variadic()
    )
  },
  Effect.fn("batch ssh")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch ssh"), raw)
    const command = input.command.length > 0 ? input.command.join(" ") : defaultCommand
    const output = yield* Output
    const job = yield* (yield* Batch).describeJob(input.jobId)
    const target = yield* jobTarget(job)
    if (target.kind === "fargate") {
      if (job.execEnabled === false) return yield* execOff(job)
      return yield* execInTask({ cluster: target.cluster, task: target.taskArn, command }).pipe(
        Effect.catchIf((e) => e._tag === "OperationFailed" && e.hint === enableExecHint, () => Effect.fail(execOff(job)))
      )
    }
    const containerInstance = yield* (yield* Ecs).describeContainerInstance(target.cluster, target.containerInstanceArn)
    if (containerInstance.ec2InstanceId === undefined) {
      return yield* new OperationFailed({ message: `ECS does not report the EC2 instance of container instance ${containerInstance.arn}` })
    }
    const instance = yield* (yield* Ec2).resolveInstance(containerInstance.ec2InstanceId)
    yield* checkShellTarget(instance)
    const channel = yield* (yield* SsmSession).open(instance.id, ec2SessionDocument(target.taskArn, command))
    yield* output.info(`session ${channel.sessionId} on ${instance.id}, ${label(job)}: ${command}`)
    yield* interactive(channel)
  }, Effect.scoped)
).pipe(
  Command.withDescription(
    `Open an interactive shell (or run a command) in a running job's container. EC2 compute environments: a Session Manager session on the job's instance runs 'sudo docker exec -it' in the container. Fargate: ECS Exec into the job's task (its job definition must turn on enableExecuteCommand). Needs no session-manager-plugin and no OpenSSH; Ctrl-C goes to the container.`
  ),
  Command.withExamples([
    { command: "aegea batch ssh 3b1e9c6f-2d4a-4f7e-9a51-0c8d2e6f7a10", description: `A shell (${defaultCommand}) in the job's container` },
    { command: "aegea batch ssh 3b1e9c6f-2d4a-4f7e-9a51-0c8d2e6f7a10 -- ps aux", description: "Run one command" }
  ]),
  Command.provide(BatchSshLayer)
)
