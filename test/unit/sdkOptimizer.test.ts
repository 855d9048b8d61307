// src/sdkPatches/optimizer.ts: the optimizing compiler is turned on (once) by the first large response only.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"

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

  describe("optimizeForRead", () => {
    const key = Symbol.for("aegea.startupNoOpt")
    const global = globalThis as Record<symbol, unknown>
    afterEach(() => {
      delete global[key]
    })

    it("while the launcher keeps the compiler off: on for a large read, off again when it is done, on again for the next", async () => {
      global[key] = true
      const { LARGE_RESPONSE, optimizeForRead, STARTUP_NO_OPT } = await import("../../src/sdkPatches/optimizer.ts")
      expect(STARTUP_NO_OPT).toBe(key)
      const small = optimizeForRead(LARGE_RESPONSE - 1)
      expect(setFlagsFromString).not.toHaveBeenCalled()
      small()
      expect(setFlagsFromString).not.toHaveBeenCalled()
      const done = optimizeForRead(1)
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
      done()
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"], ["--no-opt"]])
      done()
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"], ["--no-opt"]])
      optimizeForRead(LARGE_RESPONSE)()
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"], ["--no-opt"], ["--opt"], ["--no-opt"]])
    })

    it("is reached through the bundle's one-pass XML read: off again after it, on where that read gives up", async () => {
      global[key] = true
      const { DescribeInstancesResult$ } = await import("@aws-sdk/client-ec2")
      const { bundleDeserializer } = await import("../support/xmlDeserializer.ts")
      const { LARGE_RESPONSE } = await import("../../src/sdkPatches/optimizer.ts")
      const token = "x".repeat(LARGE_RESPONSE)
      const bytes = (xml: string) => new TextEncoder().encode(xml)
      const read = (xml: string) => bundleDeserializer().read(DescribeInstancesResult$, bytes(xml))
      expect(read(`<DescribeInstancesResponse><nextToken>${token}</nextToken><reservationSet/></DescribeInstancesResponse>`))
        .toEqual({ NextToken: token, Reservations: [] })
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"], ["--no-opt"]])
      // a comment: the one-pass read gives up, and the SDK's read runs with the compiler on, as before
      expect(read(`<DescribeInstancesResponse><!-- c --><nextToken>${token}</nextToken></DescribeInstancesResponse>`))
        .toEqual({ NextToken: token })
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"], ["--no-opt"], ["--opt"]])
    })

    it("leaves the compiler on once the launcher has turned it on (or when no launcher turned it off)", async () => {
      const { LARGE_RESPONSE, optimizeForRead, optimizeForResponse } = await import("../../src/sdkPatches/optimizer.ts")
      optimizeForRead(LARGE_RESPONSE)()
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
      global[key] = false
      optimizeForRead(LARGE_RESPONSE)()
      optimizeForResponse(LARGE_RESPONSE)
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
    })

    it("leaves it on when the launcher turns it on during the read, and after optimizeForResponse turned it on", async () => {
      global[key] = true
      const { LARGE_RESPONSE, optimizeForRead, optimizeForResponse } = await import("../../src/sdkPatches/optimizer.ts")
      const done = optimizeForRead(LARGE_RESPONSE)
      global[key] = false
      done()
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
      vi.resetModules()
      setFlagsFromString.mockClear()
      global[key] = true
      const again = await import("../../src/sdkPatches/optimizer.ts")
      again.optimizeForResponse(LARGE_RESPONSE)
      again.optimizeForRead(LARGE_RESPONSE)()
      expect(setFlagsFromString.mock.calls).toEqual([["--opt"]])
      expect(optimizeForResponse).not.toBe(again.optimizeForResponse)
    })
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
