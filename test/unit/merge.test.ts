import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import {
  type ConfigMap,
  emptyMerged,
  leaves,
  type MergedConfig,
  mergeLayer,
  mergeValues,
  sourceOf,
  valueAt
} from "../../src/lib/merge.ts"

const merge = (base: ConfigMap, overlay: ConfigMap): ConfigMap => {
  const result = mergeValues(base, overlay)
  if (Result.isFailure(result)) assert.fail(`unexpected failure: ${JSON.stringify(result.failure)}`)
  return result.success
}

const failure = (base: ConfigMap, overlay: ConfigMap) => {
  const result = mergeValues(base, overlay)
  if (Result.isSuccess(result)) return assert.fail(`expected a failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

const layered = (...layers: ReadonlyArray<readonly [string, ConfigMap]>): MergedConfig =>
  layers.reduce((merged, [source, value]) => {
    const result = mergeLayer(merged, value, source)
    if (Result.isFailure(result)) return assert.fail(JSON.stringify(result.failure))
    return result.success
  }, emptyMerged)

describe("mergeValues", () => {
  it("replaces scalars and adds new keys", () => {
    assert.deepStrictEqual(merge({ a: 1, b: "x" }, { b: "y", c: true }), { a: 1, b: "y", c: true })
  })

  it("merges nested mappings recursively", () => {
    const base = { launch: { instance_type: "t3a.micro", spot: false }, ls: { columns: ["id"] } }
    const result = merge(base, { launch: { spot: true, nested: { deep: 1 } } })
    assert.deepStrictEqual(result, {
      launch: { instance_type: "t3a.micro", spot: true, nested: { deep: 1 } },
      ls: { columns: ["id"] }
    })
    assert.deepStrictEqual(base.launch, { instance_type: "t3a.micro", spot: false }, "inputs are not mutated")
  })

  it("replaces a list with a plain list", () => {
    assert.deepStrictEqual(merge({ ls: { columns: ["a", "b"] } }, { ls: { columns: ["c"] } }), { ls: { columns: ["c"] } })
  })

  it("lets a scalar replace a mapping and a mapping replace a scalar", () => {
    assert.deepStrictEqual(merge({ a: { b: 1 } }, { a: 2 }), { a: 2 })
    assert.deepStrictEqual(merge({ a: 2 }, { a: { b: 1 } }), { a: { b: 1 } })
  })

  it("$append pushes one item (even a list)", () => {
    assert.deepStrictEqual(merge({ l: ["a"] }, { l: { $append: "b" } }), { l: ["a", "b"] })
    assert.deepStrictEqual(merge({ l: ["a"] }, { l: { $append: ["b"] } }), { l: ["a", ["b"]] })
  })

  it("$extend pushes every item", () => {
    assert.deepStrictEqual(merge({ l: ["a"] }, { l: { $extend: ["b", "c"] } }), { l: ["a", "b", "c"] })
  })

  it("$extendleft puts the items in front, in their order", () => {
    assert.deepStrictEqual(merge({ l: ["c"] }, { l: { $extendleft: ["a", "b"] } }), { l: ["a", "b", "c"] })
  })

  it("$insert inserts at positions, negative from the end, clamped", () => {
    assert.deepStrictEqual(merge({ l: ["a", "c"] }, { l: { $insert: { 1: "b" } } }), { l: ["a", "b", "c"] })
    assert.deepStrictEqual(merge({ l: ["a", "c"] }, { l: { $insert: { "-1": "b" } } }), { l: ["a", "b", "c"] })
    assert.deepStrictEqual(merge({ l: ["a"] }, { l: { $insert: { 10: "z" } } }), { l: ["a", "z"] })
    assert.deepStrictEqual(merge({ l: ["b", "d"] }, { l: { $insert: { 0: "a", 2: "c" } } }), { l: ["a", "b", "c", "d"] })
  })

  it("$remove removes the first equal item, deep equality, nothing if absent", () => {
    assert.deepStrictEqual(merge({ l: ["a", "b", "a"] }, { l: { $remove: "a" } }), { l: ["b", "a"] })
    assert.deepStrictEqual(merge({ l: [{ k: [1] }, 2] }, { l: { $remove: { k: [1] } } }), { l: [2] })
    assert.deepStrictEqual(merge({ l: ["a"] }, { l: { $remove: "zz" } }), { l: ["a"] })
  })

  it("operators work inside nested sections and on a missing list", () => {
    const base = { ssh: { options: ["-A"] } }
    assert.deepStrictEqual(merge(base, { ssh: { options: { $append: "-4" } } }), { ssh: { options: ["-A", "-4"] } })
    assert.deepStrictEqual(merge({}, { ssh: { options: { $append: "-4" } } }), { ssh: { options: ["-4"] } })
  })

  it("fails on an operator applied to a non-list", () => {
    const f = failure({ ls: { columns: "id,state" } }, { ls: { columns: { $append: "x" } } })
    assert.deepStrictEqual(f.path, ["ls", "columns"])
    assert.include(f.message, "$append")
    assert.include(f.message, "a string, not a list")
    assert.include(failure({ a: { b: 1 } }, { a: { $extend: [1] } }).message, "a mapping, not a list")
  })

  it("fails on an unknown operator, a mixed operator mapping and bad operator arguments", () => {
    assert.include(failure({ l: [] }, { l: { $push: 1 } }).message, "unknown operator $push")
    assert.include(failure({ l: [] }, { l: { $append: 1, other: 2 } }).message, "must be alone")
    const extend = failure({ l: [] }, { l: { $extend: "x" } })
    assert.deepStrictEqual(extend.path, ["l", "$extend"])
    assert.include(extend.message, "needs a list")
    assert.include(failure({ l: [] }, { l: { $insert: ["x"] } }).message, "position: value")
    assert.include(failure({ l: [] }, { l: { $insert: { first: "x" } } }).message, "not a list position")
  })
})

describe("mergeLayer sources", () => {
  it("remembers the source of every leaf; a later layer takes over what it sets", () => {
    const merged = layered(
      ["defaults", { launch: { instance_type: "t3a.micro", ami: "x" }, ls: { columns: ["id"] } }],
      ["user", { launch: { instance_type: "m5.large" }, ls: { columns: { $append: "state" } } }]
    )
    assert.strictEqual(sourceOf(merged, ["launch", "instance_type"]), "user")
    assert.strictEqual(sourceOf(merged, ["launch", "ami"]), "defaults")
    assert.strictEqual(sourceOf(merged, ["ls", "columns"]), "user")
    assert.strictEqual(sourceOf(merged, ["ls", "columns", "1"]), "user", "inside a list: the list's source")
  })

  it("forgets the sources below a replaced value", () => {
    const merged = layered(["a", { s: { x: 1, y: 2 } }], ["b", { s: 5 }], ["c", { s: { z: 3 } }])
    assert.deepStrictEqual(merged.value, { s: { z: 3 } })
    assert.deepStrictEqual([...merged.sources.entries()], [["s", "c"], ["s.z", "c"]])
  })

  it("leaves and valueAt walk the merged value", () => {
    const value: ConfigMap = { a: { b: 1, c: [1, 2] }, e: {}, f: "x" }
    assert.deepStrictEqual(leaves(value).map((leaf) => [leaf.path.join("."), leaf.value]), [
      ["a.b", 1],
      ["a.c", [1, 2]],
      ["f", "x"]
    ])
    assert.strictEqual(valueAt(value, ["a", "c", "1"]), 2)
    assert.strictEqual(valueAt(value, ["a", "zz"]), undefined)
    assert.strictEqual(valueAt(value, ["f", "g"]), undefined)
  })
})
