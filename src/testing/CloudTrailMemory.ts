/**
 * An in-memory CloudTrail for tests: seeded trails (logging or not) and events. `lookup` behaves as
 * LookupEvents: events in [start, end] (end default: now, on Effect's Clock), newest first, every
 * attribute matched, pages of 50 pulled lazily (`CloudTrailMemoryState.pagesRead` counts them, so a
 * test can see that a bounded lookup stops asking).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { CloudTrail, type LookupQuery, matchesAttributes, type TrailEvent, type TrailInfo } from "../services/CloudTrail.ts"

/** The trails and events `CloudTrailMemory` holds. */
export interface CloudTrailSeed {
  readonly region?: string
  readonly trails?: ReadonlyArray<TrailInfo>
  readonly events?: ReadonlyArray<TrailEvent>
}

/** What `CloudTrailMemory` was asked: the LookupEvents pages it served. */
export class CloudTrailMemoryState extends Context.Service<CloudTrailMemoryState, {
  /** LookupEvents pages served so far. */
  readonly pagesRead: Effect.Effect<number>
}>()("aegea/testing/CloudTrailMemoryState") {}

const pageSize = 50

/**
 * `CloudTrail` in memory, with `CloudTrailMemoryState`: trails and events from the seed, looked up by attribute
 * and time as AWS does.
 */
export const CloudTrailMemory = {
  layer: (seed: CloudTrailSeed = {}): Layer.Layer<CloudTrail | CloudTrailMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const pages = yield* Ref.make(0)
        const lookup = (query: LookupQuery): Stream.Stream<TrailEvent> =>
          Stream.paginate(0, (offset: number) =>
            Effect.gen(function*() {
              const now = yield* Clock.currentTimeMillis
              const end = query.end?.getTime() ?? now
              const all = (seed.events ?? [])
                .filter((e) => e.time.getTime() >= query.start.getTime() && e.time.getTime() <= end && matchesAttributes(e, query.attributes))
                .sort((a, b) => b.time.getTime() - a.time.getTime())
              yield* Ref.update(pages, (n) => n + 1)
              const next = offset + pageSize
              return [all.slice(offset, next), next < all.length ? Option.some(next) : Option.none<number>()] as const
            })
          )
        const service = CloudTrail.of({
          region,
          trails: () => Effect.succeed(seed.trails ?? []),
          lookup
        })
        return Context.make(CloudTrail, service).pipe(
          Context.add(CloudTrailMemoryState, CloudTrailMemoryState.of({ pagesRead: Ref.get(pages) }))
        )
      })
    )
}
