/**
 * The AWS environment and the SDK boundary: `Aws.layer({ region })` resolves region, profile,
 * endpoint and credentials once per program (every live layer of aegea needs it), and `makeAws` with
 * the call policies builds a layer of your own on the same retry and error machinery.
 */
import { AwsClients } from "../layers/AwsClients.ts"

export { AwsClients, type AwsEnvironment, type AwsSettings, type ClientOptions, resolveAwsEnvironment } from "../layers/AwsClients.ts"
export {
  type Aws as ServiceCalls,
  awsCalls,
  type CallContext,
  type CallerIdentity,
  callerIdentity,
  type CallPolicy,
  callWith,
  type Category,
  classify,
  idempotent,
  makeAws,
  mayRetry,
  once,
  paginate,
  type PlainPolicy,
  reconciled,
  type Reconciled,
  type SdkClient,
  type SdkCommand,
  toAwsError,
  tokenized
} from "../layers/aws.ts"

/**
 * The AWS environment every live layer needs, resolved as the AWS CLI does (settings, then the process
 * environment and `~/.aws/config`): `Ec2.layer.pipe(Layer.provide(Aws.layer({ region })))`.
 */
export const layer = AwsClients.layer

/** An `AwsClients` layer with a fixed environment (region, profile, endpoint, attempts), resolving nothing. */
export const layerStatic = AwsClients.layerStatic
