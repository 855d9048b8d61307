/**
 * The closed union of aegea's errors (`AegeaError`): every class is a tagged error to match with
 * `Effect.catchTag`, with a one-line `summary`, a `hint` and an exit code (`exitCodeOf`).
 */
export {
  type AegeaError,
  AmbiguousName,
  AwsAccessDenied,
  AwsCredentialsMissing,
  type AwsError,
  AwsInvalidRequest,
  AwsNotFound,
  AwsQuotaExceeded,
  AwsThrottled,
  AwsUnavailable,
  ConfigError,
  exitCodeOf,
  type InputField,
  isAegeaError,
  OperationFailed,
  ResourceNotFound,
  UsageError
} from "../errors.ts"
