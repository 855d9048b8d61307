/**
 * `aegea cloudtrail ls | lookup`: the trails that apply to the region (with whether each is
 * logging), and the management events of the last 90 days as rows, newest first, bounded by
 * --max-items. Times use aegea's one time syntax (lib/timeExpr.ts).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { CloudTrailLive } from "../layers/CloudTrailLive.ts"
import { UsageError } from "../errors.ts"
import { timestamp } from "../lib/progress.ts"
import { parseTimeRange } from "../lib/timeExpr.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import {
  CloudTrail,
  type LookupAttribute,
  lookupAttributeKey,
  lookupAttributeKeys,
  TrailEvent,
  TrailInfo
} from "../services/CloudTrail.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { endTimeFlag, startTimeFlag } from "./logs.ts"
import { awsService, BaseLayer } from "./global.ts"

export const CloudTrailLayer = awsService(CloudTrail, CloudTrailLive).pipe(Layer.provideMerge(BaseLayer))

export const trailTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "region" },
    { key: "multiRegion", header: "MULTI-REGION" },
    { key: "logging" },
    { key: "s3Bucket", header: "S3 BUCKET" },
    { key: "logGroup", header: "LOG GROUP" }
  ],
  kinds: { arn: "id" },
  fields: Object.keys(TrailInfo.fields),
  aliases: { s3_bucket_name: "s3Bucket", is_multi_region_trail: "multiRegion", is_logging: "logging" }
}

export const eventTable: TableSpec = {
  columns: [
    { key: "time", kind: "time" },
    { key: "user", kind: "name" },
    { key: "event" },
    { key: "resource", kind: "id" },
    { key: "sourceIp", header: "SOURCE IP" },
    { key: "error" }
  ],
  kinds: { id: "id", source: "text", readOnly: "text", accessKeyId: "id" },
  fields: Object.keys(TrailEvent.fields),
  aliases: { event_time: "time", username: "user", event_name: "event", event_source: "source", source_ip_address: "sourceIp" }
}

/** Default and most rows of `lookup` (AWS serves 50 a page, at 2 requests a second). */
export const defaultMaxItems = 100
export const maxMaxItems = 10_000

const ls = Command.make("ls", {}, () =>
  Effect.gen(function*() {
    const trail = yield* CloudTrail
    const output = yield* Output
    const trails = yield* trail.trails()
    yield* output.table(trails, trailTable, { empty: `no CloudTrail trails apply to ${trail.region}` })
  })).pipe(
    Command.withDescription(listingDescription(
      "List the CloudTrail trails that apply to the region (multi-region trails of other home regions too) and whether each is logging.",
      trailTable
    )),
    Command.withShortDescription("List CloudTrail trails and whether each is logging."),
    Command.withExamples([{ command: "aegea cloudtrail ls --output json", description: "The trails as JSON" }])
  )

/** `Username=alice` -> { key: "Username", value: "alice" }; keys are matched without regard to case. */
export const parseAttribute = (text: string): Effect.Effect<LookupAttribute, UsageError> => {
  const at = text.indexOf("=")
  const key = at > 0 ? lookupAttributeKey(text.slice(0, at)) : undefined
  if (at <= 0 || key === undefined || text.slice(at + 1) === "") {
    return Effect.fail(new UsageError({
      message: `invalid --attribute ${JSON.stringify(text)}`,
      hint: `Write it as KEY=VALUE with KEY one of ${lookupAttributeKeys.join(", ")}, e.g. --attribute EventName=RunInstances`
    }))
  }
  return Effect.succeed({ key, value: text.slice(at + 1) })
}

const lookupFlags = {
  attribute: Flag.String("attribute").pipe(
    Flag.withDescription(
      `Only events with this attribute, as KEY=VALUE (KEY: ${lookupAttributeKeys.join(", ")}), e.g. Username=alice; repeat for several (all must match).`
    ),
    Flag.atLeast(0)
  ),
  startTime: startTimeFlag("1d ago; CloudTrail keeps 90 days"),
  endTime: endTimeFlag,
  maxItems: Flag.Int("max-items").pipe(
    Flag.withDescription(`Print at most this many events, the newest (default ${defaultMaxItems}, at most ${maxMaxItems}).`),
    Flag.optional
  )
}

const lookup = Command.make("lookup", lookupFlags, (raw) =>
  Effect.gen(function*() {
    const input = withConfigDefaults((yield* AegeaConfig).section("cloudtrail lookup"), raw)
    const trail = yield* CloudTrail
    const output = yield* Output
    const maxItems = Option.getOrElse(input.maxItems, () => defaultMaxItems)
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > maxMaxItems) {
      return yield* new UsageError({
        message: `--max-items ${maxItems} is out of range`,
        hint: `Give a number from 1 to ${maxMaxItems}, and narrow the search with --start-time or --attribute`
      })
    }
    const attributes = yield* Effect.forEach(input.attribute, parseAttribute)
    const now = yield* Clock.currentTimeMillis
    const { start, end } = yield* parseTimeRange({ start: Option.getOrElse(input.startTime, () => "1d"), end: Option.getOrUndefined(input.endTime) }, now)
    // One more than wanted, to say when there were more.
    const events = yield* Stream.runCollect(trail.lookup({ attributes, start, end }).pipe(Stream.take(maxItems + 1)))
    const shown = events.slice(0, maxItems)
    const matching = attributes.length === 0 ? "" : ` matching ${attributes.map((a) => `${a.key}=${a.value}`).join(", ")}`
    yield* output.table(shown, eventTable, {
      empty: `no CloudTrail events in ${trail.region} between ${timestamp(start.getTime())} and ${timestamp((end ?? new Date(now)).getTime())}${matching}`
    })
    if (events.length > maxItems) {
      yield* output.info(`showing the newest ${maxItems} events; there are more (raise --max-items or narrow --start-time)`)
    }
  })).pipe(
    Command.withDescription(listingDescription(
      "Look up CloudTrail management events (the last 90 days), newest first.",
      eventTable
    )),
    Command.withShortDescription("Look up CloudTrail events: who did what, when, from where."),
    Command.withExamples([
      { command: "aegea cloudtrail lookup --attribute EventName=TerminateInstances --start-time 7d", description: "Who terminated instances this week" },
      { command: "aegea cloudtrail lookup --attribute Username=alice --max-items 20 --output json", description: "Alice's last 20 calls as JSON" }
    ])
  )

export const cloudtrailCommand = Command.make("cloudtrail").pipe(
  Command.withDescription("List CloudTrail trails and look up the events they record."),
  Command.withSubcommands([
    ls.pipe(Command.provide(CloudTrailLayer)),
    lookup.pipe(Command.provide(CloudTrailLayer))
  ])
)
