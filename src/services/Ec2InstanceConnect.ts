/**
 * EC2 Instance Connect: push a public key that the instance's sshd accepts for one OS user for 60
 * seconds, and the caller's IAM name from which aegea derives the default OS user.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AwsError } from "../errors.ts"

/** A public key EC2 Instance Connect lets into an instance for one OS user, for 60 seconds. */
export interface PublicKeyGrant {
  readonly instanceId: string
  readonly osUser: string
  /** "ssh-ed25519 AAAA..." (an authorized_keys line). */
  readonly publicKey: string
  readonly availabilityZone?: string
}

/**
 * EC2 Instance Connect: push a short-lived SSH public key to an instance. Live: `Ec2InstanceConnectLive`; in
 * memory: `Ec2InstanceConnectMemory`.
 */
export class Ec2InstanceConnect extends Context.Service<Ec2InstanceConnect, {
  readonly sendPublicKey: (grant: PublicKeyGrant) => Effect.Effect<void, AwsError>
  /**
   * The caller's IAM user name (iam:GetUser); for an assumed role, the role session name (which
   * SSO and most federations set to the person's name or e-mail).
   */
  readonly callerName: Effect.Effect<string, AwsError>
}>()("aegea/Ec2InstanceConnect") {}
