/**
 * ECS Exec (ExecuteCommand) scenarios every ECS layer must pass: the in-memory one
 * (test/unit/ecs-exec-contract.test.ts) and the live one against moto behind the SSM stand-in, which
 * answers ExecuteCommand (test/integration/ecs-exec.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Redacted } from "effect"
import { defaultClusterName, Ecs } from "../../src/services/Ecs.ts"
import { registerTaskDefinitionRequest, runTaskRequest } from "../../src/services/ecsRequests.ts"

export interface EcsExecContractSetup {
  readonly layer: Layer.Layer<Ecs>
  /** Where tasks run (moto checks that they exist). */
  readonly subnet: string
  readonly securityGroup: string
}

const startTask = (setup: EcsExecContractSetup, enableExecuteCommand: boolean) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    yield* ecs.ensureCluster(defaultClusterName)
    const definition = yield* ecs.registerTaskDefinition(registerTaskDefinitionRequest({
      image: "ubuntu",
      cpu: 256,
      memoryMiB: 512,
      executionRoleArn: "arn:aws:iam::123456789012:role/aegea.fargate_execution",
      logGroup: "/aegea/ecs",
      region: ecs.region
    }))
    return yield* ecs.runTask(runTaskRequest({
      cluster: defaultClusterName,
      commandLines: ["sleep 600"],
      environment: {},
      subnets: [setup.subnet],
      securityGroups: [setup.securityGroup],
      tags: {},
      enableExecuteCommand
    }, definition.arn))
  })

export const ecsExecContract = (name: string, make: () => Promise<EcsExecContractSetup>) =>
  describe(`ECS Exec contract: ${name}`, () => {
    const withLayer = <A, E>(effect: (setup: EcsExecContractSetup) => Effect.Effect<A, E, Ecs>) =>
      Effect.flatMap(Effect.promise(make), (setup) => Effect.provide(effect(setup), setup.layer))

    it.live("opens an interactive session in a task started with ECS Exec, in its container", () =>
      withLayer((setup) => Effect.gen(function*() {
        const task = yield* startTask(setup, true)
        const exec = yield* (yield* Ecs).executeCommand({ cluster: defaultClusterName, task: task.id, command: "/bin/sh" })
        assert.strictEqual(exec.taskArn, task.arn)
        assert.strictEqual(exec.containerName, "aegea")
        assert.match(exec.ticket.streamUrl, /^wss?:\/\/.+\/v1\/data-channel\//)
        assert.isAbove(exec.ticket.sessionId.length, 0)
        assert.isAbove(Redacted.value(exec.ticket.token).length, 0)
      })))

    it.live("refuses a task started without ECS Exec with a hint naming --enable-exec", () =>
      withLayer((setup) => Effect.gen(function*() {
        const task = yield* startTask(setup, false)
        const error = yield* Effect.flip((yield* Ecs).executeCommand({ cluster: defaultClusterName, task: task.id, command: "/bin/sh" }))
        assert.strictEqual(error._tag, "OperationFailed")
        assert.match(error._tag === "OperationFailed" ? error.hint ?? "" : "", /aegea ecs run --enable-exec/)
      })))
  })
