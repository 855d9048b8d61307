/**
 * A faster drop-in for `parseXML` of `@aws-sdk/xml-builder`, which the CLI bundle uses in its place
 * (scripts/sdkPatches.mjs, plugin fast-aws-xml-parser; see ./install.ts). The SDK's parser builds every tag name, attribute and text node one character
 * at a time; on a 300-instance DescribeInstances response (~1 MB) that was a sixth of `aegea ls`'s
 * CPU. This one scans with `indexOf`, `RegExp.test` and `charCodeAt`, slices, and decodes entities
 * only where there is an `&`. Everything else is the SDK's algorithm, step for step: the same objects
 * (repeated tags become arrays, `#text`, attributes after children, `__proto__` written as an own key),
 * the same whitespace rules and the same error messages. test/unit/awsXml.test.ts compares the two on
 * generated documents, test/integration/awsXml.test.ts on moto's responses.
 *
 * parseXMLResolvingText is the variant the bundle's deserializer uses (./xmlReadSchema.ts): text nodes
 * resolved as it goes, and, given a Guide, the elements no reader looks at passed over unread.
 */

const writeKey = (obj: Record<string, unknown>): void => {
  Object.defineProperty(obj, "__proto__", { value: undefined, writable: true, enumerable: true, configurable: true })
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g

export const decodeEntities = (s: string): string =>
  s.indexOf("&") === -1
    ? s
    : s.replace(ENTITY, (_, hex: string | undefined, dec: string | undefined, named: string) => {
        if (hex) return String.fromCharCode(parseInt(hex, 16))
        if (dec) return String.fromCharCode(parseInt(dec, 10))
        return ENTITIES[named] ?? ""
      })

// Character codes
const TAB = 9
const LF = 10
const CR = 13
const SPACE = 32
const SLASH = 47
const EQUALS = 61
const GT = 62
const LT = 60

const isSpace = (c: number): boolean => c === SPACE || c === TAB || c === LF || c === CR
/** Ends a tag name: whitespace, `>` or `/` (the SDK's `" \t\r\n>/"`). */
const TAG_NAME_END = /[ \t\r\n>/]/g
/** Ends an attribute name: also `=` or `?` (the SDK's `"= \t\r\n>/?"`). */
const ATTR_NAME_END = /[= \t\r\n>/?]/g

/** Whitespace-only text with a line break is indentation, not content. */
export const isIndentation = (text: string): boolean => text.trim() === "" && text.includes("\n")

/** `isIndentation(x.slice(start, end))` without the slice (and with it for other spaces than XML's). */
export const isIndentationAt = (x: string, start: number, end: number): boolean => {
  let newline = false
  for (let i = start; i < end; i++) {
    const c = x.charCodeAt(i)
    if (c === LF) newline = true
    else if (c !== SPACE && c !== TAB) return c > 127 || c === 11 || c === 12 ? isIndentation(x.slice(start, end)) : false
  }
  return newline
}

/** `getValueFromTextNode`'s step: an object with a `#text` stands for that text. */
const textOf = (value: unknown): unknown => {
  if (typeof value === "object" && value !== null) {
    const text = (value as Record<string, unknown>)["#text"]
    if (text !== undefined) return text
  }
  return value
}

/** Returned by `Guide.child` for an element no reader will look at. */
export const SKIP: unique symbol = Symbol("skip")

/**
 * Which children of an element a reader will look at (./xmlReadSchema.ts derives guides from the
 * output schema): for a child named `name`, its own guide, `undefined` to parse it whole, or SKIP to
 * pass over it without building its value.
 */
export interface Guide {
  child(name: string): Guide | typeof SKIP | undefined
}

/** Thrown inside the parser when a guided parse meets a document it will not skip through. */
const BAIL: unique symbol = Symbol("bail")

class Parser {
  readonly x: string
  readonly z: number
  i = 0
  /** The name of the element parseTag() read last. */
  tag = ""
  /** Whether an element had a child named `__proto__` or `#text` (see parseXMLResolvingText). */
  unusual = false

  /**
   * @param resolveText also do what the SDK's deserializer does next (`getValueFromTextNode`): below
   * the root, an element whose object has a `#text` is its text.
   */
  constructor(
    xml: string,
    readonly resolveText: boolean,
    /** The guide for the root element (see Guide); parseXMLResolvingText only. */
    readonly guide?: Guide
  ) {
    this.x = xml.includes("\r") ? xml.replace(/\r\n?/g, "\n") : xml
    this.z = this.x.length
  }

  parse(): Record<string, unknown> {
    const { z } = this
    while (this.i < z) {
      this.trim()
      if (this.i >= z) break
      if (this.isNext("<?")) {
        this.readTo("?>")
        this.trim()
      } else if (this.isNext("<!--")) {
        this.readTo("-->")
        this.trim()
      } else if (this.x.slice(0, this.i + 9).toLowerCase().startsWith("<!doctype", this.i)) {
        // (the SDK lowercases the whole document here; lowercasing can change lengths, so the prefix too)
        this.skipDoctype()
        this.trim()
      } else if (this.x[this.i] === "<") {
        const { guide } = this
        // Skipping passes over a child's content unread: only where no comment, CDATA section or
        // processing instruction can hide a closing tag.
        const skipping = guide !== undefined && this.x.indexOf("<!", this.i) === -1 && this.x.indexOf("<?", this.i) === -1
        const value = this.parseTag(skipping ? { child: () => guide } : undefined)
        return { [this.tag]: value }
      } else {
        throw new Error("@aws-sdk XML parse error: unexpected content.")
      }
    }
    throw new Error("@aws-sdk XML parse error: no root element.")
  }

  isNext(s: string): boolean {
    return this.x.startsWith(s, this.i)
  }

  readTo(stop: string): string {
    const end = this.x.indexOf(stop, this.i)
    if (end === -1) throw new Error(`@aws-sdk XML parse error: expected "${stop}" not found.`)
    const result = this.x.slice(this.i, end)
    this.i = end + stop.length
    return result
  }

  trim(): void {
    const { x, z } = this
    let i = this.i
    while (i < z && isSpace(x.charCodeAt(i))) ++i
    this.i = i
  }

  /** Reads up to the first character `end` (a global pattern of one character) matches, or to the end. */
  readName(end: RegExp): string {
    const start = this.i
    end.lastIndex = start
    // test() only moves lastIndex: no match array is made for each of the ~30,000 names of a big response.
    this.i = end.test(this.x) ? end.lastIndex - 1 : this.z
    return this.x.slice(start, this.i)
  }

  readAttrValue(): string {
    const { x, z } = this
    if (this.i >= z) {
      // The SDK steps past the (missing) quote and the (missing) closing quote.
      this.i += 2
      return ""
    }
    const quote = x[this.i]!
    const start = this.i + 1
    let end = x.indexOf(quote, start)
    if (end === -1) end = z
    this.i = end + 1
    return decodeEntities(x.slice(start, end))
  }

  /**
   * Parses the element at `<` and returns its value; its name is left in `this.tag`. Allocates only
   * what the result needs: a leaf is just its string, and the children of an element are kept as
   * name/value pairs in one flat array until its object is built.
   */
  parseTag(parent: Guide | undefined): unknown {
    const { x, z } = this
    ++this.i
    const tag = this.readName(TAG_NAME_END)
    const guide = parent === undefined ? undefined : parent.child(tag)
    let attrs: Record<string, string> | undefined
    // (`<name>`, the usual tag, skips the loop)
    while (this.i < z && x.charCodeAt(this.i) !== GT) {
      this.trim()
      const c = x.charCodeAt(this.i)
      if (c === GT || c === SLASH) break
      const name = this.readName(ATTR_NAME_END)
      this.trim()
      if (x.charCodeAt(this.i) !== EQUALS) break
      ++this.i
      this.trim()
      attrs ??= {}
      if (name === "__proto__") writeKey(attrs)
      attrs[name] = this.readAttrValue()
    }
    if (this.i >= z) throw new Error("@aws-sdk XML parse error: unexpected end of input.")
    if (x.charCodeAt(this.i) === SLASH) {
      ++this.i
      if (this.i >= z || x.charCodeAt(this.i) !== GT) {
        throw new Error("@aws-sdk XML parse error: expected > at the end of self-closing tag.")
      }
      ++this.i
      this.tag = tag
      return attrs ?? ""
    }
    if (x.charCodeAt(this.i) !== GT) throw new Error("@aws-sdk XML parse error: expected > at the end of opening tag.")
    ++this.i
    if (guide === SKIP) return this.skipElement(tag)

    // The text parts: the first in `text`, all of them in `texts` once there is a second.
    let text: string | undefined
    let texts: Array<string> | undefined
    // Child elements as [name, value, name, value, ...].
    let children: Array<unknown> | undefined
    while (this.i < z) {
      let part: string
      if (x.charCodeAt(this.i) === LT) {
        if (x.charCodeAt(this.i + 1) === SLASH) break
        if (this.isNext("<!--")) {
          this.readTo("-->")
          continue
        } else if (this.isNext("<![CDATA[")) {
          this.i += 9
          part = this.readTo("]]>")
        } else if (this.isNext("<?")) {
          this.readTo("?>")
          continue
        } else {
          const value = this.parseTag(guide)
          if (children === undefined) {
            children = []
            // The same for the indentation before the first child.
            if (texts === undefined && text !== undefined && isIndentation(text)) text = undefined
          }
          if (this.tag === "__proto__" || this.tag === "#text") this.unusual = true
          children.push(this.tag, this.resolveText ? textOf(value) : value)
          continue
        }
      } else {
        let end = x.indexOf("<", this.i)
        if (end === -1) end = z
        // After a child element, the element becomes an object, which skips indentation: skip it now,
        // without slicing the thousands of line breaks and spaces of an indented response.
        if (children !== undefined && isIndentationAt(x, this.i, end)) {
          this.i = end
          continue
        }
        part = decodeEntities(x.slice(this.i, end))
        this.i = end
      }
      if (text === undefined) text = part
      else (texts ??= [text]).push(part)
    }
    if (!this.isNext("</")) throw new Error(`@aws-sdk XML parse error: missing closing tag </${tag}>.`)
    this.i += 2
    if (x.startsWith(tag, this.i) && x.charCodeAt(this.i + tag.length) === GT) {
      this.i += tag.length + 1 // the usual `</tag>`, read without a slice
    } else {
      const closeTag = this.readTo(">").trim()
      if (closeTag !== tag) throw new Error(`@aws-sdk XML parse error: mismatched tags <${tag}> and </${closeTag}>.`)
    }
    this.tag = tag

    if (attrs === undefined && children === undefined) {
      if (text === undefined) return ""
      const all = texts === undefined ? text : texts.join("")
      return isIndentation(all) ? "" : all
    }
    const obj: Record<string, unknown> = {}
    if (text !== undefined) {
      for (const part of texts ?? [text]) {
        if (isIndentation(part)) continue
        obj["#text"] = "#text" in obj ? `${obj["#text"] as string}${part}` : part
      }
    }
    if (children !== undefined) {
      for (let k = 0; k < children.length; k += 2) {
        const name = children[k] as string
        const value = children[k + 1]
        if (name === "__proto__") writeKey(obj)
        // `in`, as in the SDK: an inherited name such as "constructor" also counts as present.
        if (name in obj) {
          const prev = obj[name]
          if (Array.isArray(prev)) prev.push(value)
          else obj[name] = [prev, value]
        } else {
          obj[name] = value
        }
      }
    }
    if (attrs !== undefined) {
      for (const k in attrs) {
        if (k === "__proto__") writeKey(obj)
        obj[k] = attrs[k]
      }
    }
    return obj
  }

  /**
   * Passes over the content and closing tag of `tag`, whose opening tag was just read, and returns ""
   * in place of its value, which no reader looks at. Gives up (BAIL: the caller parses the document
   * unguided) on an element of the same name inside, or a closing tag with spaces before its `>`.
   */
  skipElement(tag: string): string {
    const { x } = this
    const close = x.indexOf(`</${tag}`, this.i)
    if (close === -1 || x.charCodeAt(close + 2 + tag.length) !== GT) throw BAIL
    const open = x.lastIndexOf(`<${tag}`, close)
    if (open >= this.i) throw BAIL
    this.i = close + 3 + tag.length
    this.tag = tag
    return ""
  }

  skipDoctype(): void {
    const { x, z } = this
    this.i += 9
    let depth = 0
    while (this.i < z) {
      const c = x[this.i]
      if (c === "[") ++depth
      else if (c === "]") --depth
      else if (c === ">" && depth === 0) {
        ++this.i
        return
      }
      ++this.i
    }
    throw new Error("@aws-sdk XML parse error: unclosed DOCTYPE.")
  }
}

/** Parses an AWS XML response body exactly as `@aws-sdk/xml-builder`'s `parseXML` does. */
export const parseXML = (xml: string): Record<string, unknown> => new Parser(xml, false).parse()

/**
 * `parseXML`, with the step of the SDK's `getValueFromTextNode` applied below the root as it parses:
 * what `XmlShapeDeserializer.parseXml` needs (./xmlReadSchema.ts). Or `undefined` for a document
 * where the two differ, which the caller then reads as the SDK does: one with an element named
 * `__proto__` (the SDK's parser records it as `[undefined, value]`, on which its walk fails) or `#text`
 * (whose element the walk replaces without looking inside). No AWS response has either.
 *
 * With a `guide`, the elements it answers SKIP for come out as "" without being read: their content is
 * neither built nor checked. Where that could misread the document (a comment, CDATA section or
 * processing instruction after the prolog; an element of the same name inside a skipped one) it
 * returns `undefined` too.
 */
export const parseXMLResolvingText = (xml: string, guide?: Guide): Record<string, unknown> | undefined => {
  const parser = new Parser(xml, true, guide)
  let parsed: Record<string, unknown>
  try {
    parsed = parser.parse()
  } catch (e) {
    if (e === BAIL) return undefined
    throw e
  }
  return parser.unusual ? undefined : parsed
}
