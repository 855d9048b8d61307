// The CLI bundle's JSON read (src/sdkPatches/install.ts) hands the text of an answer whose output schema
// has a text reader (`aegea logs GROUP`'s FilterLogEvents pages, src/layers/LogsLive.ts) to it first.
import { FilterLogEvents$ } from "@aws-sdk/client-cloudwatch-logs"
import { JsonShapeDeserializer2 } from "@smithy/core/protocols"
import { NormalizedSchema } from "@smithy/core/schema"
import { describe, expect, it } from "vitest"
import { installJsonShapeDeserializer } from "../../src/sdkPatches/install.ts"

class BundleJsonShapeDeserializer extends JsonShapeDeserializer2 {}
installJsonShapeDeserializer(BundleJsonShapeDeserializer)

const settings = { timestampFormat: { useTrait: true, default: 7 as const }, jsonName: false }
const output = (FilterLogEvents$ as unknown as ReadonlyArray<unknown>)[5] as ReadonlyArray<unknown>
const withReader = (read: (text: string) => object | undefined) =>
  Object.assign([...(typeof output === "function" ? (output as () => ReadonlyArray<unknown>)() : output)], {
    [Symbol.for("aegea.sdkPatches.readText")]: read
  })
const body = new TextEncoder().encode(`{"events": [{"logStreamName": "s", "timestamp": 1, "message": "m ✓", "ingestionTime": 2, "eventId": "e"}], "nextToken": "t"}`)
const read = (schema: unknown) => new BundleJsonShapeDeserializer(settings).read(NormalizedSchema.of(schema as never), body)

describe("the bundle's JSON read: an output schema's text reader", () => {
  it("gets the answer's text, and its output is the read's", async () => {
    const texts: Array<string> = []
    const out = await read(withReader((text) => (texts.push(text), { nextToken: "mine" })))
    expect(texts).toEqual([new TextDecoder().decode(body)])
    expect(out).toEqual({ nextToken: "mine" })
  })

  it("returning undefined leaves the text to the SDK: the SDK's own output", async () => {
    let calls = 0
    const out = await read(withReader(() => (calls++, undefined)))
    expect(calls).toBe(1)
    expect(out).toEqual(await new JsonShapeDeserializer2(settings).read(NormalizedSchema.of(output as never), body))
    expect(out).toMatchObject({ nextToken: "t", events: [expect.objectContaining({ message: "m ✓" })] })
  })
})
