/**
 * An in-memory ECR for tests: repositories (seedable, or made by `ensureRepository` with its
 * lifecycle policy), their images (seedable, with tags, size, push time and scan findings) and
 * retagging as ECR does it: a tag names one image, so putting it on an image takes it off any other.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { ResourceNotFound } from "../errors.ts"
import { Ecr, type EcrImage, imageTagNotFound, lifecyclePolicyText, type Repository, repositoryNotFound } from "../services/Ecr.ts"

/** A repository that exists from the start in `EcrMemory`. */
export interface EcrRepositorySeed {
  readonly name: string
  readonly scanOnPush?: boolean
  readonly createdAt?: Date
  /** Its lifecycle policy text (default none). */
  readonly lifecyclePolicy?: string
  readonly tags?: Readonly<Record<string, string>>
}

/** An image that exists from the start in `EcrMemory`: its repository, tags and digest. */
export interface EcrImageSeed {
  readonly repository: string
  readonly tags?: ReadonlyArray<string>
  /** Default: a digest made from this layer's counter. */
  readonly digest?: string
  readonly sizeBytes?: number
  readonly pushedAt?: Date
  readonly findings?: Readonly<Record<string, number>>
}

/** What `EcrMemory` starts with: repositories and images. */
export interface EcrSeed {
  readonly region?: string
  readonly accountId?: string
  readonly repositories?: ReadonlyArray<EcrRepositorySeed>
  /** Images of seeded repositories (a seed naming an unknown repository is a defect). */
  readonly images?: ReadonlyArray<EcrImageSeed>
}

interface StoredRepository {
  readonly repository: Repository
  readonly lifecyclePolicy: string | undefined
  readonly tags: Readonly<Record<string, string>>
  readonly images: ReadonlyArray<EcrImage>
}

/**
 * What a test does to `EcrMemory` besides the service: read repository tags, create repositories and push images
 * as other tools do.
 */
export class EcrMemoryState extends Context.Service<EcrMemoryState, {
  /** The tags set on a repository when it was created (none for an unknown one). */
  readonly repositoryTags: (name: string) => Effect.Effect<Readonly<Record<string, string>>>
  /** Create a repository with no lifecycle policy (as `aws ecr create-repository` does). */
  readonly createRepository: (name: string) => Effect.Effect<void>
  /** Push an image (like PutImage of a new manifest): a new digest under `tag`, taken off any other image. */
  readonly pushImage: (repository: string, tag: string) => Effect.Effect<EcrImage, ResourceNotFound>
}>()("aegea/testing/EcrMemoryState") {}

/** `Ecr` in memory, with `EcrMemoryState`. */
export const EcrMemory = {
  layer: (seed: EcrSeed = {}): Layer.Layer<Ecr | EcrMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const account = seed.accountId ?? "123456789012"
        let counter = 0
        const nextDigest = () => `sha256:${(++counter).toString(16).padStart(64, "0")}`
        const now = yield* Clock.currentTimeMillis
        const repositoryOf = (name: string, scanOnPush: boolean, createdAt: Date): Repository => ({
          name,
          uri: `${account}.dkr.ecr.${region}.amazonaws.com/${name}`,
          arn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
          createdAt,
          scanOnPush
        })
        const initial = new Map<string, StoredRepository>()
        for (const r of seed.repositories ?? []) {
          initial.set(r.name, {
            repository: repositoryOf(r.name, r.scanOnPush ?? false, r.createdAt ?? new Date(now)),
            lifecyclePolicy: r.lifecyclePolicy,
            tags: r.tags ?? {},
            images: []
          })
        }
        for (const i of seed.images ?? []) {
          const stored = initial.get(i.repository)
          if (stored === undefined) return yield* Effect.die(new Error(`EcrMemory: image seed of unknown repository ${i.repository}`))
          initial.set(i.repository, {
            ...stored,
            images: [...stored.images, {
              repository: i.repository,
              digest: i.digest ?? nextDigest(),
              tags: i.tags ?? [],
              sizeBytes: i.sizeBytes,
              pushedAt: i.pushedAt ?? new Date(now),
              findings: i.findings
            }]
          })
        }
        const store = yield* Ref.make(initial)
        const find = (name: string) =>
          Effect.flatMap(Ref.get(store), (m) => {
            const found = m.get(name)
            return found === undefined ? Effect.fail(repositoryNotFound(name, region)) : Effect.succeed(found)
          })
        const save = (stored: StoredRepository) => Ref.update(store, (m) => new Map(m).set(stored.repository.name, stored))

        const ecr = Ecr.of({
          region,
          repositories: (names) =>
            Stream.unwrap(Effect.map(Ref.get(store), (m) => {
              const all = [...m.values()].map((s) => s.repository)
              return Stream.fromIterable(
                names === undefined || names.length === 0 ? all : names.flatMap((n) => all.filter((r) => r.name === n))
              )
            })),
          images: (repository) => Stream.unwrap(Effect.map(find(repository), (s) => Stream.fromIterable(s.images))),
          ensureRepository: (spec) =>
            Effect.gen(function*() {
              const existing = (yield* Ref.get(store)).get(spec.name)
              if (existing !== undefined) {
                if (existing.lifecyclePolicy === undefined) yield* save({ ...existing, lifecyclePolicy: lifecyclePolicyText(spec.keepUntagged) })
                return { value: existing.repository, created: false }
              }
              const time = yield* Clock.currentTimeMillis
              const repository = repositoryOf(spec.name, spec.scanOnPush, new Date(time))
              yield* save({ repository, lifecyclePolicy: lifecyclePolicyText(spec.keepUntagged), tags: spec.tags ?? {}, images: [] })
              return { value: repository, created: true }
            }),
          lifecyclePolicy: (repository) => Effect.map(find(repository), (s) => Option.fromUndefinedOr(s.lifecyclePolicy)),
          retag: (repository, source, target) =>
            Effect.gen(function*() {
              const stored = yield* find(repository)
              const image = stored.images.find((i) => i.tags.includes(source))
              if (image === undefined) {
                return yield* imageTagNotFound(repository, source, region)
              }
              const images = stored.images.map((i) =>
                i.digest === image.digest
                  ? { ...i, tags: i.tags.includes(target) ? i.tags : [...i.tags, target] }
                  : { ...i, tags: i.tags.filter((t) => t !== target) }
              )
              yield* save({ ...stored, images })
              return images.find((i) => i.digest === image.digest)!
            })
        })
        const state = EcrMemoryState.of({
          repositoryTags: (name) => Effect.map(Ref.get(store), (m) => m.get(name)?.tags ?? {}),
          createRepository: (name) =>
            Effect.gen(function*() {
              if ((yield* Ref.get(store)).has(name)) return
              const time = yield* Clock.currentTimeMillis
              yield* save({ repository: repositoryOf(name, false, new Date(time)), lifecyclePolicy: undefined, tags: {}, images: [] })
            }),
          pushImage: (repository, tag) =>
            Effect.gen(function*() {
              const stored = yield* find(repository)
              const time = yield* Clock.currentTimeMillis
              const image: EcrImage = {
                repository,
                digest: nextDigest(),
                tags: [tag],
                sizeBytes: 1024,
                pushedAt: new Date(time),
                findings: undefined
              }
              yield* save({ ...stored, images: [...stored.images.map((i) => ({ ...i, tags: i.tags.filter((t) => t !== tag) })), image] })
              return image
            })
        })
        return Context.make(Ecr, ecr).pipe(Context.add(EcrMemoryState, state))
      })
    )
}
