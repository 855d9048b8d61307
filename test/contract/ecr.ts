/**
 * The ECR contract: the same scenarios against EcrMemory (test/unit) and EcrLive on moto
 * (test/integration), so the two cannot drift. Every test uses fresh repository names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Option, Stream } from "effect"
import { Ecr, lifecyclePolicyText } from "../../src/services/Ecr.ts"

export interface EcrHarness {
  readonly make: () => Promise<{
    readonly layer: Layer.Layer<Ecr>
    /** Create a repository the way `aws ecr create-repository` does: no lifecycle policy, no scan on push. */
    readonly createBare: (name: string) => Promise<void>
    /** Push a new image (a manifest of its own) under `tag`. */
    readonly push: (repository: string, tag: string) => Promise<void>
  }>
}

let counter = 0
const fresh = (base: string) => `contract/${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<Ecr>, f: (s: Ecr["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ecr)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Ecr>, f: (s: Ecr["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ecr)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; name?: string }
}

export const ecrContract = (label: string, harness: EcrHarness) =>
  describe(`Ecr contract (${label})`, () => {
    it("ensureRepository creates a repository with scan on push and the lifecycle policy, once", async () => {
      const { layer } = await harness.make()
      const name = fresh("ensure")
      const first = await run(layer, (e) => e.ensureRepository({ name, scanOnPush: true, keepUntagged: 3, tags: { owner: "contract" } }))
      assert.strictEqual(first.created, true)
      assert.strictEqual(first.value.name, name)
      assert.strictEqual(first.value.scanOnPush, true)
      assert.match(first.value.uri, new RegExp(`^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/${name}$`))
      assert.include(first.value.arn, `:repository/${name}`)
      assert.instanceOf(first.value.createdAt, Date)
      const again = await run(layer, (e) => e.ensureRepository({ name, scanOnPush: true, keepUntagged: 3 }))
      assert.strictEqual(again.created, false)
      assert.strictEqual(again.value.arn, first.value.arn)
      const policy = await run(layer, (e) => e.lifecyclePolicy(name))
      assert.deepStrictEqual(JSON.parse(Option.getOrThrow(policy)), JSON.parse(lifecyclePolicyText(3)))
    })

    it("ensureRepository on a repository without a lifecycle policy puts one and keeps the repository", async () => {
      const { layer, createBare } = await harness.make()
      const name = fresh("bare")
      await createBare(name)
      assert.isTrue(Option.isNone(await run(layer, (e) => e.lifecyclePolicy(name))))
      const ensured = await run(layer, (e) => e.ensureRepository({ name, scanOnPush: true, keepUntagged: 5 }))
      assert.strictEqual(ensured.created, false)
      assert.strictEqual(ensured.value.scanOnPush, false)
      const policy = Option.getOrThrow(await run(layer, (e) => e.lifecyclePolicy(name)))
      assert.strictEqual((JSON.parse(policy) as { rules: Array<{ selection: { countNumber: number } }> }).rules[0]?.selection.countNumber, 5)
    })

    it("lists all repositories, or only the named ones (a missing name is skipped)", async () => {
      const { layer } = await harness.make()
      const a = fresh("list-a")
      const b = fresh("list-b")
      for (const name of [a, b]) await run(layer, (e) => e.ensureRepository({ name, scanOnPush: false, keepUntagged: 1 }))
      const all = (await run(layer, (e) => Stream.runCollect(e.repositories()))).map((r) => r.name)
      assert.includeMembers(all, [a, b])
      const named = await run(layer, (e) => Stream.runCollect(e.repositories([b, fresh("missing")])))
      assert.deepStrictEqual(named.map((r) => r.name), [b])
      assert.strictEqual(named[0]?.scanOnPush, false)
    })

    it("a missing repository is ResourceNotFound for images, lifecyclePolicy and retag", async () => {
      const { layer } = await harness.make()
      const name = fresh("missing")
      const calls: ReadonlyArray<(e: Ecr["Service"]) => Effect.Effect<unknown, unknown>> = [
        (e) => Stream.runCollect(e.images(name)),
        (e) => e.lifecyclePolicy(name),
        (e) => e.retag(name, "a", "b")
      ]
      for (const f of calls) {
        const error = await failureOf(layer, f)
        assert.strictEqual(error._tag, "ResourceNotFound")
        assert.strictEqual(error.kind, "ECR repository")
        assert.strictEqual(error.name, name)
      }
    })

    it("retag puts the source's manifest under the new tag: same digest, the tag moves off any other image", async () => {
      const { layer, push } = await harness.make()
      const name = fresh("retag")
      await run(layer, (e) => e.ensureRepository({ name, scanOnPush: false, keepUntagged: 1 }))
      await push(name, "v1")
      await push(name, "v2")
      const images = await run(layer, (e) => Stream.runCollect(e.images(name)))
      assert.strictEqual(images.length, 2)
      const v1 = images.find((i) => i.tags.includes("v1"))!
      const v2 = images.find((i) => i.tags.includes("v2"))!
      assert.notStrictEqual(v1.digest, v2.digest)
      assert.instanceOf(v1.pushedAt, Date)

      const tagged = await run(layer, (e) => e.retag(name, "v1", "latest"))
      assert.strictEqual(tagged.digest, v1.digest)
      assert.sameMembers([...tagged.tags], ["v1", "latest"])
      assert.strictEqual(tagged.repository, name)
      // Twice is the same as once.
      const again = await run(layer, (e) => e.retag(name, "v1", "latest"))
      assert.sameMembers([...again.tags], ["v1", "latest"])
      // Moving "latest" to v2 takes it off v1.
      await run(layer, (e) => e.retag(name, "v2", "latest"))
      const after = await run(layer, (e) => Stream.runCollect(e.images(name)))
      assert.deepStrictEqual(after.find((i) => i.digest === v1.digest)?.tags, ["v1"])
      assert.sameMembers([...(after.find((i) => i.digest === v2.digest)?.tags ?? [])], ["v2", "latest"])
    })

    it("retag of a tag that does not exist is ResourceNotFound naming the tag", async () => {
      const { layer, push } = await harness.make()
      const name = fresh("notag")
      await run(layer, (e) => e.ensureRepository({ name, scanOnPush: false, keepUntagged: 1 }))
      await push(name, "v1")
      const error = await failureOf(layer, (e) => e.retag(name, "nope", "latest"))
      assert.strictEqual(error._tag, "ResourceNotFound")
      assert.strictEqual(error.name, "nope")
      const images = await run(layer, (e) => Stream.runCollect(e.images(name)))
      assert.deepStrictEqual(images.map((i) => [...i.tags]), [["v1"]])
    })
  })
