/**
 * An in-memory Secrets Manager for tests: create/put rotate AWSCURRENT -> AWSPREVIOUS like AWS,
 * deletion with a recovery window (on Effect's Clock) or forced, list excludes secrets scheduled for
 * deletion, and reading or writing a secret scheduled for deletion fails as AWS does. Values are kept
 * `Redacted`. `SecretsMemoryState.values` reveals stored values to a test (never to the CLI).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest } from "../errors.ts"
import {
  type DeleteOptions,
  recoveryDaysRange,
  type SecretDescription,
  Secrets,
  secretNotFound,
  type VersionSelector
} from "../services/Secrets.ts"

/** A secret that exists from the start in `SecretsMemory`. */
export interface SecretSeed {
  readonly name: string
  readonly value: string
  readonly description?: string
  readonly tags?: Readonly<Record<string, string>>
}

interface StoredVersion {
  readonly versionId: string
  readonly value: Redacted.Redacted<string>
  readonly stages: ReadonlyArray<string>
}

interface StoredSecret {
  readonly name: string
  readonly arn: string
  readonly description: string | undefined
  readonly tags: Readonly<Record<string, string>>
  readonly versions: ReadonlyArray<StoredVersion>
  readonly lastChanged: number
  readonly lastAccessed: number | undefined
  readonly deletionDate: number | undefined
}

/** What `SecretsMemory` holds: every secret's current value. */
export class SecretsMemoryState extends Context.Service<SecretsMemoryState, {
  /** The current (AWSCURRENT) value of every secret, by name, revealed for assertions. */
  readonly values: Effect.Effect<Readonly<Record<string, string>>>
}>()("aegea/testing/SecretsMemoryState") {}

const dayMillis = 86_400_000
const accountId = "123456789012"

/** `Secrets` in memory, with `SecretsMemoryState`. */
export const SecretsMemory = {
  /**
   * `secrets` exist from the start (one AWSCURRENT version each). Generated ids (ARN suffixes,
   * version ids) count from `idSeed` (default 0) in this layer, so they do not depend on other
   * layers or on test order.
   */
  layer: (
    options: { readonly region?: string; readonly secrets?: ReadonlyArray<SecretSeed>; readonly idSeed?: number } = {}
  ): Layer.Layer<Secrets | SecretsMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = options.region ?? "us-east-1"
        let counter = options.idSeed ?? 0
        const nextId = () => (++counter).toString(16).padStart(8, "0")
        const arnOf = (name: string) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${nextId().slice(2)}`
        const store = yield* Ref.make(new Map<string, StoredSecret>())
        const now = yield* Clock.currentTimeMillis
        for (const seed of options.secrets ?? []) {
          yield* Ref.update(store, (m) =>
            new Map(m).set(seed.name, {
              name: seed.name,
              arn: arnOf(seed.name),
              description: seed.description,
              tags: seed.tags ?? {},
              versions: [{ versionId: `v-${nextId()}`, value: Redacted.make(seed.value), stages: ["AWSCURRENT"] }],
              lastChanged: now,
              lastAccessed: undefined,
              deletionDate: undefined
            }))
        }

        const invalid = (operation: string, action: string, awsMessage: string) =>
          new AwsInvalidRequest({ action, service: "Secrets Manager", operation, code: "InvalidRequestException", awsMessage, region })
        /** The secret, with a recovery window that has passed treated as deleted for good. */
        const find = (name: string) =>
          Effect.gen(function*() {
            const time = yield* Clock.currentTimeMillis
            const found = (yield* Ref.get(store)).get(name)
            if (found?.deletionDate !== undefined && found.deletionDate <= time) {
              yield* Ref.update(store, (m) => {
                const next = new Map(m)
                next.delete(name)
                return next
              })
              return undefined
            }
            return found
          })
        const save = (secret: StoredSecret) => Ref.update(store, (m) => new Map(m).set(secret.name, secret))
        const summary = (s: StoredSecret) => ({
          name: s.name,
          arn: s.arn,
          ...(s.description !== undefined ? { description: s.description } : {}),
          lastChanged: new Date(s.lastChanged),
          ...(s.lastAccessed !== undefined ? { lastAccessed: new Date(s.lastAccessed) } : {}),
          ...(s.deletionDate !== undefined ? { deletionDate: new Date(s.deletionDate) } : {}),
          tags: s.tags
        })
        const markedDeleted = "You can't perform this operation on the secret because it was marked for deletion."

        const describe = (name: string) =>
          Effect.gen(function*() {
            const s = yield* find(name)
            if (s === undefined) return yield* secretNotFound(name, region)
            return { ...summary(s), versions: s.versions.map((v) => ({ versionId: v.versionId, stages: v.stages })) } satisfies SecretDescription
          })

        const getValue = (name: string, selector: VersionSelector = {}) =>
          Effect.gen(function*() {
            const s = yield* find(name)
            if (s === undefined) return yield* secretNotFound(name, region)
            if (s.deletionDate !== undefined) return yield* invalid("GetSecretValue", `read secret ${name}`, markedDeleted)
            const version = s.versions.find((v) =>
              selector.versionId ? v.versionId === selector.versionId : v.stages.includes(selector.versionStage ?? "AWSCURRENT")
            )
            if (version === undefined || (selector.versionId && selector.versionStage && !version.stages.includes(selector.versionStage))) {
              return yield* secretNotFound(name, region, selector)
            }
            yield* save({ ...s, lastAccessed: yield* Clock.currentTimeMillis })
            return { name, arn: s.arn, versionId: version.versionId, stages: version.stages, value: version.value, binary: false }
          })

        const put = (name: string, value: Redacted.Redacted<string>, opts: { readonly description?: string | undefined } = {}) =>
          Effect.gen(function*() {
            const time = yield* Clock.currentTimeMillis
            const s = yield* find(name)
            const versionId = `v-${nextId()}`
            if (s === undefined) {
              const arn = arnOf(name)
              yield* save({
                name,
                arn,
                description: opts.description,
                tags: {},
                versions: [{ versionId, value, stages: ["AWSCURRENT"] }],
                lastChanged: time,
                lastAccessed: undefined,
                deletionDate: undefined
              })
              return { name, arn, versionId, created: true }
            }
            if (s.deletionDate !== undefined) return yield* invalid("PutSecretValue", `store a new value in secret ${name}`, markedDeleted)
            const rotated = s.versions.map((v) => ({
              ...v,
              stages: v.stages.includes("AWSCURRENT")
                ? ["AWSPREVIOUS"]
                : v.stages.filter((stage) => stage !== "AWSPREVIOUS")
            }))
            yield* save({ ...s, versions: [...rotated, { versionId, value, stages: ["AWSCURRENT"] }], lastChanged: time })
            return { name, arn: s.arn, versionId, created: false }
          })

        const deleteSecret = (name: string, opts: DeleteOptions = {}) =>
          Effect.gen(function*() {
            const time = yield* Clock.currentTimeMillis
            const s = yield* find(name)
            const action = `delete secret ${name}`
            if (s === undefined) return yield* secretNotFound(name, region)
            if (opts.force) {
              yield* Ref.update(store, (m) => {
                const next = new Map(m)
                next.delete(name)
                return next
              })
              return { name, arn: s.arn, deletionDate: new Date(time) }
            }
            if (s.deletionDate !== undefined) return yield* invalid("DeleteSecret", action, markedDeleted)
            const days = opts.recoveryDays ?? recoveryDaysRange.max
            if (!Number.isInteger(days) || days < recoveryDaysRange.min || days > recoveryDaysRange.max) {
              return yield* new AwsInvalidRequest({
                action,
                service: "Secrets Manager",
                operation: "DeleteSecret",
                code: "InvalidParameterException",
                awsMessage: "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
                region
              })
            }
            const deletionDate = time + days * dayMillis
            yield* save({ ...s, deletionDate })
            return { name, arn: s.arn, deletionDate: new Date(deletionDate) }
          })

        const list = () =>
          Stream.unwrap(
            Ref.get(store).pipe(
              Effect.map((m) =>
                Stream.fromIterable(
                  [...m.values()]
                    .filter((s) => s.deletionDate === undefined)
                    .sort((a, b) => a.name.localeCompare(b.name))
                    .map(summary)
                )
              )
            )
          )

        const service = Secrets.of({ region, list, describe, getValue, put, delete: deleteSecret })
        const state = SecretsMemoryState.of({
          values: Ref.get(store).pipe(
            Effect.map((m) =>
              Object.fromEntries(
                [...m.values()].flatMap((s) => {
                  const current = s.versions.find((v) => v.stages.includes("AWSCURRENT"))
                  return current ? [[s.name, Redacted.value(current.value)] as const] : []
                })
              )
            )
          )
        })
        return Context.make(Secrets, service).pipe(Context.add(SecretsMemoryState, state))
      })
    )
}
