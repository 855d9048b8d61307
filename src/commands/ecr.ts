/**
 * `aegea ecr ls [REPO]` and `aegea ecr retag REPO SRC DST`: ECR repositories, their images (tags,
 * size, push time, scan findings), and another tag on an image without pulling or pushing it.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { EcrLive } from "../layers/EcrLive.ts"
import { UsageError } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ecr, type EcrImage, imageTagNotFound, type Repository, retagRequest } from "../services/Ecr.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"

export const EcrLayer = awsService(Ecr, EcrLive).pipe(Layer.provideMerge(BaseLayer))

export const repositoryTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "uri", header: "URI", noTruncate: true },
    { key: "createdAt", header: "CREATED", kind: "time" },
    { key: "scanOnPush", header: "SCAN ON PUSH" }
  ],
  kinds: { arn: "id" },
  fields: ["name", "uri", "arn", "createdAt", "scanOnPush"],
  aliases: { repository_name: "name", repository_uri: "uri", created: "createdAt", scan_on_push: "scanOnPush" }
}

export const imageTable: TableSpec = {
  columns: [
    { key: "tags", kind: "text" },
    { key: "digest", kind: "id" },
    { key: "sizeBytes", header: "SIZE", kind: "bytes" },
    { key: "pushedAt", header: "PUSHED", kind: "time" },
    { key: "findings" }
  ],
  kinds: { findingCounts: "text", repository: "name" },
  fields: ["repository", "digest", "tags", "sizeBytes", "pushedAt", "findings", "findingCounts"],
  aliases: { image_tags: "tags", image_digest: "digest", size: "sizeBytes", pushed: "pushedAt", image_pushed_at: "pushedAt" }
}

const severityOrder = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"]

/** "CRITICAL=1 HIGH=3", most severe first; "none" for a scan with no findings; "" for no scan. */
export const findingsSummary = (findings: EcrImage["findings"]): string => {
  if (findings === undefined) return ""
  const rank = (s: string) => (severityOrder.includes(s) ? severityOrder.indexOf(s) : severityOrder.length)
  const entries = Object.entries(findings).filter(([, n]) => n > 0).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
  return entries.length === 0 ? "none" : entries.map(([s, n]) => `${s}=${n}`).join(" ")
}

const repositoryRow = (r: Repository) => ({ ...r })

export const imageRow = (i: EcrImage) => ({
  repository: i.repository,
  digest: i.digest,
  tags: i.tags,
  sizeBytes: i.sizeBytes,
  pushedAt: i.pushedAt,
  findings: findingsSummary(i.findings),
  findingCounts: i.findings
})

/** Newest push first (an image without a push time last). */
const byPushedDesc = (a: EcrImage, b: EcrImage) => (b.pushedAt?.getTime() ?? -Infinity) - (a.pushedAt?.getTime() ?? -Infinity)

const lsSummary = "List ECR repositories, or the images of one repository."

const ls = Command.make(
  "ls",
  {
    repository: Argument.String("repository").pipe(
      Argument.withDescription("A repository: list its images (tags, digest, size, push time, scan findings) instead of the repositories."),
      Argument.optional
    )
  },
  Effect.fn("ecr.ls")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecr ls"), raw)
    const ecr = yield* Ecr
    const output = yield* Output
    if (Option.isSome(input.repository)) {
      const name = input.repository.value
      const images = yield* Stream.runCollect(ecr.images(name))
      yield* output.table([...images].sort(byPushedDesc).map(imageRow), imageTable, { empty: `no images in ECR repository ${name}` })
      return
    }
    const repositories = yield* Stream.runCollect(ecr.repositories())
    yield* output.table(repositories.map(repositoryRow), repositoryTable, { empty: `no ECR repositories in ${ecr.region}` })
  })
).pipe(
  Command.withDescription(
    `${listingDescription(lsSummary, repositoryTable)}\n  ${
      listingDescription(
        'With REPOSITORY, its images, newest push first (findings: the severity counts of the last scan, "none" when it found nothing, empty when never scanned).',
        imageTable
      )
    }`
  ),
  Command.withShortDescription(lsSummary),
  Command.withExamples([
    { command: "aegea ecr ls", description: "The repositories of the region" },
    { command: "aegea ecr ls my-app", description: "The images of my-app, newest first" },
    { command: "aegea ecr ls my-app --columns tags,digest --json", description: "Tags and digests as JSON" }
  ])
)

const retagDryRun = Flag.Boolean("dry-run").pipe(
  Flag.withDescription(
    "Print the BatchGetImage and PutImage requests that would be sent (the manifest replaced by a placeholder), as YAML (JSON with --json), after one line on stderr naming the image; change nothing."
  ),
  Flag.withDefault(false)
)

const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/

const retag = Command.make(
  "retag",
  {
    repository: Argument.String("repository").pipe(Argument.withDescription("The repository, e.g. my-app.")),
    source: Argument.String("source").pipe(Argument.withDescription("The tag of the image to tag again, e.g. v1.2.")),
    target: Argument.String("target").pipe(Argument.withDescription("The new tag, e.g. latest; it moves off any other image that has it.")),
    dryRun: retagDryRun
  },
  Effect.fn("ecr.retag")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecr retag"), raw)
    const ecr = yield* Ecr
    const output = yield* Output
    if (!tagPattern.test(input.target)) {
      return yield* new UsageError({
        message: `invalid tag ${JSON.stringify(input.target)}`,
        hint: "A tag is 1 to 128 letters, digits, _ . and -, not starting with . or -"
      })
    }
    const images = yield* Stream.runCollect(ecr.images(input.repository))
    const source = images.find((i) => i.tags.includes(input.source))
    const holder = images.find((i) => i.tags.includes(input.target))
    const label = (i: EcrImage) => `${i.digest.slice(0, 19)}${i.tags.length > 0 ? ` (${i.tags.join(", ")})` : ""}`
    if (input.dryRun) {
      if (source === undefined) return yield* imageTagNotFound(input.repository, input.source, ecr.region)
      yield* output.info(
        `dry run: would tag ${label(source)} as ${input.target}${
          holder !== undefined && holder.digest !== source.digest ? `, moving the tag off ${label(holder)}` : ""
        }; nothing was changed`
      )
      yield* output.document(retagRequest(input.repository, input.source, input.target))
      return
    }
    if (source !== undefined && holder !== undefined && holder.digest !== source.digest) {
      yield* output.warn(`tag ${input.target} moves off ${label(holder)}`)
    }
    const image = yield* ecr.retag(input.repository, input.source, input.target)
    yield* output.table([imageRow(image)], {
      columns: [{ key: "repository", kind: "name" }, { key: "tags", kind: "text" }, { key: "digest", kind: "id" }]
    })
  })
).pipe(
  Command.withDescription(
    "Give an image another tag (BatchGetImage of SOURCE's manifest, PutImage of it under TARGET): no pull, no push. TARGET moves off any other image that has it; doing it twice is the same as once."
  ),
  Command.withExamples([
    { command: "aegea ecr retag my-app v1.2 latest", description: "Point latest at the v1.2 image" },
    { command: "aegea ecr retag my-app v1.2 prod --dry-run", description: "Show the requests without sending them" }
  ])
)

export const ecrCommand = Command.make("ecr").pipe(
  Command.withDescription("List ECR repositories and their images (tags, sizes, scan findings) and tag images again."),
  Command.withExamples([
    { command: "aegea ecr ls", description: "The repositories" },
    { command: "aegea ecr retag my-app v1.2 latest", description: "Tag an image again" }
  ]),
  Command.withSubcommands([ls.pipe(Command.provide(EcrLayer)), retag.pipe(Command.provide(EcrLayer))])
)
