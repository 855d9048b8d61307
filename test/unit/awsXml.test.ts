// src/sdkPatches/xmlParser.ts replaces @aws-sdk/xml-builder's parseXML in the CLI bundle, and with text
// nodes resolved as it parses, the parse step of the SDK's XmlShapeDeserializer (parseXml in
// src/sdkPatches/xmlReadSchema.ts): both must give the same object, or the same error, for every input.
// Here: hand-picked cases and generated documents (seeded, bounded); test/integration/awsXml.test.ts
// does the same on moto's real responses.
import { parseXML as sdkParseXML } from "@aws-sdk/xml-builder"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import { parseXML, parseXMLResolvingText } from "../../src/sdkPatches/xmlParser.ts"
import { parseXml } from "../../src/sdkPatches/xmlReadSchema.ts"
import { sdkDeserializer } from "../support/xmlDeserializer.ts"

/** The SDK's parse step: its parseXML, then getValueFromTextNode below the root. */
const sdk = sdkDeserializer()
const sdkParseXml = (xml: string): unknown => sdk.parseXml(xml)

// Compared as inspect() text: it shows key order, own `__proto__` keys, and the inherited functions that
// the SDK's `in` check puts into arrays (`<constructor>` twice -> [Object, "..."]), which toStrictEqual
// cannot compare (it reads `.constructor`).
type Outcome = { readonly ok: string } | { readonly error: string }
const outcome = (parse: (xml: string) => unknown, xml: string): Outcome => {
  try {
    return { ok: inspect(parse(xml), { depth: Infinity, breakLength: Infinity }) }
  } catch (e) {
    return { error: (e as Error).message }
  }
}
const expectSame = (xml: string) => {
  const sdk = outcome(sdkParseXML, xml)
  const ours = outcome(parseXML, xml)
  expect(ours, xml).toStrictEqual(sdk)
  expect(outcome(parseXml, xml), `deserializer: ${xml}`).toStrictEqual(outcome(sdkParseXml, xml))
  return ours
}

describe("parseXML (the bundle's fast parser) against the SDK's", () => {
  it.each([
    `<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>a-b</requestId><set><item><id>i-1</id></item><item><id>i-2</id></item></set></R>`,
    `<a>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42; &unknown; &#x1F600;</a>`,
    `<a b="1" c='two &amp; three' d=x/>`,
    `<a b="1" c="2">text<d/>more</a>`,
    `<a>\n  <b>1</b>\n  <b>2</b>\n  <b>3</b>\n</a>`,
    `<a>   </a>`,
    `<a>\n   \n</a>`,
    `<a><![CDATA[<not> &amp; a tag]]></a>`,
    `<a><!-- comment --><b>1</b><?pi x?></a>`,
    `<!DOCTYPE html [<!ENTITY x "y">]><a>1</a>`,
    `<!doctype html><html><head><title>500</title></head></html>`,
    `<a><__proto__>x</__proto__><constructor>c</constructor><toString>t</toString></a>`,
    `<a __proto__="p" b="2"/>`,
    `<a>line\r\nbreak\rhere</a>`,
    `<a><b>1</b>tail</a>`,
    `<a b="1">only attrs and text</a>`,
    `<a></a>`,
    `<a/>`,
    // errors
    ``,
    `   `,
    `junk`,
    `<a>`,
    `<a><b></a>`,
    `<a b="1"`,
    `<a b="1"/ >`,
    `<a b>x</a>`,
    `<a =1>x</a>`,
    `<a b=`,
    `<a></b>`,
    `<?xml`,
    `<!-- never closed`,
    `<!DOCTYPE x`,
    `<html><body><h1>Internal Server Error</h1><p>x</title></body></html>`
  ])("%s", (xml) => {
    expectSame(xml)
  })

  it("parses 400 generated documents and 1200 damaged ones exactly as the SDK does", () => {
    let seed = 20261125
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0 // imul: a plain product loses its low bits
      return (seed >>> 8) % n // an LCG's low bits repeat with short periods
    }
    const pick = <T>(xs: ReadonlyArray<T>): T => xs[rand(xs.length)]!
    const names = ["a", "item", "tagSet", "key", "value", "__proto__", "constructor", "#text", "x:y", "member"]
    const texts = ["i-0abc", " ", "\n  ", "a &amp; b", "&#233;t&#xE9;", "&bogus;", "\r\n", "x>y", "üñí", "", "'\""]
    const gen = (depth: number): string => {
      const name = pick(names)
      const attrs = Array.from({ length: rand(3) }, () => {
        const q = pick(['"', "'"])
        return ` ${pick(["id", "type", "__proto__", "xmlns"])}=${q}${pick(texts).replaceAll(q, "")}${q}`
      }).join("")
      if (depth > 3 || rand(5) === 0) return `<${name}${attrs}/>`
      const parts = Array.from({ length: rand(5) }, () => {
        switch (rand(6)) {
          case 0:
            return pick(texts)
          case 1:
            return `<![CDATA[${pick(texts)}<b>]]>`
          case 2:
            return rand(2) ? "<!-- c -->" : "<?pi?>"
          default:
            return gen(depth + 1)
        }
      }).join(pick(["", "\n  ", " "]))
      return `<${name}${attrs}>${parts}</${name}${pick(["", "", " "])}>`
    }
    let errors = 0
    let resolvedInOnePass = 0
    for (let n = 0; n < 400; n++) {
      const generated = pick(["", '<?xml version="1.0"?>\n', "<!-- lead -->", "<!DOCTYPE r>"]) + gen(0)
      // Half of them without elements named __proto__ or #text, which parseXml reads the SDK's way.
      const doc = n % 2 ? generated : generated.replace(/<(\/?)(__proto__|#text)\b/g, "<$1$2x")
      if (parseXMLResolvingText(doc) !== undefined) resolvedInOnePass++
      const whole = expectSame(doc)
      expect("ok" in whole, doc).toBe(true)
      for (let k = 0; k < 3; k++) {
        // damage: cut, drop one character, or insert a stray one
        const at = rand(doc.length + 1)
        const damaged = [doc.slice(0, at), doc.slice(0, at) + doc.slice(at + 1), doc.slice(0, at) + pick(["<", ">", "/", "=", '"', "&"]) + doc.slice(at)][k]!
        if ("error" in expectSame(damaged)) errors++
      }
    }
    // the damaged documents exercise the error paths too
    expect(errors).toBeGreaterThan(300)
    expect(resolvedInOnePass).toBeGreaterThanOrEqual(200)
  })
})
