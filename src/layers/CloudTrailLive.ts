/**
 * The live CloudTrail layer: DescribeTrails and GetTrailStatus (reads, `idempotent`), and
 * LookupEvents page by page (50 events a page, AWS's most; lazily, so `--max-items` stops the
 * requests). LookupEvents takes one attribute: the first; the others are matched on the answer.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import {
  CloudTrail,
  logGroupOfArn,
  type LookupQuery,
  matchesAttributes,
  recordDetails,
  type TrailEvent,
  type TrailInfo
} from "../services/CloudTrail.ts"

/** `CloudTrail` against CloudTrail, with the region, credentials and endpoint of `AwsClients`. */
export const CloudTrailLive: Layer.Layer<CloudTrail, never, AwsClients> = Layer.effect(
  CloudTrail,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-cloudtrail"))
    const aws = yield* makeAws("CloudTrail", (config) => new sdk.CloudTrailClient(config))

    const trails = () =>
      Effect.gen(function*() {
        const r = yield* aws.call(new sdk.DescribeTrailsCommand({ includeShadowTrails: true }), "list CloudTrail trails", idempotent)
        return yield* Effect.forEach(r.trailList ?? [], (t) =>
          aws.call(new sdk.GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }), `read the status of trail ${t.Name}`, idempotent).pipe(
            Effect.map((s): boolean | undefined => s.IsLogging === true),
            // Another account's (organization) trail: its status is not ours to read.
            Effect.catchTag(["AwsAccessDenied", "AwsNotFound"], () => Effect.succeed(undefined)),
            Effect.map((logging): TrailInfo => {
              const logGroup = logGroupOfArn(t.CloudWatchLogsLogGroupArn)
              return {
                name: t.Name ?? "",
                arn: t.TrailARN ?? "",
                region: t.HomeRegion ?? aws.region,
                multiRegion: t.IsMultiRegionTrail === true,
                ...(logging !== undefined ? { logging } : {}),
                ...(t.S3BucketName ? { s3Bucket: t.S3BucketName } : {}),
                ...(logGroup !== undefined ? { logGroup } : {})
              }
            })
          ), { concurrency: 4 })
      })

    const lookup = (query: LookupQuery): Stream.Stream<TrailEvent, AwsError> => {
      const [first, ...rest] = query.attributes
      return aws.pages(
        (token) =>
          new sdk.LookupEventsCommand({
            StartTime: query.start,
            ...(query.end !== undefined ? { EndTime: query.end } : {}),
            ...(first !== undefined ? { LookupAttributes: [{ AttributeKey: first.key, AttributeValue: first.value }] } : {}),
            MaxResults: 50,
            ...(token !== undefined ? { NextToken: token } : {})
          }),
        "look up CloudTrail events",
        (r) => [
          (r.Events ?? []).map((e): TrailEvent => {
            const resources = (e.Resources ?? []).map((x) => ({
              ...(x.ResourceType ? { type: x.ResourceType } : {}),
              ...(x.ResourceName ? { name: x.ResourceName } : {})
            }))
            const resource = resources.find((x) => x.name !== undefined)?.name
            return {
              id: e.EventId ?? "",
              time: e.EventTime ?? new Date(0),
              ...(e.Username ? { user: e.Username } : {}),
              event: e.EventName ?? "",
              source: e.EventSource ?? "",
              ...(resource !== undefined ? { resource } : {}),
              resources,
              ...recordDetails(e.CloudTrailEvent),
              ...(e.ReadOnly !== undefined ? { readOnly: e.ReadOnly === "true" } : {}),
              ...(e.AccessKeyId ? { accessKeyId: e.AccessKeyId } : {})
            }
          }),
          r.NextToken
        ]
      ).pipe(Stream.filter((e) => matchesAttributes(e, rest)))
    }

    return CloudTrail.of({ region: aws.region, trails, lookup })
  })
)
