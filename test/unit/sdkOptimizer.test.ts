// src/sdkPatches/optimizer.ts: the optimizing compiler is turned on (once) by the first large response only.
import { beforeEach, describe, expect, it, vi } from "vitest"

const setFlagsFromString = vi.fn()
vi.mock("node:v8", () => ({ setFlagsFromString, default: { setFlagsFromString } }))

describe("optimizeForResponse", () => {
  beforeEach(() => {
    vi.resetModules()
    setFlagsFromString.mockClear()
  })

  it("leaves the flags alone while the responses add up to less than LARGE_RESPONSE, then turns --opt on, once", async () => {
    const { LARGE_RESPONSE, optimizeForResponse } = await import("../../src/sdkPatches/optimizer.ts")
    optimizeForResponse(0)
    optimizeForResponse(LARGE_RESPONSE - 2)
    expect(setFlagsFromString).not.toHaveBeenCalled()
    optimizeForResponse(1)
    expect(setFlagsFromString).not.toHaveBeenCalled()
    optimizeForResponse(1)
    optimizeForResponse(LARGE_RESPONSE * 10)
    expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
  })

  it("turns it on at once for one response of LARGE_RESPONSE", async () => {
    const { LARGE_RESPONSE, optimizeForResponse } = await import("../../src/sdkPatches/optimizer.ts")
    optimizeForResponse(LARGE_RESPONSE)
    expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
  })

  it("is reached through the JSON read the bundle installs, which returns the SDK's result", async () => {
    const { installJsonShapeDeserializer } = await import("../../src/sdkPatches/install.ts")
    const { LARGE_RESPONSE } = await import("../../src/sdkPatches/optimizer.ts")
    const seen: Array<unknown> = []
    class Fake {
      settings = { timestampFormat: { useTrait: false, default: 7 } }
      read(_schema: unknown, data: unknown) {
        seen.push(data)
        return "sdk result"
      }
      _read() {}
      _readStruct() {}
    }
    installJsonShapeDeserializer(Fake)
    const fake = new Fake()
    expect(fake.read({}, "{}")).toBe("sdk result")
    expect(setFlagsFromString).not.toHaveBeenCalled()
    const big = new Uint8Array(LARGE_RESPONSE)
    expect(fake.read({}, big)).toBe("sdk result")
    // The bytes reach the SDK's read as their text (src/sdkPatches/jsonText.ts), which it parses as it would the bytes.
    expect(seen.length).toBe(2)
    expect(seen[0]).toBe("{}")
    expect(seen[1] === "\u0000".repeat(LARGE_RESPONSE)).toBe(true)
    expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
  })

  it("is reached through the XML parse of the bundle", async () => {
    const { parseXml } = await import("../../src/sdkPatches/xmlReadSchema.ts")
    const { LARGE_RESPONSE } = await import("../../src/sdkPatches/optimizer.ts")
    expect(parseXml.call(undefined, "<R><a>1</a></R>")).toEqual({ a: "1" })
    expect(setFlagsFromString).not.toHaveBeenCalled()
    const text = "x".repeat(LARGE_RESPONSE)
    expect(parseXml.call(undefined, `<R><a>${text}</a></R>`)).toEqual({ a: text })
    expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
  })
})
