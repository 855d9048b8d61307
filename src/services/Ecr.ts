/**
 * ECR as aegea sees it: repositories (created idempotently with scan on push and a lifecycle policy
 * that keeps the newest N untagged images), their images with scan findings, and retagging an image
 * (BatchGetImage + PutImage of the same manifest under another tag). The lifecycle policy text is
 * built by the pure `lifecyclePolicyText`, so `--dry-run` prints exactly what the live layer sends.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"
import type { Ensured } from "./Iam.ts"

export type { Ensured } from "./Iam.ts"

/** An ECR repository: its name, URI and scan setting. */
export interface Repository {
  readonly name: string
  readonly uri: string
  readonly arn: string
  readonly createdAt: Date | undefined
  readonly scanOnPush: boolean
}

/** An image in an ECR repository: digest, tags, size and push time. */
export interface EcrImage {
  readonly repository: string
  readonly digest: string
  readonly tags: ReadonlyArray<string>
  readonly sizeBytes: number | undefined
  readonly pushedAt: Date | undefined
  /** Scan findings by severity (e.g. { HIGH: 2, LOW: 5 }); undefined when the image was not scanned. */
  readonly findings: Readonly<Record<string, number>> | undefined
}

/**
 * What `Ecr.ensureRepository` creates when the repository does not exist: scan on push, and the rule that
 * expires untagged images.
 */
export interface RepositorySpec {
  readonly name: string
  readonly scanOnPush: boolean
  /** lifecycle rule: keep the newest N untagged images */
  readonly keepUntagged: number
  readonly tags?: Readonly<Record<string, string>>
}

/**
 * ECR repositories and images: list them, ensure a repository (with its lifecycle policy), retag an image. Live:
 * `EcrLive`; in memory: `EcrMemory`.
 */
export class Ecr extends Context.Service<Ecr, {
  readonly region: string
  /** All repositories, or only the named ones (a name that does not exist is skipped). */
  readonly repositories: (names?: ReadonlyArray<string>) => Stream.Stream<Repository, AwsError>
  readonly images: (repository: string) => Stream.Stream<EcrImage, AwsError | ResourceNotFound>
  /** Create the repository with scan on push and the lifecycle policy; an existing one is returned with created: false (its lifecycle policy is put if missing). */
  readonly ensureRepository: (spec: RepositorySpec) => Effect.Effect<Ensured<Repository>, AwsError>
  readonly lifecyclePolicy: (repository: string) => Effect.Effect<Option.Option<string>, AwsError | ResourceNotFound>
  /** Put the manifest of SRC tag under DST tag (BatchGetImage + PutImage). */
  readonly retag: (
    repository: string,
    source: string,
    target: string
  ) => Effect.Effect<EcrImage, AwsError | ResourceNotFound>
}>()("aegea/Ecr") {}

/** The lifecycle policy `ensureRepository` puts: expire untagged images beyond the newest `keepUntagged`. */
export const lifecyclePolicyText = (keepUntagged: number): string =>
  JSON.stringify({
    rules: [{
      rulePriority: 1,
      description: `keep the newest ${keepUntagged} untagged images`,
      selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: keepUntagged },
      action: { type: "expire" }
    }]
  })

/**
 * Every manifest type `retag` accepts from BatchGetImage, so that it gets the manifest as stored
 * (multi-architecture lists and OCI indexes included): a converted one would tag another digest.
 */
export const manifestMediaTypes = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v1+json"
] as const

/** The PutImage request `retag` sends, without the manifest body (what `ecr retag --dry-run` prints). */
export const retagRequest = (repository: string, source: string, target: string) => ({
  BatchGetImage: { repositoryName: repository, imageIds: [{ imageTag: source }], acceptedMediaTypes: [...manifestMediaTypes] },
  PutImage: { repositoryName: repository, imageTag: target, imageManifest: `<manifest of ${repository}:${source}>` }
})

/** "no image tag in ECR repository R named T" (exit 5), as every layer reports a missing tag. */
export const imageTagNotFound = (repository: string, tag: string, region: string) =>
  new ResourceNotFound({
    kind: `image tag in ECR repository ${repository}`,
    name: tag,
    region,
    hint: `Run 'aegea ecr ls ${repository}' to see its images and tags`
  })

/** "no ECR repository named R" (exit 5). */
export const repositoryNotFound = (name: string, region: string) =>
  new ResourceNotFound({ kind: "ECR repository", name, region, hint: "Run 'aegea ecr ls' to see the repositories" })
