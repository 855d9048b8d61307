/** The live ECR layer: the SDK client is imported lazily, so only `aegea ecr` (and image builds) load it. */
import type * as Sdk from "@aws-sdk/client-ecr"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate } from "./aws.ts"
import type { AwsError, ResourceNotFound } from "../errors.ts"
import { Ecr, type EcrImage, imageTagNotFound as imageNotFound, lifecyclePolicyText, manifestMediaTypes, type Repository, repositoryNotFound } from "../services/Ecr.ts"

/** How many repositories (or images) to ask for per page. */
const pageSize = 100

/** An SDK repository, in aegea's terms. */
export const toRepository = (r: Sdk.Repository): Repository => ({
  name: r.repositoryName ?? "",
  uri: r.repositoryUri ?? "",
  arn: r.repositoryArn ?? "",
  createdAt: r.createdAt instanceof Date ? r.createdAt : undefined,
  scanOnPush: r.imageScanningConfiguration?.scanOnPush === true
})

/** An SDK image detail of a repository, in aegea's terms (scan findings summed). */
export const toImage = (repository: string, d: Sdk.ImageDetail): EcrImage => {
  const counts = d.imageScanFindingsSummary?.findingSeverityCounts
  return {
    repository: d.repositoryName ?? repository,
    digest: d.imageDigest ?? "",
    tags: d.imageTags ?? [],
    sizeBytes: d.imageSizeInBytes,
    pushedAt: d.imagePushedAt instanceof Date ? d.imagePushedAt : undefined,
    findings: counts === undefined ? undefined : Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== undefined))
  }
}

/** `Ecr` against ECR, with the region, credentials and endpoint of `AwsClients`. */
export const EcrLive: Layer.Layer<Ecr, never, AwsClients> = Layer.effect(
  Ecr,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-ecr"))
    const aws = yield* makeAws("ECR", (config) => new sdk.ECRClient(config))
    const region = aws.env.region
    const next = (token: string | undefined) => (token ? { nextToken: token } : {})

    /** RepositoryNotFoundException becomes "no ECR repository named X" (exit 5). */
    const repositoryMissing = (name: string) =>
    <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A, AwsError | ResourceNotFound> =>
      effect.pipe(
        Effect.catchTag("AwsNotFound", (e): Effect.Effect<never, AwsError | ResourceNotFound> =>
          Effect.fail(e.code === "RepositoryNotFoundException" ? repositoryNotFound(name, region) : e))
      )

    const describeRepository = (name: string) =>
      aws.call(new sdk.DescribeRepositoriesCommand({ repositoryNames: [name] }), `describe ECR repository ${name}`, idempotent).pipe(
        Effect.map((r) => Option.fromUndefinedOr(r.repositories?.[0]).pipe(Option.map(toRepository))),
        Effect.catchIf((e) => e.code === "RepositoryNotFoundException", () => Effect.succeed(Option.none<Repository>()))
      )

    const repositories = (names?: ReadonlyArray<string>): Stream.Stream<Repository, AwsError> =>
      names !== undefined && names.length > 0
        // One call per name: DescribeRepositories fails whole when any one of the names is missing.
        ? Stream.fromIterable(names).pipe(
          Stream.mapEffect(describeRepository, { concurrency: 4 }),
          Stream.flatMap((found) => Stream.fromIterable(Option.toArray(found)))
        )
        : paginate((token) =>
          aws.call(new sdk.DescribeRepositoriesCommand({ maxResults: pageSize, ...next(token) }), "list ECR repositories", idempotent).pipe(
            Effect.map((r) => [(r.repositories ?? []).map(toRepository), r.nextToken] as const)
          )
        )

    const images = (repository: string) =>
      paginate((token) =>
        aws.call(
          new sdk.DescribeImagesCommand({ repositoryName: repository, maxResults: pageSize, ...next(token) }),
          `list the images of ECR repository ${repository}`,
          idempotent
        ).pipe(
          Effect.map((r) => [(r.imageDetails ?? []).map((d) => toImage(repository, d)), r.nextToken] as const),
          repositoryMissing(repository)
        )
      )

    const lifecyclePolicy = (repository: string) =>
      aws.call(
        new sdk.GetLifecyclePolicyCommand({ repositoryName: repository }),
        `read the lifecycle policy of ECR repository ${repository}`,
        idempotent
      ).pipe(
        Effect.map((r) => Option.fromUndefinedOr(r.lifecyclePolicyText)),
        Effect.catchIf((e) => e.code === "LifecyclePolicyNotFoundException", () => Effect.succeed(Option.none<string>())),
        repositoryMissing(repository)
      )

    const putLifecyclePolicy = (repository: string, keepUntagged: number) =>
      aws.call(
        new sdk.PutLifecyclePolicyCommand({ repositoryName: repository, lifecyclePolicyText: lifecyclePolicyText(keepUntagged) }),
        `put the lifecycle policy of ECR repository ${repository}`,
        // The same policy put twice is the same policy.
        idempotent
      )

    const ensureRepository: Ecr["Service"]["ensureRepository"] = (spec) =>
      Effect.gen(function*() {
        const existing = yield* describeRepository(spec.name)
        if (Option.isSome(existing)) {
          const policy = yield* lifecyclePolicy(spec.name).pipe(
            Effect.catchTag("ResourceNotFound", () => Effect.succeed(Option.none<string>()))
          )
          if (Option.isNone(policy)) yield* putLifecyclePolicy(spec.name, spec.keepUntagged)
          return { value: existing.value, created: false }
        }
        const tags = Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
        // A repository created meanwhile (or by a first attempt whose answer was lost) is taken as it is.
        const created = yield* aws.call(
          new sdk.CreateRepositoryCommand({
            repositoryName: spec.name,
            imageScanningConfiguration: { scanOnPush: spec.scanOnPush },
            ...(tags.length > 0 ? { tags } : {})
          }),
          `create ECR repository ${spec.name}`,
          idempotent
        ).pipe(
          Effect.map((r) => Option.fromUndefinedOr(r.repository).pipe(Option.map(toRepository))),
          Effect.catchIf((e) => e.code === "RepositoryAlreadyExistsException", () => Effect.succeed(Option.none<Repository>()))
        )
        const value = Option.isSome(created) ? created : yield* describeRepository(spec.name)
        yield* putLifecyclePolicy(spec.name, spec.keepUntagged)
        return {
          value: Option.getOrElse(value, (): Repository => ({
            name: spec.name,
            uri: "",
            arn: "",
            createdAt: undefined,
            scanOnPush: spec.scanOnPush
          })),
          created: Option.isSome(created)
        }
      })

    const describeTag = (repository: string, tag: string) =>
      aws.call(
        new sdk.DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
        `describe image ${repository}:${tag}`,
        idempotent
      ).pipe(
        Effect.catchTag("AwsNotFound", (e): Effect.Effect<never, AwsError | ResourceNotFound> =>
          Effect.fail(
            e.code === "RepositoryNotFoundException"
              ? repositoryNotFound(repository, region)
              : e.code === "ImageNotFoundException"
              ? imageNotFound(repository, tag, region)
              : e
          )),
        Effect.flatMap((r) => {
          const found = r.imageDetails?.[0]
          return found === undefined ? Effect.fail(imageNotFound(repository, tag, region)) : Effect.succeed(toImage(repository, found))
        })
      )

    const retag = (repository: string, source: string, target: string) =>
      Effect.gen(function*() {
        const got = yield* aws.call(
          new sdk.BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageTag: source }], acceptedMediaTypes: [...manifestMediaTypes] }),
          `read the manifest of ${repository}:${source}`,
          idempotent
        ).pipe(repositoryMissing(repository))
        const image = got.images?.find((i) => i.imageManifest !== undefined)
        if (image === undefined) return yield* imageNotFound(repository, source, region)
        yield* aws.call(
          new sdk.PutImageCommand({
            repositoryName: repository,
            imageTag: target,
            imageManifest: image.imageManifest!,
            ...(image.imageManifestMediaType !== undefined ? { imageManifestMediaType: image.imageManifestMediaType } : {})
          }),
          `tag ${repository}:${source} as ${target}`,
          // Putting the same manifest under the same tag twice: the second answers "already exists".
          idempotent
        ).pipe(
          Effect.catchIf((e) => e.code === "ImageAlreadyExistsException", () => Effect.void),
          repositoryMissing(repository)
        )
        return yield* describeTag(repository, target)
      })

    return Ecr.of({ region, repositories, images, ensureRepository, lifecyclePolicy, retag })
  })
)
