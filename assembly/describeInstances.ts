// AssemblyScript, compiled by scripts/wasm.mjs into src/lib/describeInstancesWasm.ts (called by
// src/layers/ec2Bytes.ts): an EC2 DescribeInstances answer's bytes read for the fields `aegea ls` maps,
// in one pass, element by element, with no string and no element object: where each field's text is.
// The fields and their choice are layers/Ec2QueryLive.ts's plan (describeInstancesPlan, instanceTexts):
// the first reservationSet of the root, its items, the first instancesSet of each, its items; of each
// instance the first child of each name the plan reads. Anything the reader is not sure to read as
// lib/xmlTree.ts's parseXml does (an entity, a comment, CDATA, a prefix, a leaf with elements inside,
// a line break in a text with characters outside printable ASCII, nesting deeper than 64) returns 1
// and the caller reads the text as before; so does anything parseXml refuses.
//
// Output, from `out` on, records of 32-bit words: an instance (INSTANCE, then a [start, end) pair per
// field, start -1 when absent, then 5 words saying whether instanceState, placement,
// iamInstanceProfile, tagSet and groupSet are present), then the tags and groups of its first tagSet
// and groupSet (TAG or GROUP, then two pairs: key and value, groupName and groupId). The pairs are
// offsets in the text area (from `text` on), where each field's text is copied, one after another,
// so that the caller makes one string of them all and slices it.

export let outWords: i32 = 0
export let textLength: i32 = 0
export let tokenStart: i32 = -1
export let tokenEnd: i32 = -1

const INSTANCE: i32 = 1
const TAG: i32 = 2
const GROUP: i32 = 3
/** Words of an instance record: the kind, 16 pairs, 5 presence flags. */
const INSTANCE_WORDS: i32 = 1 + 32 + 5
const ITEM_WORDS: i32 = 5

// contexts: what the open element is
const OTHER: i32 = 0
const ROOT: i32 = 1
const RESERVATIONS: i32 = 2
const RESERVATION: i32 = 3
const INSTANCES: i32 = 4
const INSTANCE_ITEM: i32 = 5
const STATE: i32 = 6
const PLACEMENT: i32 = 7
const PROFILE: i32 = 8
const TAGS: i32 = 9
const TAG_ITEM: i32 = 10
const GROUPS: i32 = 11
const GROUP_ITEM: i32 = 12

// instance fields (pair index in the record)
const F_ID: i32 = 0
const F_TYPE: i32 = 1
const F_PRIVATE_IP: i32 = 2
const F_IP: i32 = 3
const F_DNS: i32 = 4
const F_PRIVATE_DNS: i32 = 5
const F_LAUNCH: i32 = 6
const F_LIFECYCLE: i32 = 7
const F_IMAGE: i32 = 8
const F_VPC: i32 = 9
const F_SUBNET: i32 = 10
const F_KEY: i32 = 11
const F_ARCH: i32 = 12
const F_STATE_NAME: i32 = 13
const F_ZONE: i32 = 14
const F_ARN: i32 = 15

let end: i32 = 0
let outAt: i32 = 0
let outEnd: i32 = 0
let stackAt: i32 = 0
/** The open instance record's address, the open tag or group item's. */
let instanceAt: i32 = 0
let itemAt: i32 = 0
/** Bits: which names have been seen in the open instance (its "first of each name"), tag or group item, reservation, root. */
let instanceSeen: i32 = 0
let itemSeen: i32 = 0
let reservationSeen: bool = false
let rootSeen: i32 = 0

// @ts-ignore: decorator
@inline function at(p: i32): u32 { return <u32>load<u8>(p) }
// @ts-ignore: decorator
@inline function isWs(c: u32): bool { return c == 32 || c == 10 || c == 13 || c == 9 }

function is(p: i32, length: i32, s: string): bool {
  if (length != s.length) return false
  for (let i = 0; i < length; i++) if (at(p + i) != <u32>s.charCodeAt(i)) return false
  return true
}

/** A word of the output, or false when there is no room. */
function room(words: i32): bool {
  return outAt + (words << 2) <= outEnd
}

function word(v: i32): void {
  store<i32>(outAt, v)
  outAt += 4
}

/** Bit of a child's name in its parent's "seen" set, and what to do with it: a context (>= 0) or a leaf (-1 - pair, -100 - item pair). */
let bit: i32 = 0
let leaf: i32 = -1

/** What the child `name` [p, p + length) of an element in context `parent` is: sets `bit` and `leaf`, returns its context (-1: a leaf, see `leaf`). */
function childOf(parent: i32, p: i32, length: i32): i32 {
  bit = 0
  leaf = -1
  if (parent == ROOT) {
    if (is(p, length, "reservationSet")) { bit = 1; return RESERVATIONS }
    if (is(p, length, "nextToken")) { bit = 2; leaf = 100; return -1 }
    return OTHER
  }
  if (parent == RESERVATIONS) return is(p, length, "item") ? RESERVATION : OTHER
  if (parent == RESERVATION) {
    if (is(p, length, "instancesSet")) { bit = 1; return INSTANCES }
    return OTHER
  }
  if (parent == INSTANCES) return is(p, length, "item") ? INSTANCE_ITEM : OTHER
  if (parent == INSTANCE_ITEM) {
    const c = at(p)
    // by first character, then the whole name
    if (c == 105) {
      if (is(p, length, "instanceId")) { bit = 1 << F_ID; leaf = F_ID; return -1 }
      if (is(p, length, "instanceType")) { bit = 1 << F_TYPE; leaf = F_TYPE; return -1 }
      if (is(p, length, "ipAddress")) { bit = 1 << F_IP; leaf = F_IP; return -1 }
      if (is(p, length, "instanceLifecycle")) { bit = 1 << F_LIFECYCLE; leaf = F_LIFECYCLE; return -1 }
      if (is(p, length, "imageId")) { bit = 1 << F_IMAGE; leaf = F_IMAGE; return -1 }
      if (is(p, length, "instanceState")) { bit = 1 << 16; return STATE }
      if (is(p, length, "iamInstanceProfile")) { bit = 1 << 17; return PROFILE }
      return OTHER
    }
    if (c == 112) {
      if (is(p, length, "privateIpAddress")) { bit = 1 << F_PRIVATE_IP; leaf = F_PRIVATE_IP; return -1 }
      if (is(p, length, "privateDnsName")) { bit = 1 << F_PRIVATE_DNS; leaf = F_PRIVATE_DNS; return -1 }
      if (is(p, length, "placement")) { bit = 1 << 18; return PLACEMENT }
      return OTHER
    }
    if (is(p, length, "dnsName")) { bit = 1 << F_DNS; leaf = F_DNS; return -1 }
    if (is(p, length, "launchTime")) { bit = 1 << F_LAUNCH; leaf = F_LAUNCH; return -1 }
    if (is(p, length, "vpcId")) { bit = 1 << F_VPC; leaf = F_VPC; return -1 }
    if (is(p, length, "subnetId")) { bit = 1 << F_SUBNET; leaf = F_SUBNET; return -1 }
    if (is(p, length, "keyName")) { bit = 1 << F_KEY; leaf = F_KEY; return -1 }
    if (is(p, length, "architecture")) { bit = 1 << F_ARCH; leaf = F_ARCH; return -1 }
    if (is(p, length, "tagSet")) { bit = 1 << 19; return TAGS }
    if (is(p, length, "groupSet")) { bit = 1 << 20; return GROUPS }
    return OTHER
  }
  if (parent == STATE) {
    if (is(p, length, "name")) { bit = 1 << 21; leaf = F_STATE_NAME; return -1 }
    return OTHER
  }
  if (parent == PLACEMENT) {
    if (is(p, length, "availabilityZone")) { bit = 1 << 22; leaf = F_ZONE; return -1 }
    return OTHER
  }
  if (parent == PROFILE) {
    if (is(p, length, "arn")) { bit = 1 << 23; leaf = F_ARN; return -1 }
    return OTHER
  }
  if (parent == TAGS || parent == GROUPS) return is(p, length, "item") ? (parent == TAGS ? TAG_ITEM : GROUP_ITEM) : OTHER
  if (parent == TAG_ITEM) {
    if (is(p, length, "key")) { bit = 1; leaf = 200; return -1 }
    if (is(p, length, "value")) { bit = 2; leaf = 201; return -1 }
    return OTHER
  }
  if (parent == GROUP_ITEM) {
    if (is(p, length, "groupName")) { bit = 1; leaf = 200; return -1 }
    if (is(p, length, "groupId")) { bit = 2; leaf = 201; return -1 }
    return OTHER
  }
  return OTHER
}

let textAt: i32 = 0
let textBase: i32 = 0
let textEnd_: i32 = 0

/** Records a leaf's text [bodyStart, bodyEnd) where `leaf` says: copied to the text area, its place there recorded. False when there is no room. */
function setLeaf(bodyStart: i32, bodyEnd: i32): bool {
  const length = bodyEnd - bodyStart
  if (textAt + length > textEnd_) return false
  memory.copy(textAt, bodyStart, length)
  const s = textAt - textBase
  const e = s + length
  textAt += length
  if (leaf == 100) {
    tokenStart = s
    tokenEnd = e
  } else if (leaf >= 200) {
    const a = itemAt + 4 + (leaf - 200) * 8
    store<i32>(a, s)
    store<i32>(a + 4, e)
  } else {
    const a = instanceAt + 4 + leaf * 8
    store<i32>(a, s)
    store<i32>(a + 4, e)
  }
  return true
}

/** Marks a parent element of the instance as present (its flag word). */
function setPresent(context: i32): void {
  const flag = context == STATE ? 0 : context == PLACEMENT ? 1 : context == PROFILE ? 2 : context == TAGS ? 3 : 4
  store<i32>(instanceAt + 4 + 32 * 4 + flag * 4, 1)
}

/**
 * The end of a leaf's text [from, returned) when its content is plain text followed by `</NAME>`
 * (NAME at [name, name + length)), -1 otherwise. `textEnd` is set to where the text ends.
 */
let textEnd: i32 = 0
function leafEnd(from: i32, name: i32, length: i32): i32 {
  let q = from
  let lineBreak = false
  let other = false
  while (q < end) {
    const c = at(q)
    if (c == 60) break
    if (c == 38) return -1 // an entity: parseXml decodes it
    if (c == 10) lineBreak = true
    else if (!(c == 32 || c == 13 || c == 9)) {
      if (c < 33 || c > 126) other = true
    }
    q++
  }
  if (q + 3 + length > end || at(q + 1) != 47 || at(q + 2 + length) != 62) return -1
  for (let i = 0; i < length; i++) if (at(q + 2 + i) != at(name + i)) return -1
  if (lineBreak) {
    // parseXml drops a text that is whitespace with a line break (indentation): told here for ASCII only
    if (other) return -1
    let blank = true
    for (let k = from; k < q; k++) {
      if (!isWs(at(k))) {
        blank = false
        break
      }
    }
    textEnd = blank ? from : q
  } else textEnd = q
  return q + 3 + length
}

/**
 * Reads the answer at [body, body + n): 0, the records written from `out` (`outWords` of them), the
 * texts from `text` (`textLength` bytes) and the next token's place set; 1: an answer this does not
 * read (the caller reads the text); 2: no room. `stack` has room for 64 open elements (3 words each).
 */
export function read(body: i32, n: i32, out: i32, outBytes: i32, stack: i32, text: i32, textBytes: i32): i32 {
  end = body + n
  outAt = out
  outEnd = out + outBytes
  textAt = text
  textBase = text
  textEnd_ = text + textBytes
  stackAt = stack
  tokenStart = -1
  tokenEnd = -1
  rootSeen = 0
  let depth = 0
  let rootDone = false
  let p = body
  while (p < end) {
    const c = at(p)
    if (c != 60) {
      // character data: outside the root only whitespace; inside, only what no planned leaf reads
      if (depth == 0 && !isWs(c)) return 1
      p++
      continue
    }
    if (p + 1 >= end) return 1
    const next = at(p + 1)
    if (next == 63) {
      // a declaration or processing instruction: before the root only
      if (depth > 0 || rootDone) return 1
      let q = p + 2
      while (q + 1 < end && !(at(q) == 63 && at(q + 1) == 62)) q++
      if (q + 1 >= end) return 1
      p = q + 2
      continue
    }
    if (next == 33) return 1 // comments, CDATA, DOCTYPE: parseXml reads them
    if (next == 47) {
      // an end tag: the open element's name, then ">" (whitespace allowed before it)
      if (depth == 0) return 1
      depth--
      const top = stackAt + depth * 12
      const name = load<i32>(top)
      const length = load<i32>(top + 4)
      if (p + 2 + length > end) return 1
      for (let i = 0; i < length; i++) if (at(p + 2 + i) != at(name + i)) return 1
      let q = p + 2 + length
      while (q < end && isWs(at(q))) q++
      if (q >= end || at(q) != 62) return 1
      p = q + 1
      if (depth == 0) rootDone = true
      continue
    }
    // a start tag: its name, then attributes (skipped, quoted values too), then ">" or "/>"
    if (rootDone) return 1
    const name = p + 1
    let q = name
    while (q < end) {
      const d = at(q)
      if (d == 62 || d == 47 || isWs(d)) break
      if (d == 58) return 1 // a prefix: parseXml reads the local name
      q++
    }
    const length = q - name
    if (length == 0 || q >= end) return 1
    let quote: u32 = 0
    while (q < end) {
      const d = at(q)
      if (quote != 0) {
        if (d == quote) quote = 0
      } else if (d == 34 || d == 39) quote = d
      else if (d == 62) break
      q++
    }
    if (q >= end) return 1
    const selfClosing = at(q - 1) == 47
    const after = q + 1
    // what it is
    const parent = depth == 0 ? -2 : load<i32>(stackAt + (depth - 1) * 12 + 8)
    let context = OTHER
    if (parent == -2) context = ROOT
    else if (parent != OTHER) {
      context = childOf(parent, name, length)
      // the first of each name only (parseXml's `child`, instanceTexts's `??=`)
      if (bit != 0) {
        let seen = parent == ROOT ? rootSeen : parent == RESERVATION ? (reservationSeen ? 1 : 0) : parent == TAG_ITEM || parent == GROUP_ITEM ? itemSeen : instanceSeen
        if ((seen & bit) != 0) context = OTHER
        else {
          seen |= bit
          if (parent == ROOT) rootSeen = seen
          else if (parent == RESERVATION) reservationSeen = true
          else if (parent == TAG_ITEM || parent == GROUP_ITEM) itemSeen = seen
          else instanceSeen = seen
        }
      }
    }
    if (context == -1) {
      if (selfClosing) {
        setLeaf(after, after)
        p = after
        continue
      }
      const e = leafEnd(after, name, length)
      if (e < 0) return 1
      if (!setLeaf(after, textEnd)) return 2
      p = e
      continue
    }
    if (context == RESERVATION) reservationSeen = false
    else if (context == INSTANCE_ITEM) {
      if (!room(INSTANCE_WORDS)) return 2
      instanceAt = outAt
      word(INSTANCE)
      for (let i = 0; i < 32; i++) word(-1)
      for (let i = 0; i < 5; i++) word(0)
      instanceSeen = 0
    } else if (context == STATE || context == PLACEMENT || context == PROFILE || context == TAGS || context == GROUPS) setPresent(context)
    else if (context == TAG_ITEM || context == GROUP_ITEM) {
      if (!room(ITEM_WORDS)) return 2
      itemAt = outAt
      word(context == TAG_ITEM ? TAG : GROUP)
      for (let i = 0; i < 4; i++) word(-1)
      itemSeen = 0
    }
    if (selfClosing) {
      if (depth == 0) rootDone = true
      p = after
      continue
    }
    if (depth == 64) return 1
    const top = stackAt + depth * 12
    store<i32>(top, name)
    store<i32>(top + 4, length)
    store<i32>(top + 8, context)
    depth++
    p = after
  }
  if (depth != 0 || !rootDone) return 1
  outWords = (outAt - out) >> 2
  textLength = textAt - text
  return 0
}
