/**
 * `--execute FILE`: ship a script or binary with the job without S3. The file is gzipped and
 * base64-encoded into the environment variable AEGEA_EXECUTE_PAYLOAD; the command lines decode it
 * into a temporary file, make it executable and run it (the image needs bash, base64 and gunzip,
 * as ubuntu, debian and amazonlinux have).
 *
 * Size limits (AWS documentation, "AWS Batch service quotas" and the ECS RunTask reference):
 * a SubmitJob request may be at most 30 KiB in total and RunTask's `overrides` at most 8192
 * characters of JSON. We accept an encoded payload of at most `batchPayloadLimit` (24 KiB) for
 * Batch, leaving 6 KiB for the rest of the request, and `ecsPayloadLimit` (6 KiB) for ECS. Larger
 * files go through S3 (workflows/stageExecute.ts): the job gets a presigned GET URL in
 * AEGEA_EXECUTE_URL and `downloadLines` fetch it with curl, wget or python3 (installing curl with
 * apt-get when the image has none of them), make it executable and run it.
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

export const urlVariable = "AEGEA_EXECUTE_URL"

/** The inline payload of `content`, or undefined when its encoding is larger than `limit`. */
export const inlinePayload = (content: Uint8Array, limit: number): ExecutePayload | undefined => {
  const encoded = gzipSync(content, { level: 9 }).toString("base64")
  return encoded.length > limit ? undefined : payloadOf(encoded)
}

const payloadOf = (encoded: string): ExecutePayload => ({
  environment: { [payloadVariable]: encoded },
  encodedBytes: encoded.length,
  lines: [
    "AEGEA_EXECUTABLE=$(mktemp)",
    `printf '%s' "$${payloadVariable}" | base64 -d | gunzip > "$AEGEA_EXECUTABLE"`,
    'chmod +x "$AEGEA_EXECUTABLE"',
    '"$AEGEA_EXECUTABLE"'
  ]
})

/** A python3 program that copies the URL in $AEGEA_EXECUTE_URL to the file argv[1]. */
const pythonFetch =
  `python3 -c 'import os, shutil, sys, urllib.request; shutil.copyfileobj(urllib.request.urlopen(os.environ["${urlVariable}"]), open(sys.argv[1], "wb"))'`

/**
 * The lines that download the file at $AEGEA_EXECUTE_URL into a temporary file with the first of
 * curl, wget or python3 the image has (else apt-get installs curl, as ubuntu and debian lack all
 * three), make it executable and run it.
 */
export const downloadLines: ReadonlyArray<string> = [
  "AEGEA_EXECUTABLE=$(mktemp)",
  [
    "if command -v curl >/dev/null 2>&1; then",
    // curl reads "retry = 5" (retry transient HTTP errors 5 times) from its config on stdin.
    `printf 'retry = 5\\n' | curl -K - -fsSL -o "$AEGEA_EXECUTABLE" "$${urlVariable}";`,
    "elif command -v wget >/dev/null 2>&1; then",
    `wget -q -t 5 -O "$AEGEA_EXECUTABLE" "$${urlVariable}";`,
    "elif command -v python3 >/dev/null 2>&1; then",
    `${pythonFetch} "$AEGEA_EXECUTABLE";`,
    "elif command -v apt-get >/dev/null 2>&1; then",
    "apt-get -qq update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y -o APT::Install-Recommends=false curl ca-certificates >/dev/null",
    `&& printf 'retry = 5\\n' | curl -K - -fsSL -o "$AEGEA_EXECUTABLE" "$${urlVariable}";`,
    "else",
    `echo "aegea: --execute needs curl, wget, python3 or apt-get in the image to download the file" >&2; exit 127;`,
    "fi"
  ].join(" "),
  'chmod +x "$AEGEA_EXECUTABLE"',
  '"$AEGEA_EXECUTABLE"'
]

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
  return Effect.succeed(payloadOf(encoded))
}
