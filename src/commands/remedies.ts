/**
 * The CLI's words for the phrases of error hints that each front end words its own way
 * (`remedyPhrases` in src/errors.ts): the library's errors speak of "the region", the CLI of
 * `--region`. `bin.ts` prints every error through `cliSummary` (src/report.ts). A bad value in a
 * request (`UsageError`'s `input`) names its request field; the CLI names the flag instead.
 */
import { type AegeaError, type InputField, isAegeaError, type Remedy, remedyPhrases, UsageError } from "../errors.ts"

/** Each remedy's phrase as the CLI says it, naming its flags. */
export const remedyWords: Readonly<Record<Remedy, string>> = {
  "set-region": "Pass --region or set AWS_REGION",
  "check-region": "the --region",
  "other-region": "or pass --region",
  "other-profile": "another --profile",
  endpoint: "--endpoint-url",
  "endpoint-value": "Pass a URL such as http://127.0.0.1:5000 to --endpoint-url",
  "check-region-or-image": "check --region and the release, or pass --ami",
  "check-region-only": "check --region",
  "subnet-or-zone": "Pass --subnet, or another --availability-zone",
  "time-range": "Narrow the time range with --start-time/--end-time",
  "iam-role": "its IAM role (--iam-role)",
  "no-wait": "launch with --no-wait to skip this check",
  "cloud-init-timeout": "Raise --cloud-init-timeout, or build with --keep-builder to look at it",
  "builder-config": "Fix the build's config (build_ami, build_image, --cloud-config-data) and build again; --keep-builder keeps the builder to look at",
  "shorten-inputs": "Shorten the --command lines and --environment values",
  "efs-storage": "or name one (--efs-storage MOUNT=FS) for",
  "image-choice": "Pass --ubuntu-linux-ami or --amazon-linux-ami for the latest public image, or --ami ID|NAME"
}

const partsOf = (error: AegeaError) =>
  error as { readonly hint?: string | undefined; readonly remedy?: Remedy | undefined; readonly input?: InputField | undefined }

/** An error's hint as the CLI words it: the remedy's phrase replaced by the CLI's flags. */
export const cliHint = (error: AegeaError): string | undefined => {
  const { hint, input, remedy } = partsOf(error)
  if (input !== undefined) return input.advice
  if (hint === undefined || remedy === undefined) return hint
  return hint.replace(remedyPhrases[remedy], () => remedyWords[remedy])
}

/**
 * An error's one line as the CLI prints it: its summary, its hint in the CLI's words, and so the
 * sentence of an error it wraps ("launched web, but ...": its `cause`) where the summary quotes it.
 */
export const cliSummary = (error: AegeaError, depth = 0): string => {
  const { hint, input } = partsOf(error)
  // a bad value in a request: the CLI's sentence, naming the flag the value came from
  if (input !== undefined) return new UsageError({ message: input.message, ...(input.advice !== undefined ? { hint: input.advice } : {}) }).summary
  const words = cliHint(error)
  let summary = error.summary
  if (hint !== undefined && hint !== "" && words !== undefined && words !== hint && summary.endsWith(hint)) {
    summary = summary.slice(0, -hint.length) + words
  }
  const cause = (error as { readonly cause?: unknown }).cause
  if (depth < 4 && isAegeaError(cause)) {
    const quoted = cause.summary
    const at = summary.indexOf(quoted)
    if (at >= 0) summary = summary.slice(0, at) + cliSummary(cause, depth + 1) + summary.slice(at + quoted.length)
  }
  return summary
}
