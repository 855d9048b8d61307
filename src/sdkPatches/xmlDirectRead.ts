/**
 * The XML deserializer's `read` in one pass, for the EC2 (ec2Query) responses of the CLI bundle: the
 * response text goes straight to the SDK's output object, without the parsed tree in between. The
 * bundle's other path (./xmlReadSchema.ts with ./xmlParser.ts) parses the document into objects keyed
 * by tag names, passing over what the schema does not read, and then walks them against the schema;
 * on a 9.5 MB DescribeInstances answer (3,000 instances) building those objects was most of `aegea ls`'s
 * data path. Here the output schema is compiled once into a plan (a structure's members with their XML
 * names, a list's item, a scalar's conversion), and the scanner reads each element by the plan of its
 * parent: an element's name is compared in place with the names its structure has met (by first
 * character, without slicing it), an element no plan reads is passed over to its closing tag unread,
 * and a structure's members are set in the schema's order, as the SDK's walk sets them; a timestamp
 * read again from the same text is its last time (see viaStringDeserializer). (`aegea ls` of 3,000
 * instances: 0.2 s less CPU; see docs/performance.md.)
 *
 * It gives the value of the SDK's `read` (the parse, the text-node step and `readSchema`) or nothing:
 * `directRead` returns `undefined`, and the caller reads the document the usual way, wherever the
 * two could differ or the plan does not say what to do: a comment, CDATA section or processing
 * instruction after the prolog, an attribute below the root (or one on the root named as a member),
 * text beside child elements, a member given twice, an element named `__proto__`
 * or `#text`, a scalar with child elements, a closing tag other than `</name>`, an element of the same
 * name inside one passed over, a schema with maps, unions, documents, flattened lists or names
 * inherited from `Object.prototype`, a conversion that throws (the SDK's error then comes from the
 * usual path, in the SDK's order), and anything malformed. Line ends are normalized first, as the
 * parser does. test/unit/xmlDirectRead.test.ts compares it with the SDK's `read` on a recorded
 * DescribeInstances answer and variations of it, on the documents it must give up on, and on generated
 * XML for every EC2 operation; test/integration/awsXml.test.ts on moto's answers.
 */
import { NormalizedSchema } from "@smithy/core/schema"
import { isIndentation, isIndentationAt, decodeEntities } from "./xmlParser.ts"

/** What a plan needs of the deserializer: the SDK's reader of strings (timestamps, blobs...). */
export interface DirectDeserializer {
  readonly stringDeserializer: { read(schema: NormalizedSchema, value: unknown): unknown }
}

/** A scalar: the element's text, converted as the SDK's readSchema converts it. */
interface ScalarPlan {
  readonly kind: 0
  readonly read: (d: DirectDeserializer, text: string) => unknown
}
/** A structure: its members' names, XML names and plans (compiled on first use: schemas may recurse). */
interface StructPlan {
  readonly kind: 1
  readonly ns: NormalizedSchema
  members: Members | undefined
}
interface Members {
  readonly names: ReadonlyArray<string>
  readonly keys: ReadonlyArray<string>
  readonly schemas: ReadonlyArray<NormalizedSchema>
  readonly plans: Array<Plan | null | undefined>
  /**
   * The element names met in this structure, by their first character (ASCII): the members, and the
   * names of elements passed over as they are met (at most LEARNED of those), so that an element is
   * told by comparing its name in place, without slicing it.
   */
  readonly byChar: Array<Array<Entry> | undefined>
  learned: number
}
/**
 * An element name of a structure: `k`, the member it is, or -1 to pass over it (`open`, `close`: its
 * tags); `plan`, the member's plan once used.
 */
interface Entry {
  readonly key: string
  readonly k: number
  readonly open: string
  readonly close: string
  plan: Plan | undefined
}
/** Names of elements passed over that a structure remembers (a bound for documents of many names). */
const LEARNED = 64

/** A list (not flattened): its items' XML name and plan. */
interface ListPlan {
  readonly kind: 2
  readonly itemKey: string
  readonly itemSchema: NormalizedSchema
  item: Plan | null | undefined
}
type Plan = ScalarPlan | StructPlan | ListPlan

/** Thrown inside the scanner where it will not read on: the caller reads the document the usual way. */
const BAIL: unique symbol = Symbol("bail")
const bail = (): never => {
  throw BAIL
}

/** The key under which the SDK looks for a structure's member (xmlReadSchema.ts memberKey, without httpPayload). */
const memberKey = (name: string, schema: NormalizedSchema): string => schema.getMemberTraits().xmlName ?? name

const identity = (_: DirectDeserializer, s: string): string => s
const toNumber = (_: DirectDeserializer, s: string): number => Number(s)
const toBoolean = (_: DirectDeserializer, s: string): boolean => s.toLowerCase() === "true"

const plans = new WeakMap<NormalizedSchema, Plan | null>()

/** The plan for `ns`, or null where this reader does not go (the caller then takes the usual path). */
export const planOf = (ns: NormalizedSchema): Plan | null => {
  let plan = plans.get(ns)
  if (plan === undefined) {
    plan = compile(ns)
    plans.set(ns, plan)
  }
  return plan
}

const compile = (ns: NormalizedSchema): Plan | null => {
  if (ns.isUnitSchema() || ns.isMapSchema() || ns.isUnionSchema() || ns.isDocumentSchema()) return null
  const traits = ns.getMergedTraits()
  if (traits.httpPayload) return null
  if (ns.isListSchema()) {
    if (traits.xmlFlattened) return null
    const itemSchema = ns.getValueSchema()
    const itemKey: string = itemSchema.getMergedTraits().xmlName ?? "member"
    // (a name every object or string has would be read from the tree's prototypes)
    if (itemKey in Object.prototype || itemKey in String.prototype || itemKey === "#text") return null
    return { kind: 2, itemKey, itemSchema, item: undefined }
  }
  if (ns.isStructSchema()) return { kind: 1, ns, members: undefined }
  // xmlReadSchema.ts's scalar reader, for the text of an element (never null, never an object here).
  const sc = ns.getSchema()
  if (sc === 0 && !traits.mediaType) return { kind: 0, read: identity }
  if (sc === 1) return { kind: 0, read: toNumber }
  if (sc === 2) return { kind: 0, read: toBoolean }
  return { kind: 0, read: viaStringDeserializer(ns) }
}

/**
 * The SDK's reader of a string (timestamps, blobs, big numbers...), which re-derives the schema's
 * bindings on every call. For a timestamp it remembers its last answer: the same text again, through
 * the same reader (instances launched together share their launch time), gives a new plain Date of the
 * same time, as the SDK would; any other text, or an answer that is not a plain Date, is read again.
 * (ec2Query's timestamp formats are all parsed: the SDK's warning for an unknown format, which this
 * would repeat only once, cannot come up there.)
 */
const viaStringDeserializer = (ns: NormalizedSchema): ScalarPlan["read"] => {
  const read: ScalarPlan["read"] = (d, text) => d.stringDeserializer.read(ns, text)
  if (!ns.isTimestampSchema()) return read
  let lastReader: unknown
  let lastText: string | undefined
  let lastTime: number | undefined
  return (d, text) => {
    if (text === lastText && d.stringDeserializer === lastReader && lastTime !== undefined) return new Date(lastTime)
    const value = read(d, text)
    const plain = value instanceof Date && Object.getPrototypeOf(value) === Date.prototype && Reflect.ownKeys(value).length === 0
    lastReader = d.stringDeserializer
    lastText = text
    lastTime = plain ? value.getTime() : undefined
    return value
  }
}

const membersOf = (plan: StructPlan): Members => {
  if (plan.members !== undefined) return plan.members
  const names: Array<string> = []
  const keys: Array<string> = []
  const schemas: Array<NormalizedSchema> = []
  for (const [name, schema] of plan.ns.structIterator()) {
    const key = memberKey(name, schema)
    if (schema.getMergedTraits().httpPayload || keys.includes(key) || key in Object.prototype || key === "#text" || name === "__proto__") bail()
    names.push(name)
    keys.push(key)
    schemas.push(schema)
  }
  const byChar: Array<Array<Entry> | undefined> = new Array(128).fill(undefined)
  const members: Members = { names, keys, schemas, plans: new Array(names.length).fill(undefined), byChar, learned: 0 }
  keys.forEach((key, k) => addEntry(members, key, k))
  plan.members = members
  return members
}

const addEntry = (members: Members, key: string, k: number): Entry => {
  const entry: Entry = { key, k, open: `<${key}`, close: `</${key}>`, plan: undefined }
  const c = key.charCodeAt(0)
  if (c < 128) (members.byChar[c] ??= []).push(entry)
  return entry
}

const memberPlan = (members: Members, k: number): Plan => {
  let plan = members.plans[k]
  if (plan === undefined) plan = members.plans[k] = planOf(members.schemas[k]!)
  return plan ?? bail()
}

const itemPlan = (list: ListPlan): Plan => {
  if (list.item === undefined) list.item = planOf(list.itemSchema)
  return list.item ?? bail()
}

const LT = 60
const GT = 62
const SLASH = 47
/** Ends a tag name: whitespace, `>` or `/`. */
const TAG_NAME_END = /[ \t\r\n>/]/g
const MISSING: unique symbol = Symbol("missing")

class Scanner {
  i = 0
  /** Whether the document has an `&` at all: texts are decoded only then. */
  readonly amp: boolean
  constructor(
    readonly x: string,
    readonly d: DirectDeserializer
  ) {
    this.amp = x.includes("&")
  }

  /** After the `</` of a closing tag: exactly `tag>`, else the usual path (which also reads `</tag >`). */
  elementEnd(tag: string): void {
    const { x } = this
    if (x.charCodeAt(this.i + tag.length) !== GT || !x.startsWith(tag, this.i)) bail()
    this.i += tag.length + 1
  }

  /**
   * The structure whose opening tag ended just before `this.i`, named `tag`. Its loop reads the
   * elements of one child element (what most of a document is) in place: passing over a leaf or an
   * empty element, reading a scalar member's text; structures, lists and elements with children
   * passed over go through the methods below. (Positions are kept in a local variable: this runs
   * cold, mostly before the optimizing compiler has compiled it, where every property read counts.)
   */
  struct(plan: StructPlan, tag: string): Record<string, unknown> {
    const members = membersOf(plan)
    const { x, d } = this
    const { byChar } = members
    const n = members.keys.length
    const slots: Array<unknown> = new Array(n).fill(MISSING)
    let children = false
    let text = false
    let i = this.i
    for (;;) {
      const lt = x.indexOf("<", i)
      if (lt === -1) bail()
      if (lt > i && !isIndentationAt(x, i, lt)) text = true
      i = lt + 1
      if (x.charCodeAt(i) === SLASH) {
        // </tag>, exactly (the usual path also reads `</tag >`)
        if (x.charCodeAt(i + 1 + tag.length) !== GT || !x.startsWith(tag, i + 1)) bail()
        i += tag.length + 2
        break
      }
      children = true
      // The element's name, compared in place with the names this structure has met.
      const c = x.charCodeAt(i)
      const candidates = c < 128 ? byChar[c] : undefined
      let entry: Entry | undefined
      if (candidates !== undefined) {
        for (let e = 0; e < candidates.length; e++) {
          const candidate = candidates[e]!
          const end = x.charCodeAt(i + candidate.key.length)
          if ((end === GT || end === SLASH) && x.startsWith(candidate.key, i)) {
            entry = candidate
            break
          }
        }
      }
      if (entry === undefined) {
        this.i = i
        entry = this.newName(members)
      }
      const { key, k } = entry
      const after = i + key.length
      const member = k < 0 ? undefined : (entry.plan ??= memberPlan(members, k))
      if (member !== undefined && slots[k] !== MISSING) bail()
      if (x.charCodeAt(after) === SLASH) {
        // <key/>: the parser's "", which a structure reads as {}, a list as [], a scalar as its conversion of "".
        if (x.charCodeAt(after + 1) !== GT) bail()
        i = after + 2
        if (member !== undefined) slots[k] = member.kind === 1 ? {} : member.kind === 2 ? [] : member.read(d, "")
        continue
      }
      if (member === undefined || member.kind === 0) {
        // A leaf (its text, then </key>), or an element passed over.
        const next = x.indexOf("<", after + 1)
        if (next === -1) bail()
        if (x.charCodeAt(next + 1) === SLASH) {
          if (x.charCodeAt(next + 2 + key.length) !== GT || !x.startsWith(key, next + 2)) bail()
          if (member !== undefined) slots[k] = member.read(d, this.text(after + 1, next))
          i = next + 3 + key.length
          continue
        }
        // A scalar with a child element; or an element with children to pass over, to its closing
        // tag, unless an element of the same name is inside it (or `</key>` is not how it closes).
        if (member !== undefined) bail()
        const close = x.indexOf(entry.close, next)
        if (close === -1 || x.lastIndexOf(entry.open, close) >= i) bail()
        i = close + entry.close.length
        continue
      }
      this.i = after + 1
      slots[k] = member.kind === 1 ? this.struct(member, key) : this.list(member, key)
      i = this.i
    }
    this.i = i
    if (children && text) bail()
    const out: Record<string, unknown> = {}
    if (!children) return out
    const { names } = members
    for (let k = 0; k < n; k++) if (slots[k] !== MISSING) out[names[k]!] = slots[k]
    return out
  }

  /** The text of a leaf from `start` to `end`, as the parser gives it: entities decoded, indentation "". */
  text(start: number, end: number): string {
    if (end === start) return ""
    const { x } = this
    const text = this.amp ? decodeEntities(x.slice(start, end)) : x.slice(start, end)
    // (indentation starts with white space)
    return text.charCodeAt(0) <= 32 && isIndentation(text) ? "" : text
  }

  /** The list whose opening tag ended just before `this.i`, named `tag`. */
  list(plan: ListPlan, tag: string): Array<unknown> {
    const { x, d } = this
    const { itemKey } = plan
    const out: Array<unknown> = []
    let children = false
    let text = false
    let item: Plan | undefined
    for (;;) {
      const lt = x.indexOf("<", this.i)
      if (lt === -1) bail()
      if (lt > this.i && !isIndentationAt(x, this.i, lt)) text = true
      this.i = lt + 1
      if (x.charCodeAt(this.i) === SLASH) {
        this.i++
        this.elementEnd(tag)
        break
      }
      children = true
      if (x.startsWith(itemKey, this.i)) {
        const end = x.charCodeAt(this.i + itemKey.length)
        if (end === GT || end === SLASH) {
          out.push(this.value((item ??= itemPlan(plan)), itemKey, d))
          continue
        }
      }
      this.skip(this.newName(undefined))
    }
    if (children && text) bail()
    return out
  }

  /** The element whose name (`key`) starts at `this.i`, read by `plan`. */
  value(plan: Plan, key: string, d: DirectDeserializer): unknown {
    const { x } = this
    this.i += key.length
    if (x.charCodeAt(this.i) === SLASH) {
      // <key/>: the parser's "", which a structure reads as {}, a list as [], a scalar as its conversion of "".
      if (x.charCodeAt(this.i + 1) !== GT) bail()
      this.i += 2
      return plan.kind === 1 ? {} : plan.kind === 2 ? [] : plan.read(d, "")
    }
    this.i++ // >
    if (plan.kind === 1) return this.struct(plan, key)
    if (plan.kind === 2) return this.list(plan, key)
    const lt = x.indexOf("<", this.i)
    if (lt === -1 || x.charCodeAt(lt + 1) !== SLASH) bail()
    const text = this.text(this.i, lt)
    this.i = lt + 2
    this.elementEnd(key)
    return plan.read(d, text)
  }

  /**
   * The name of the element that starts at `this.i` (after its `<`), one no entry of `members` has: an
   * element to pass over, remembered by `members` (when given, up to LEARNED names). Gives up on a
   * name followed by attributes, and on the names the usual path treats apart.
   */
  newName(members: Members | undefined): Entry {
    const { x } = this
    TAG_NAME_END.lastIndex = this.i
    if (!TAG_NAME_END.test(x)) bail()
    const end = TAG_NAME_END.lastIndex - 1
    const c = x.charCodeAt(end)
    if (c !== GT && c !== SLASH) bail()
    const name = x.slice(this.i, end)
    if (name === "__proto__" || name === "#text" || name === "") bail()
    if (members === undefined || members.learned >= LEARNED) return { key: name, k: -1, open: `<${name}`, close: `</${name}>`, plan: undefined }
    members.learned++
    return addEntry(members, name, -1)
  }

  /**
   * Passes over the element `entry` names, whose name starts at `this.i` (after its `<`), to its
   * closing tag, unread. Gives up on an element of the same name inside it (or a closing tag not
   * found as `</name>`).
   */
  skip(entry: Entry): void {
    const { x } = this
    const start = this.i
    this.i += entry.key.length
    if (x.charCodeAt(this.i) === SLASH) {
      if (x.charCodeAt(this.i + 1) !== GT) bail()
      this.i += 2
      return
    }
    // Mostly a leaf: its text, then its closing tag.
    const lt = x.indexOf("<", this.i)
    if (lt === -1) bail()
    if (x.charCodeAt(lt + 1) === SLASH) {
      this.i = lt + 2
      this.elementEnd(entry.key)
      return
    }
    const close = x.indexOf(entry.close, lt)
    if (close === -1) bail()
    // An element of the same name inside (`<name>`, `<name ...`, or `<nameMore`), or a later one: the usual path.
    if (x.lastIndexOf(entry.open, close) >= start) bail()
    this.i = close + entry.close.length
  }
}

/** The root element's opening tag: `<name` and attributes (none named as a member), then `>`. */
const rootContentStart = (x: string, from: number, members: Members): { readonly tag: string; readonly at: number } => {
  TAG_NAME_END.lastIndex = from + 1
  if (!TAG_NAME_END.test(x)) bail()
  const nameEnd = TAG_NAME_END.lastIndex - 1
  const tag = x.slice(from + 1, nameEnd)
  if (tag === "") bail()
  const close = x.indexOf(">", nameEnd)
  if (close === -1 || x.charCodeAt(close - 1) === SLASH) bail()
  const attributes = x.slice(nameEnd, close)
  if (attributes.includes("<") || attributes.includes("&")) bail()
  for (const m of attributes.matchAll(/([^\s=]+)\s*=/g)) {
    const name = m[1]!
    if (name === "__proto__" || name === "#text" || members.keys.includes(name)) bail()
  }
  // Only `name="value"` pairs: what the SDK's parser reads as attributes.
  if (!/^(?:\s+[^\s=<>"'/]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*$/.test(attributes)) bail()
  return { tag, at: close + 1 }
}

/**
 * Whether `<` and `mark` follow each other after `from`: `xml.indexOf("<" + mark, from) !== -1`, found
 * through the rare `mark` (one `<` in 18 characters makes the two-character search slow).
 */
const markupAfter = (xml: string, from: number, mark: string): boolean => {
  for (let j = xml.indexOf(mark, from); j !== -1; j = xml.indexOf(mark, j + 1)) if (xml.charCodeAt(j - 1) === LT) return true
  return false
}

/**
 * The SDK's `readSchema(schema, parseXml(xml))` for an output structure, or `undefined` where this
 * reader does not go (see the top of this file): the caller then reads the document the usual way.
 */
export const directRead = (text: string, ns: NormalizedSchema, d: DirectDeserializer): Record<string, unknown> | undefined => {
  const plan = planOf(ns)
  if (plan === null || plan.kind !== 1) return undefined
  // Line ends as the parser reads them (./xmlParser.ts, as the SDK's).
  const xml = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text
  try {
    const members = membersOf(plan)
    // The prolog: an XML declaration and white space only.
    let i = 0
    for (;;) {
      while (i < xml.length && (xml.charCodeAt(i) === 32 || xml.charCodeAt(i) === 10 || xml.charCodeAt(i) === 9)) i++
      if (!xml.startsWith("<?", i)) break
      const end = xml.indexOf("?>", i)
      if (end === -1) return undefined
      i = end + 2
    }
    if (xml.charCodeAt(i) !== LT || markupAfter(xml, i, "!") || markupAfter(xml, i, "?")) return undefined
    const root = rootContentStart(xml, i, members)
    const scanner = new Scanner(xml, d)
    scanner.i = root.at
    // The root with no child element is "" or its text to the SDK, which its walk reads as {}: the usual path.
    const lt = xml.indexOf("<", root.at)
    if (lt === -1 || xml.charCodeAt(lt + 1) === SLASH) return undefined
    return scanner.struct(plan, root.tag)
  } catch {
    // BAIL, or a conversion that throws (a timestamp the SDK rejects): the usual path gives the SDK's
    // value or error, in the SDK's order (a parse error later in the document comes first there).
    return undefined
  }
}
