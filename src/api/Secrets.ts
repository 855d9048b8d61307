/** AWS Secrets Manager: list, read, put, delete and restore secrets and grant a role read access. */
export { SecretsLive as layer } from "../layers/SecretsLive.ts"
export {
  type DeleteOptions,
  type DeleteResult,
  type PutResult,
  SecretDescription,
  type SecretError,
  secretNotFound,
  Secrets,
  SecretSummary,
  type SecretValue,
  SecretVersion,
  type VersionSelector
} from "../services/Secrets.ts"
