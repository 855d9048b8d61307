/**
 * Amazon S3: objects (`S3`), bucket administration (`S3Admin`) and the account's staging bucket for
 * files that jobs and tasks fetch (`S3Staging`).
 */
export { S3Live as layer } from "../layers/S3Live.ts"
export { S3AdminLive as layerAdmin } from "../layers/S3AdminLive.ts"
export { S3StagingLive as layerStaging } from "../layers/S3StagingLive.ts"
export { type GetObjectOptions, S3, type S3Object } from "../services/S3.ts"
export {
  Bucket,
  type BucketSettings,
  LifecycleRule,
  ObjectVersion,
  type RestoreOutcome,
  type RestoreRequest,
  type RestoreTier,
  restoreTiers,
  S3Admin
} from "../services/S3Admin.ts"
export { type EnsuredBucket, type ExpiryRule, S3Staging, stagingBucketName } from "../services/S3Staging.ts"
export { type ExecuteLines, executeFile, executeKey, removeStaged, type StagedObject } from "../workflows/stageExecute.ts"
