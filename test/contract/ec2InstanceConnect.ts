/**
 * The EC2 Instance Connect contract (SendSSHPublicKey, and the caller's IAM user name from which
 * `aegea ssh` derives the default OS user): the same scenarios against Ec2InstanceConnectMemory
 * (test/unit) and Ec2InstanceConnectLive on moto (test/integration).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { Ec2InstanceConnect } from "../../src/services/Ec2InstanceConnect.ts"
import { runOn } from "./run.ts"

export interface Ec2InstanceConnectHarness {
  readonly make: () => Promise<{ readonly layer: Layer.Layer<Ec2InstanceConnect>; readonly instanceId: string }>
  /** The IAM user name of the harness's credentials. */
  readonly callerName: string
}

const eic = Effect.gen(function*() {
  return yield* Ec2InstanceConnect
})

/** An authorized_keys line of an ed25519 key (SendSSHPublicKey takes 80 to 4096 characters). */
const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKoZLdaBaBc9rs0cnk5ZbPqIkC9tOvIGNNnyXl3x2Koc aegea-contract"

export const ec2InstanceConnectContract = (label: string, harness: Ec2InstanceConnectHarness) =>
  describe(`Ec2InstanceConnect contract (${label})`, () => {
    it("sendPublicKey pushes a key for an OS user; pushing it again is fine (its 60 seconds restart)", async () => {
      const { layer, instanceId } = await harness.make()
      const grant = { instanceId, osUser: "ec2-user", publicKey, availabilityZone: "us-east-1a" }
      await runOn(layer, Effect.flatMap(eic, (e) => e.sendPublicKey(grant)))
      await runOn(layer, Effect.flatMap(eic, (e) => e.sendPublicKey(grant)))
      await runOn(layer, Effect.flatMap(eic, (e) => e.sendPublicKey({ instanceId, osUser: "ubuntu", publicKey })))
    })

    it("callerName is the IAM user name of the credentials, the same on every read", async () => {
      const { layer } = await harness.make()
      const names = await runOn(layer, Effect.flatMap(eic, (e) => Effect.all([e.callerName, e.callerName])))
      assert.deepStrictEqual(names, [harness.callerName, harness.callerName])
    })
  })
