/**
 * `--execute FILE` of any size: the file rides in the job's environment when its compressed form
 * fits (lib/executePayload.ts), else it is uploaded to aegea's staging bucket under `aegea-execute/`
 * (the bucket is created when missing, with a lifecycle rule deleting those objects after 7 days)
 * and the job gets a presigned GET URL (valid 7 days, or as long as temporary credentials last) that
 * its first lines download and run. With `dryRun` nothing is uploaded: the URL is a placeholder.
 */
import { createHash, randomUUID } from "node:crypto"
import { basename } from "node:path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { downloadLines, inlinePayload, urlVariable } from "../lib/executePayload.ts"
import { emitProgress } from "../services/Progress.ts"
import { executeExpiryRule, executePrefix, maxPresignSeconds, S3Staging, stagingBucketName } from "../services/S3Staging.ts"

/** An object uploaded to the staging bucket for a job or task to download. */
export interface StagedObject {
  readonly bucket: string
  readonly key: string
}

/**
 * How a container runs a local file: its command lines, environment and the staged object (if it did
 * not ride inline).
 */
export interface ExecuteLines {
  readonly lines: ReadonlyArray<string>
  readonly environment: Readonly<Record<string, string>>
  /** The S3 object the job downloads (none when the file rode inline, or for a dry run). */
  readonly staged: Option.Option<StagedObject>
}

/** `aegea-execute/<first 16 hex of sha256>-<8 random hex>/<file name>`: one object per job, so one job's cleanup never removes another's file. */
export const executeKey = (fileName: string, content: Uint8Array, unique: string = randomUUID().slice(0, 8)) => {
  const digest = createHash("sha256").update(content).digest("hex").slice(0, 16)
  const name = basename(fileName).replace(/[^A-Za-z0-9._-]/g, "_") || "file"
  return `${executePrefix}${digest}-${unique}/${name}`
}

/** The lines and environment that run `content` in the container, uploading it to S3 when it is too large to ride inline. */
export const executeFile = (fileName: string, content: Uint8Array, inlineLimit: number, options: { readonly dryRun: boolean }) =>
  Effect.gen(function*() {
    const inline = inlinePayload(content, inlineLimit)
    if (inline !== undefined) return { lines: inline.lines, environment: inline.environment, staged: Option.none() } satisfies ExecuteLines
    const staging = yield* S3Staging
    const bucket = stagingBucketName(yield* staging.accountId, staging.region)
    const key = executeKey(fileName, content)
    if (options.dryRun) {
      yield* emitProgress({
        _tag: "Notice",
        message: `dry run: --execute ${fileName} (${content.length} bytes) is too large to ship inline and would be uploaded to s3://${bucket}/${key}`
      })
      return {
        lines: downloadLines,
        environment: { [urlVariable]: `<presigned GET URL of s3://${bucket}/${key}>` },
        staged: Option.none()
      } satisfies ExecuteLines
    }
    const ensured = yield* staging.ensureBucket(bucket, executeExpiryRule)
    if (ensured.created) yield* emitProgress({ _tag: "Created", kind: "bucket", id: bucket, message: `created bucket ${bucket}` })
    if (ensured.ruleAdded) {
      yield* emitProgress({
        _tag: "Notice",
        message: `bucket ${bucket}: objects under ${executePrefix} now expire after ${executeExpiryRule.days} days (lifecycle rule ${executeExpiryRule.id})`
      })
    }
    yield* staging.put(bucket, key, content)
    const url = yield* staging.presignGet(bucket, key, maxPresignSeconds)
    yield* emitProgress({ _tag: "Created", kind: "object", id: `s3://${bucket}/${key}`, message: `uploaded --execute ${fileName} (${content.length} bytes) to s3://${bucket}/${key}` })
    return { lines: downloadLines, environment: { [urlVariable]: url }, staged: Option.some({ bucket, key }) } satisfies ExecuteLines
  })

/** Delete the staged object once the job has ended (a failure to delete is a warning: the lifecycle rule is the backstop). */
export const removeStaged = (staged: Option.Option<StagedObject>) =>
  Option.isNone(staged)
    ? Effect.void
    : Effect.gen(function*() {
      const staging = yield* S3Staging
      const { bucket, key } = staged.value
      yield* staging.remove(bucket, key).pipe(
        Effect.flatMap(() => emitProgress({ _tag: "Deleted", kind: "object", id: `s3://${bucket}/${key}`, message: `deleted s3://${bucket}/${key}` })),
        Effect.catch((e) =>
          emitProgress({
            _tag: "Warning",
            message: `could not delete s3://${bucket}/${key} (${e.message}); the bucket's lifecycle rule deletes it within ${executeExpiryRule.days} days`
          })
        )
      )
    })
