/**
 * `--execute FILE`: ship a script or binary with the job without S3. The file is gzipped and
 * base64-encoded into the environment variable AEGEA_EXECUTE_PAYLOAD; the command lines decode it
 * into a temporary file, make it executable and run it (the image needs bash, base64 and gunzip,
 * as ubuntu, debian and amazonlinux have).
 *
 * Size limits (AWS documentation, "AWS Batch service quotas" and the ECS RunTask reference):
 * a SubmitJob request may be at most 30 KiB in total and RunTask's `overrides` at most 8192
 * characters of JSON. We accept an encoded payload of at most `batchPayloadLimit` (24 KiB) for
 * Batch, leaving 6 KiB for the rest of the request, and `ecsPayloadLimit` (6 KiB) for ECS; larger
 * files are a UsageError that says to put the file in the image or on S3.
 */
import { gzipSync } from "node:zlib"
import * as Effect from "effect/Effect"
import { UsageError } from "../errors.ts"

export const payloadVariable = "AEGEA_EXECUTE_PAYLOAD"
export const batchPayloadLimit = 24 * 1024
export const ecsPayloadLimit = 6 * 1024

export interface ExecutePayload {
  readonly environment: Readonly<Record<string, string>>
  readonly lines: ReadonlyArray<string>
  /** Size of the encoded payload in bytes. */
  readonly encodedBytes: number
}

/** The environment and command lines that run `content` (the bytes of `fileName`) in the container. */
export const executePayload = (
  fileName: string,
  content: Uint8Array,
  limit: number
): Effect.Effect<ExecutePayload, UsageError> => {
  const encoded = gzipSync(content, { level: 9 }).toString("base64")
  if (encoded.length > limit) {
    return Effect.fail(
      new UsageError({
        message: `--execute ${fileName} is too large: ${encoded.length} bytes after gzip and base64, the limit is ${limit}`,
        hint: "Put the file into the image, or upload it to S3 and download it in a --command line"
      })
    )
  }
  return Effect.succeed({
      environment: { [payloadVariable]: encoded },
      encodedBytes: encoded.length,
      lines: [
        "AEGEA_EXECUTABLE=$(mktemp)",
        `printf '%s' "$${payloadVariable}" | base64 -d | gunzip > "$AEGEA_EXECUTABLE"`,
        'chmod +x "$AEGEA_EXECUTABLE"',
        '"$AEGEA_EXECUTABLE"'
      ]
  })
}
