/**
 * `-t/--tag KEY=VALUE` and `-f/--filter NAME=VALUE` for the EC2 listings, as the Python aegea took
 * them: both repeatable, both sent to AWS as Describe* filters (`tag:KEY`, NAME). `state=running` is
 * spelled `instance-state-name=running` for DescribeInstances (`stateFilterName`).
 */
import * as Effect from "effect/Effect"
import * as Flag from "effect/cli/Flag"
import type { UsageError } from "../errors.ts"
import { keyValues } from "./parse.ts"

export const tagFlag = (what: string) =>
  Flag.String("tag").pipe(
    Flag.withAlias("t"),
    Flag.withDescription(`Only ${what} with this tag, as KEY=VALUE; repeat to require several.`),
    Flag.atLeast(0)
  )

export const filterFlag = (what: string, operation: string, example: string) =>
  Flag.String("filter").pipe(
    Flag.withAlias("f"),
    Flag.withDescription(`Only ${what} matching this EC2 ${operation} filter, as NAME=VALUE (e.g. ${example}); repeatable.`),
    Flag.atLeast(0)
  )

/** { tag: ["env=prod"], filter: ["vpc-id=vpc-1"] } -> { "tag:env": ["prod"], "vpc-id": ["vpc-1"] } */
export const ec2Filters = (
  input: { readonly tag: ReadonlyArray<string>; readonly filter: ReadonlyArray<string> },
  rename: Readonly<Record<string, string>> = {}
): Effect.Effect<Record<string, Array<string>>, UsageError> =>
  Effect.gen(function*() {
    const tags = yield* keyValues("tag", input.tag)
    const filters = yield* keyValues("filter", input.filter)
    const out: Record<string, Array<string>> = {}
    for (const [k, v] of Object.entries(filters)) (out[rename[k] ?? k] ??= []).push(...v)
    for (const [k, v] of Object.entries(tags)) (out[`tag:${k}`] ??= []).push(...v)
    return out
  })

/** The Python aegea's `--filter state=running` on instances: DescribeInstances calls it instance-state-name. */
export const instanceFilterNames: Readonly<Record<string, string>> = { state: "instance-state-name" }

/** "filter vpc-id=vpc-1, tag env=prod": what an empty filtered listing searched ("" without criteria). */
export const filterCriteria = (input: { readonly tag: ReadonlyArray<string>; readonly filter: ReadonlyArray<string> }): string => {
  const criteria = [...input.tag.map((t) => `tag ${t}`), ...input.filter.map((f) => `filter ${f}`)]
  return criteria.length > 0 ? ` matching ${criteria.join(", ")}` : ""
}
