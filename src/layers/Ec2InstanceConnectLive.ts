/** The live EC2 Instance Connect layer; SDKs (EIC, IAM, STS) imported lazily, on first use. */
import { Effect, Layer } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call } from "./aws.ts"
import { Ec2InstanceConnect, type PublicKeyGrant } from "../services/Ec2InstanceConnect.ts"

/** Build a client for one call and destroy it afterwards (each of these runs once per command). */
const once = <C extends { destroy: () => void }, A>(make: () => C, use: (client: C) => Effect.Effect<A, import("../errors.ts").AwsError>) =>
  Effect.acquireUseRelease(Effect.sync(make), use, (c) => Effect.sync(() => c.destroy()))

export const Ec2InstanceConnectLive: Layer.Layer<Ec2InstanceConnect, never, AwsClients> = Layer.effect(
  Ec2InstanceConnect,
  Effect.gen(function*() {
    const env = yield* AwsClients

    const sendPublicKey = (grant: PublicKeyGrant) =>
      Effect.gen(function*() {
        const sdk = yield* Effect.promise(() => import("@aws-sdk/client-ec2-instance-connect"))
        yield* once(() => new sdk.EC2InstanceConnectClient(env.clientConfig), (eic) =>
          call(
            env,
            { service: "EC2 Instance Connect", operation: "SendSSHPublicKey", action: `push your SSH key to ${grant.instanceId} for user ${grant.osUser}` },
            (abortSignal) =>
              eic.send(
                new sdk.SendSSHPublicKeyCommand({
                  InstanceId: grant.instanceId,
                  InstanceOSUser: grant.osUser,
                  SSHPublicKey: grant.publicKey,
                  ...(grant.availabilityZone !== undefined ? { AvailabilityZone: grant.availabilityZone } : {})
                }),
                { abortSignal }
              )
          ))
      })

    const roleSessionName = Effect.gen(function*() {
      const sts = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
      const identity = yield* once(() => new sts.STSClient(env.clientConfig), (c) =>
        call(env, { service: "STS", operation: "GetCallerIdentity", action: "find who you are" }, (abortSignal) =>
          c.send(new sts.GetCallerIdentityCommand({}), { abortSignal })))
      // arn:aws:sts::123456789012:assumed-role/ROLE/SESSION or arn:aws:iam::123456789012:user/path/NAME
      return (identity.Arn ?? "").split("/").at(-1) ?? ""
    })

    const callerName = Effect.gen(function*() {
      const iam = yield* Effect.promise(() => import("@aws-sdk/client-iam"))
      return yield* once(() => new iam.IAMClient(env.clientConfig), (c) =>
        call(env, { service: "IAM", operation: "GetUser", action: "find your IAM user name" }, (abortSignal) =>
          c.send(new iam.GetUserCommand({}), { abortSignal })).pipe(Effect.map((r) => r.User?.UserName ?? "")))
    }).pipe(
      // Roles (SSO, assumed roles) have no IAM user: GetUser says "Must specify userName" or denies access.
      Effect.catchTag(["AwsInvalidRequest", "AwsAccessDenied", "AwsNotFound"], () => roleSessionName)
    )

    return Ec2InstanceConnect.of({ sendPublicKey, callerName: yield* Effect.cached(callerName) })
  })
)
