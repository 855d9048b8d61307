/**
 * A small XML reader for the few AWS Query answers aegea reads without an SDK client (the ssh
 * family's DescribeInstances, layers/Ec2QueryLive.ts): elements, text and the five entities plus
 * character references, CDATA, comments and the declaration. Attributes are skipped (the answers
 * keep nothing in them that aegea reads). Not a general parser: no DTDs, no namespaces.
 */

/** An element: its (local) name, child elements in order, and its text (the concatenated character data). */
export interface XmlElement {
  readonly name: string
  /** (one shared empty array, frozen, for all elements without children: read, never change, it) */
  children: Array<XmlElement>
  text: string
}

/** The children of every element that has none (most are leaves: one array less each). */
const NO_CHILDREN: Array<XmlElement> = Object.freeze([]) as unknown as Array<XmlElement>

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

/**
 * Whether `text[from..to]` is whitespace only, with a line break: indentation, not content (the SDK's
 * parser drops it too). Told in place, without slicing it.
 */
const isIndentationAt = (text: string, from: number, to: number): boolean => {
  let lineBreak = false
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k)
    if (c === 10) lineBreak = true
    else if (c !== 32 && c !== 13 && c !== 9) {
      // other whitespace (a form feed, a no-break space...): as String#trim tells it
      if ((c > 32 && c < 0xa0) || (c > 0xa0 && c < 0x1680)) return false
      const raw = text.slice(from, to)
      return raw.trim() === "" && raw.includes("\n")
    }
  }
  return lineBreak
}

/**
 * Which elements to keep, by name, below an element: each kept child's own plan for its children
 * (`{}`: none of them; `undefined` in place of a plan: all, at any depth). An element its parent's
 * plan does not name is passed over (no element, no text): jumped over to its end tag, its content
 * unread (see endOfPassedOver), or read tag by tag where a jump cannot be trusted. A big answer of
 * which aegea reads a few fields (DescribeInstances: a fifth of each instance's elements) builds only
 * those. What is passed over is not checked for well-formedness when jumped over, as the SDK's own
 * one-pass reader does not check what it passes over (sdkPatches/xmlDirectRead.ts).
 */
export interface XmlPlan {
  readonly [name: string]: XmlPlan
}

/**
 * The document's root element; throws an Error (named XmlParseError) on text that is not well-formed
 * enough to read. With `plan` (the root's: what to keep below it, see XmlPlan), only the elements it
 * names are built.
 */
export const parseXml = (text: string, plan?: XmlPlan): XmlElement => {
  if (plan === undefined) return parse(text, undefined, false)
  try {
    return parse(text, plan, true)
  } catch (error) {
    // a document the jumps over passed-over elements may have misread (see endOfPassedOver): read it
    // again element by element, which gives its answer or its error
    if ((error as Error).name !== "XmlParseError") throw error
    return parse(text, plan, false)
  }
}

const parse = (text: string, plan: XmlPlan | undefined, jumps: boolean): XmlElement => {
  const fail = (what: string): never => {
    throw Object.assign(new Error(`XML parse error: ${what}`), { name: "XmlParseError" })
  }
  // no comment, CDATA section or declaration after the first element: elements passed over may be
  // jumped over to their end tags (see endOfPassedOver)
  const first = plan === undefined ? -1 : text.search(/<[^?!]/)
  const plainContent = jumps && first >= 0 && text.indexOf("<!", first) < 0 && text.indexOf("<?", first) < 0
  const stack: Array<XmlElement> = []
  // the plan of each open element (undefined: keep everything below it)
  const plans: Array<PlanNode | undefined> = []
  // the names of the open elements passed over (inside the last kept one), innermost last
  const skipped: Array<string> = []
  let root: XmlElement | undefined
  let i = 0
  const n = text.length
  while (i < n) {
    const lt = text.indexOf("<", i)
    const end = lt < 0 ? n : lt
    if (end > i && skipped.length === 0 && !isIndentationAt(text, i, end)) {
      const top = stack[stack.length - 1]
      const raw = text.slice(i, end)
      if (top !== undefined) {
        top.text += decodeXmlText(raw)
      } else if (raw.trim() !== "") fail("text outside the root element")
    }
    if (lt < 0) break
    const next = text.charCodeAt(lt + 1)
    // `</NAME>` closing the innermost open element, compared in place (any other end tag: below)
    if (next === 47) {
      const open = skipped.length > 0 ? skipped[skipped.length - 1]! : stack[stack.length - 1]?.name
      if (open !== undefined && text.startsWith(open, lt + 2) && text.charCodeAt(lt + 2 + open.length) === 62) {
        if (skipped.length > 0) skipped.pop()
        else {
          stack.pop()
          plans.pop()
        }
        i = lt + 3 + open.length
        continue
      }
    }
    if (next === 63) {
      const close = text.indexOf("?>", lt + 2)
      if (close < 0) fail("unterminated declaration")
      i = close + 2
    } else if (next === 33 && text.startsWith("<!--", lt)) {
      const close = text.indexOf("-->", lt + 4)
      if (close < 0) fail("unterminated comment")
      i = close + 3
    } else if (next === 33 && text.startsWith("<![CDATA[", lt)) {
      const close = text.indexOf("]]>", lt + 9)
      if (close < 0) fail("unterminated CDATA section")
      const top = stack[stack.length - 1]
      if (top === undefined) fail("CDATA outside the root element")
      if (skipped.length === 0) top!.text += text.slice(lt + 9, close)
      i = close + 3
    } else if (next === 33) {
      fail("document type declarations are not read")
    } else if (next === 47) {
      const close = text.indexOf(">", lt + 2)
      if (close < 0) fail("unterminated end tag")
      const name = localName(text.slice(lt + 2, close).trim())
      if (skipped.length > 0) {
        const open = skipped.pop()
        if (open !== name) fail(`</${name}> does not close <${open}>`)
      } else {
        const open = stack.pop()
        plans.pop()
        if (open === undefined || open.name !== name) fail(`</${name}> does not close <${open?.name ?? ""}>`)
      }
      i = close + 1
    } else {
      const parent = stack[stack.length - 1]
      const parentPlan = parent === undefined || skipped.length > 0 ? undefined : plans[plans.length - 1]
      // an element the plan names, told in place (no slice of its name to look up)
      const planned = parentPlan === undefined ? undefined : plannedAt(text, lt + 1, byFirstChar(parentPlan))
      // the name, read up to what ends it: `>` (no attributes, the usual case) or `/>` end the tag here
      let j = planned === undefined ? lt + 1 : lt + 1 + planned.name.length
      let c = text.charCodeAt(j)
      while (j < n && c !== 62 && c !== 47 && c !== 32 && c !== 10 && c !== 13 && c !== 9) c = text.charCodeAt(++j)
      const bare = c === 62 || (c === 47 && text.charCodeAt(j + 1) === 62)
      const close = bare ? (c === 62 ? j : j + 1) : tagEnd(text, lt + 1)
      if (close < 0) fail("unterminated start tag")
      const selfClosing = text.charCodeAt(close - 1) === 47
      const qualified = planned !== undefined ? planned.name : text.slice(lt + 1, j)
      const name = planned !== undefined ? planned.name : localName(qualified)
      if (name === "") fail("element without a name")
      // (plannedAt knows every name of the plan but those with a prefix or starting beyond ASCII)
      const unplanned = parentPlan !== undefined && planned === undefined &&
        ((name === qualified && name.charCodeAt(0) < 128) || !Object.hasOwn(parentPlan.plan, name))
      if (skipped.length > 0 || unplanned) {
        // passed over: straight to its end tag where nothing inside can be taken for it, else tag by tag
        if (!selfClosing) {
          const after = skipped.length === 0 && plainContent ? endOfPassedOver(text, qualified, close + 1, name === parent?.name) : -1
          if (after >= 0) {
            i = after
            continue
          }
          skipped.push(name)
        }
        i = close + 1
        continue
      }
      const element: XmlElement = { name, children: NO_CHILDREN, text: "" }
      if (parent !== undefined) {
        if (parent.children === NO_CHILDREN) parent.children = [element]
        else parent.children.push(element)
      }
      else if (root === undefined) root = element
      else fail("a second root element")
      if (!selfClosing && planned !== undefined && planned.node.leaf) {
        // a leaf the plan reads (most of what is kept): its text, then its end tag, read here at once
        const textEnd = text.indexOf("<", close + 1)
        if (textEnd >= 0 && text.charCodeAt(textEnd + 1) === 47 && text.startsWith(name, textEnd + 2) && text.charCodeAt(textEnd + 2 + name.length) === 62) {
          if (textEnd > close + 1 && !isIndentationAt(text, close + 1, textEnd)) element.text = decodeXmlText(text.slice(close + 1, textEnd))
          i = textEnd + 3 + name.length
          continue
        }
      }
      if (!selfClosing) {
        stack.push(element)
        plans.push(
          parent === undefined
            ? (plan === undefined ? undefined : planNode(plan))
            : planned !== undefined
            ? planned.node
            : parentPlan === undefined
            ? undefined
            : planNode(parentPlan.plan[name]!)
        )
      }
      i = close + 1
    }
  }
  if (stack.length > 0 || skipped.length > 0) fail(`<${skipped[skipped.length - 1] ?? stack[stack.length - 1]!.name}> is not closed`)
  if (root === undefined) fail("no root element")
  return root!
}

/** A plan, with its names by their first character (ASCII; made on first use), each with its own plan's node. */
interface PlanNode {
  readonly plan: XmlPlan
  /** The plan keeps nothing below (`{}`). */
  readonly leaf: boolean
  byChar: Array<Array<{ readonly name: string; readonly node: PlanNode }> | undefined> | undefined
}

const planNodes = new WeakMap<XmlPlan, PlanNode>()

const planNode = (plan: XmlPlan): PlanNode => {
  let node = planNodes.get(plan)
  if (node === undefined) {
    node = { plan, leaf: Object.keys(plan).length === 0, byChar: undefined }
    planNodes.set(plan, node)
  }
  return node
}

const byFirstChar = (node: PlanNode): NonNullable<PlanNode["byChar"]> => {
  if (node.byChar === undefined) {
    const byChar: NonNullable<PlanNode["byChar"]> = []
    for (const name of Object.keys(node.plan)) {
      const first = name.charCodeAt(0)
      if (first < 128) (byChar[first] ??= []).push({ name, node: planNode(node.plan[name]!) })
    }
    node.byChar = byChar
  }
  return node.byChar
}

/** The name of a plan that the tag name at `at` is, compared in place (the name must end there: `>`, `/` or whitespace), if any. */
const plannedAt = (text: string, at: number, byChar: NonNullable<PlanNode["byChar"]>): { readonly name: string; readonly node: PlanNode } | undefined => {
  const candidates = byChar[text.charCodeAt(at)]
  if (candidates === undefined) return undefined
  for (const candidate of candidates) {
    if (!text.startsWith(candidate.name, at)) continue
    const c = text.charCodeAt(at + candidate.name.length)
    if (c === 62 || c === 47 || c === 32 || c === 10 || c === 13 || c === 9) return candidate
  }
  return undefined
}

/**
 * Where an element passed over ends (the index after its end tag), found without reading its content:
 * the first `</NAME>` after `from` (the index after its start tag), or -1 (the caller reads the
 * content tag by tag). Only for a document with no comment, CDATA section or declaration after its
 * first element (which could hold a `</NAME>`: the caller checks). An element of the same name inside
 * would end the jump at its own end tag, and the rest of the outer one would be read as the parent's
 * content up to the outer `</NAME>`, which does not close the parent: an error, after which parseXml
 * reads the document again without jumps. That holds unless the parent has the same name (`sameAsParent`):
 * then a start tag of that name before the end tag (`<NAME>`, `<NAME ...>`, `<NAMEMORE`) gives -1.
 */
const endOfPassedOver = (text: string, qualified: string, from: number, sameAsParent: boolean): number => {
  const endTag = `</${qualified}>`
  const end = text.indexOf(endTag, from)
  if (end < 0) return -1
  // searched back from the end tag: at worst to the element's own start tag, just before `from`
  if (sameAsParent && text.lastIndexOf(`<${qualified}`, end) >= from) return -1
  return end + endTag.length
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

const localName = (qualified: string) => (qualified.indexOf(":") < 0 ? qualified : qualified.slice(qualified.indexOf(":") + 1))

/** The first child element named `name`. */
export const child = (element: XmlElement | undefined, name: string): XmlElement | undefined => element?.children.find((c) => c.name === name)

/** The text of the first child element named `name` (undefined when there is none). */
export const childText = (element: XmlElement | undefined, name: string): string | undefined => child(element, name)?.text

/** The `<item>` children of a list element (EC2's lists: `<tagSet><item>...</item></tagSet>`). */
export const itemsOf = (list: XmlElement | undefined): ReadonlyArray<XmlElement> => list?.children.filter((c) => c.name === "item") ?? []

/** The `<item>` children of the child list element `name`. */
export const items = (element: XmlElement | undefined, name: string): ReadonlyArray<XmlElement> => itemsOf(child(element, name))
