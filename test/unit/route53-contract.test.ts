import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { Route53 } from "../../src/services/Route53.ts"
import { recordName, recordValue } from "../../src/services/Route53.ts"
import { Route53Memory } from "../../src/testing/Route53Memory.ts"
import { route53Contract } from "../contract/route53.ts"
import { checkKeyPath, validateConfig } from "../../src/services/ConfigSchema.ts"
import { privateZoneName } from "../../src/workflows/instanceDns.ts"

route53Contract("in-memory", {
  make: async () => {
    // Build once so every run in a test sees the same store.
    const context = await Effect.runPromise(Layer.build(Route53Memory.layer()).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Route53>
  }
})

describe("record names relative to a zone (as the Python aegea completes them)", () => {
  it.each([
    ["www", "example.com", "www.example.com."],
    ["WWW", "example.com.", "www.example.com."],
    ["a.b", "example.com.", "a.b.example.com."],
    ["www.example.com", "example.com.", "www.example.com."],
    ["www.example.com.", "example.com.", "www.example.com."],
    ["other.org.", "example.com.", "other.org."],
    ["@", "example.com.", "example.com."],
    ["example.com", "example.com.", "example.com."],
    ["box", "aegea.", "box.aegea."]
  ])("%s in %s -> %s", (name, zone, full) => {
    expect(recordName(name, zone)).toBe(full)
  })

  it("quotes a TXT value given without quotes, and only TXT", () => {
    expect(recordValue("TXT", "v=spf1 -all")).toBe('"v=spf1 -all"')
    expect(recordValue("txt", '"quoted"')).toBe('"quoted"')
    expect(recordValue("A", "10.0.0.1")).toBe("10.0.0.1")
  })
})

describe("the dns config section (not a command: settings launch, terminate and rename share)", () => {
  it("accepts dns.private_zone as a string, names the nearest key for a typo, and defaults to aegea.", () => {
    expect(validateConfig({ dns: { private_zone: "corp.internal." } })).toBeUndefined()
    expect(validateConfig({ dns: { private_zone: ["a"] } })?.message).toContain("must be a string")
    expect(checkKeyPath(["dns", "private_zon"])?.message).toBe("is not a setting of dns (did you mean dns.private_zone?)")
    expect(privateZoneName({})).toBe("aegea.")
    expect(privateZoneName({ private_zone: "Corp.Internal" })).toBe("corp.internal.")
  })
})
