/**
 * A small XML reader for the few AWS Query answers aegea reads without an SDK client (the ssh
 * family's DescribeInstances, layers/Ec2QueryLive.ts): elements, text and the five entities plus
 * character references, CDATA, comments and the declaration. Attributes are skipped (the answers
 * keep nothing in them that aegea reads). Not a general parser: no DTDs, no namespaces.
 */

/** An element: its (local) name, child elements in order, and its text (the concatenated character data). */
export interface XmlElement {
  readonly name: string
  readonly children: Array<XmlElement>
  text: string
}

const entities: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }
const entity = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g

/**
 * Character data with its references decoded as the SDK's XML parser decodes them (so the values are
 * the SDK's to the character): a character reference by its UTF-16 code unit, an unknown name as nothing.
 */
export const decodeXmlText = (raw: string): string =>
  raw.indexOf("&") < 0 ? raw : raw.replace(entity, (_, hex: string | undefined, dec: string | undefined, named: string) => {
    if (hex) return String.fromCharCode(parseInt(hex, 16))
    if (dec) return String.fromCharCode(parseInt(dec, 10))
    return entities[named] ?? ""
  })

/** Whitespace-only text with a line break is indentation, not content (the SDK's parser drops it too). */
const isIndentation = (text: string): boolean => text.trim() === "" && text.includes("\n")

/** The document's root element; throws an Error (named XmlParseError) on text that is not well-formed enough to read. */
export const parseXml = (text: string): XmlElement => {
  const fail = (what: string): never => {
    throw Object.assign(new Error(`XML parse error: ${what}`), { name: "XmlParseError" })
  }
  const stack: Array<XmlElement> = []
  let root: XmlElement | undefined
  let i = 0
  const n = text.length
  while (i < n) {
    const lt = text.indexOf("<", i)
    const end = lt < 0 ? n : lt
    if (end > i) {
      const top = stack[stack.length - 1]
      const raw = text.slice(i, end)
      if (top !== undefined) {
        if (!isIndentation(raw)) top.text += decodeXmlText(raw)
      } else if (raw.trim() !== "") fail("text outside the root element")
    }
    if (lt < 0) break
    if (text.startsWith("<?", lt)) {
      const close = text.indexOf("?>", lt + 2)
      if (close < 0) fail("unterminated declaration")
      i = close + 2
    } else if (text.startsWith("<!--", lt)) {
      const close = text.indexOf("-->", lt + 4)
      if (close < 0) fail("unterminated comment")
      i = close + 3
    } else if (text.startsWith("<![CDATA[", lt)) {
      const close = text.indexOf("]]>", lt + 9)
      if (close < 0) fail("unterminated CDATA section")
      const top = stack[stack.length - 1]
      if (top === undefined) fail("CDATA outside the root element")
      top!.text += text.slice(lt + 9, close)
      i = close + 3
    } else if (text.startsWith("<!", lt)) {
      fail("document type declarations are not read")
    } else if (text[lt + 1] === "/") {
      const close = text.indexOf(">", lt + 2)
      if (close < 0) fail("unterminated end tag")
      const name = localName(text.slice(lt + 2, close).trim())
      const open = stack.pop()
      if (open === undefined || open.name !== name) fail(`</${name}> does not close <${open?.name ?? ""}>`)
      i = close + 1
    } else {
      const close = tagEnd(text, lt + 1)
      if (close < 0) fail("unterminated start tag")
      const selfClosing = text[close - 1] === "/"
      const inner = text.slice(lt + 1, selfClosing ? close - 1 : close)
      const nameEnd = inner.search(/[\s/]/)
      const name = localName(nameEnd < 0 ? inner : inner.slice(0, nameEnd))
      if (name === "") fail("element without a name")
      const element: XmlElement = { name, children: [], text: "" }
      const parent = stack[stack.length - 1]
      if (parent !== undefined) parent.children.push(element)
      else if (root === undefined) root = element
      else fail("a second root element")
      if (!selfClosing) stack.push(element)
      i = close + 1
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is not closed`)
  if (root === undefined) fail("no root element")
  return root!
}

/** The index of the `>` ending the tag that starts at `from`, skipping quoted attribute values. */
const tagEnd = (text: string, from: number): number => {
  let quote: string | undefined
  for (let i = from; i < text.length; i++) {
    const c = text[i]
    if (quote !== undefined) {
      if (c === quote) quote = undefined
    } else if (c === "\"" || c === "'") quote = c
    else if (c === ">") return i
  }
  return -1
}

const localName = (qualified: string) => qualified.slice(qualified.indexOf(":") + 1)

/** The first child element named `name`. */
export const child = (element: XmlElement | undefined, name: string): XmlElement | undefined => element?.children.find((c) => c.name === name)

/** The text of the first child element named `name` (undefined when there is none). */
export const childText = (element: XmlElement | undefined, name: string): string | undefined => child(element, name)?.text

/** The `<item>` children of the child list element `name` (EC2's lists: `<tagSet><item>...</item></tagSet>`). */
export const items = (element: XmlElement | undefined, name: string): ReadonlyArray<XmlElement> =>
  child(element, name)?.children.filter((c) => c.name === "item") ?? []
