/**
 * The Ssm contract for parameters, the agent's registration and Run Command: the same scenarios
 * against SsmMemory (test/unit) and SsmLive on moto (test/integration). Sessions are
 * test/contract/ssmSessions.ts's. moto lacks DescribeInstanceInformation and CancelCommand and runs
 * no command (Success at once, no output): those scenarios run where the harness serves them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { finalCommandStatuses, Ssm } from "../../src/services/Ssm.ts"
import { failureOn, runOn } from "./run.ts"

export interface SsmHarness {
  readonly make: () => Promise<{
    readonly layer: Layer.Layer<Ssm>
    /** An instance commands can be sent to. */
    readonly instanceId: string
    /** Another instance, which was sent nothing. */
    readonly otherInstanceId: string
  }>
  /** An instance whose agent is registered and Online (absent: DescribeInstanceInformation is not served). */
  readonly registeredAgent?: string
  /** Whether CancelCommand is served. */
  readonly cancels: boolean
}

const ssm = Effect.gen(function*() {
  return yield* Ssm
})

/** The invocation once final, reading at most `tries` times (the sides under test finish at once). */
const finished = (commandId: string, instanceId: string, tries = 5) =>
  Effect.gen(function*() {
    const s = yield* ssm
    let invocation = yield* s.commandInvocation(commandId, instanceId)
    for (let i = 1; i < tries && !finalCommandStatuses.has(invocation.status); i++) {
      invocation = yield* s.commandInvocation(commandId, instanceId)
    }
    return invocation
  })

export const ssmContract = (label: string, harness: SsmHarness) =>
  describe(`Ssm contract (${label})`, () => {
    it("getParameter reads a public AMI parameter; a missing parameter is none", async () => {
      const { layer } = await harness.make()
      const ami = await runOn(layer, Effect.flatMap(ssm, (s) => s.getParameter("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")))
      assert.match(Option.getOrElse(ami, () => ""), /^ami-[0-9a-f]+$/)
      assert.isTrue(Option.isNone(await runOn(layer, Effect.flatMap(ssm, (s) => s.getParameter("/aegea/contract/missing")))))
    })

    it("sendCommand runs AWS-RunShellScript; its invocation ends in Success with exit code 0", async () => {
      const { layer, instanceId } = await harness.make()
      const commandId = await runOn(layer, Effect.flatMap(ssm, (s) => s.sendCommand(instanceId, ["true"], { executionTimeoutSeconds: 60, comment: "contract" })))
      assert.match(commandId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      const invocation = await runOn(layer, finished(commandId, instanceId))
      assert.deepStrictEqual(
        [invocation.commandId, invocation.instanceId, invocation.status, invocation.exitCode, typeof invocation.stdout],
        [commandId, instanceId, "Success", 0, "string"]
      )
    })

    it("the invocation of a command on an instance it was not sent to is Pending (not there yet)", async () => {
      const { layer, instanceId, otherInstanceId } = await harness.make()
      const commandId = await runOn(layer, Effect.flatMap(ssm, (s) => s.sendCommand(instanceId, ["true"])))
      const other = await runOn(layer, Effect.flatMap(ssm, (s) => s.commandInvocation(commandId, otherInstanceId)))
      assert.deepStrictEqual(other, { commandId, instanceId: otherInstanceId, status: "Pending", stdout: "", stderr: "" })
    })

    it("the invocation of a command id SSM never gave is AwsInvalidRequest (InvalidCommandId)", async () => {
      const { layer, instanceId } = await harness.make()
      const error = await failureOn(layer, Effect.flatMap(ssm, (s) => s.commandInvocation("00000000-0000-4000-8000-00000000dead", instanceId)))
      assert.deepStrictEqual([error._tag, error.code], ["AwsInvalidRequest", "InvalidCommandId"])
    })

    // memory only where the peer lacks the call (see the README's table of fakes)
    if (harness.registeredAgent !== undefined) it("agentInfo: a registered agent with its ping status; an instance without one is none", async () => {
      const { layer, otherInstanceId } = await harness.make()
      const agent = await runOn(layer, Effect.flatMap(ssm, (s) => s.agentInfo(harness.registeredAgent!)))
      assert.strictEqual(Option.getOrUndefined(agent)?.instanceId, harness.registeredAgent)
      assert.strictEqual(Option.getOrUndefined(agent)?.pingStatus, "Online")
      assert.isTrue(Option.isNone(await runOn(layer, Effect.flatMap(ssm, (s) => s.agentInfo(otherInstanceId)))))
    })

    // memory only where the peer lacks the call (see the README's table of fakes)
    if (harness.cancels) it("cancelCommand: the invocation ends Cancelled", async () => {
      const { layer, instanceId } = await harness.make()
      const commandId = await runOn(layer, Effect.flatMap(ssm, (s) => s.sendCommand(instanceId, ["sleep 600"])))
      await runOn(layer, Effect.flatMap(ssm, (s) => s.cancelCommand(commandId, instanceId)))
      assert.strictEqual((await runOn(layer, finished(commandId, instanceId))).status, "Cancelled")
    })
  })
