/** The live EC2 Instance Connect layer; SDKs (EIC, IAM) imported lazily, on first use. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws } from "./aws.ts"
import { Ec2InstanceConnect, type PublicKeyGrant } from "../services/Ec2InstanceConnect.ts"

/** `Ec2InstanceConnect` against EC2 Instance Connect, with the region, credentials and endpoint of `AwsClients`. */
export const Ec2InstanceConnectLive: Layer.Layer<Ec2InstanceConnect, never, AwsClients> = Layer.effect(
  Ec2InstanceConnect,
  Effect.gen(function*() {
    const env = yield* AwsClients
    /** Each of these runs once per command: its client is made for the call and destroyed after it. */
    const scoped = <A, E>(effect: Effect.Effect<A, E, AwsClients | Scope.Scope>) =>
      Effect.scoped(effect).pipe(Effect.provideService(AwsClients, env))

    const sendPublicKey = (grant: PublicKeyGrant) =>
      scoped(Effect.gen(function*() {
        const sdk = yield* Effect.promise(() => import("@aws-sdk/client-ec2-instance-connect"))
        const aws = yield* makeAws("EC2 Instance Connect", (config) => new sdk.EC2InstanceConnectClient(config))
        yield* aws.call(
          new sdk.SendSSHPublicKeyCommand({
            InstanceId: grant.instanceId,
            InstanceOSUser: grant.osUser,
            SSHPublicKey: grant.publicKey,
            ...(grant.availabilityZone !== undefined ? { AvailabilityZone: grant.availabilityZone } : {})
          }),
          `push your SSH key to ${grant.instanceId} for user ${grant.osUser}`,
          // Pushing the same key again only restarts its 60 seconds.
          idempotent
        )
      }))

    const callerName = scoped(Effect.gen(function*() {
      const iam = yield* Effect.promise(() => import("@aws-sdk/client-iam"))
      const aws = yield* makeAws("IAM", (config) => new iam.IAMClient(config), { global: true })
      return yield* aws.call(new iam.GetUserCommand({}), "find your IAM user name", idempotent).pipe(
        Effect.map((r) => r.User?.UserName ?? ""),
        // Roles (SSO, assumed roles) have no IAM user: GetUser says "Must specify userName" or denies access.
        Effect.catchTag(["AwsInvalidRequest", "AwsAccessDenied", "AwsNotFound"], () =>
          Effect.map(
            aws.callerIdentity,
            // arn:aws:sts::123456789012:assumed-role/ROLE/SESSION or arn:aws:iam::123456789012:user/path/NAME
            (identity) => identity.arn.split("/").at(-1) ?? ""
          ))
      )
    }))

    return Ec2InstanceConnect.of({ sendPublicKey, callerName: yield* Effect.cached(callerName) })
  })
)
