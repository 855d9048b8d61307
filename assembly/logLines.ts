// AssemblyScript, compiled by scripts/wasm.mjs into src/lib/logLinesWasm.ts (see that file and
// src/lib/logBytes.ts, which calls it): a FilterLogEvents answer's JSON bytes made into the lines
// `aegea logs GROUP` prints, without colour, in one pass over the bytes and with no string per event.
// The same lines as src/lib/logText.ts and src/lib/logLines.ts's pageTextLines make from the text:
// "\n", the ISO time, " ", the group prefix JS gives (or nothing), the stream, " ", the message, per
// event; a message's further lines indented as progress.ts's logLine lays them out. Anything outside
// what those accept, and a few shapes they handle that this does not (a line break in a message after
// a stream or group name that is not printable ASCII, a time outside the years 0-9999, a lone
// surrogate), returns 1 and the caller reads the page as before. Memory: the caller puts the body, the output and a scratch area
// above 64 KiB (below is this module's static data) and grows the memory to fit.

/** Set by `lines` when it returns 0: the output's length, the events, where the list's "]" is. */
export let outLen: i32 = 0
export let count: i32 = 0
export let restAt: i32 = 0

// @ts-ignore: decorator
@inline function isWs(c: u32): bool { return c == 32 || c == 10 || c == 13 || c == 9 }
// @ts-ignore: decorator
@inline function at(p: i32): u32 { return <u32>load<u8>(p) }
// @ts-ignore: decorator
@inline function isDigit(c: u32): bool { return c - 48 < 10 }

let end: i32 = 0
let o: i32 = 0

function skipWs(p: i32): i32 {
  while (p < end && isWs(at(p))) p++
  return p
}

function hexValue(c: u32): i32 {
  if (c - 48 < 10) return <i32>c - 48
  if (c - 65 < 6) return <i32>c - 55
  if (c - 97 < 6) return <i32>c - 87
  return -1
}

/** The four hex digits at p as a number, -1 if they are not four hex digits (or not all in the body). */
function hex4(p: i32): i32 {
  if (p + 4 > end) return -1
  const a = hexValue(at(p))
  const b = hexValue(at(p + 1))
  const c = hexValue(at(p + 2))
  const d = hexValue(at(p + 3))
  if ((a | b | c | d) < 0) return -1
  return (a << 12) | (b << 8) | (c << 4) | d
}

let escaped: bool = false

/** The index of the closing quote of the JSON string whose opening quote is at p, -1 if it is not one; `escaped` says whether it has escapes. */
function stringEnd(p: i32): i32 {
  escaped = false
  let q = p + 1
  while (q < end) {
    const c = at(q)
    if (c == 34) return q
    if (c < 32) return -1
    if (c == 92) {
      escaped = true
      if (q + 1 >= end) return -1
      const e = at(q + 1)
      if (e == 34 || e == 92 || e == 47 || e == 98 || e == 102 || e == 110 || e == 114 || e == 116) q += 2
      else if (e == 117 && hex4(q + 2) >= 0) q += 6
      else return -1
    } else q++
  }
  return -1
}

/** A byte of printable ASCII (the width of such a text is its length). */
function isPlainAscii(c: u32): bool {
  return c >= 32 && c < 127
}

// @ts-ignore: decorator
@inline function put(c: u32): void {
  store<u8>(o, c)
  o++
}

/** Whether the last string copied had a line break ("\n" or "\u000a"). */
let lineBreak: bool = false
/** Where a message with line breaks is moved to be laid out (room for the longest message: the body's length). */
let moved: i32 = 0

/**
 * The content [s, e) of a valid JSON string, its escapes decoded, written out as UTF-8 (`lineBreak`
 * set when it has a line break); false (the page is read otherwise) for a lone surrogate.
 */
function copyString(s: i32, e: i32, withEscapes: bool): bool {
  lineBreak = false
  if (!withEscapes) {
    memory.copy(o, s, e - s)
    o += e - s
    return true
  }
  let q = s
  while (q < e) {
    const c = at(q)
    if (c != 92) {
      put(c)
      q++
      continue
    }
    const x = at(q + 1)
    q += 2
    if (x == 110) {
      put(10)
      lineBreak = true
    } else if (x == 34 || x == 92 || x == 47) put(x)
    else if (x == 98) put(8)
    else if (x == 102) put(12)
    else if (x == 114) put(13)
    else if (x == 116) put(9)
    else {
      let cp = hex4(q)
      q += 4
      if (cp == 10) lineBreak = true
      if (cp >= 0xdc00 && cp <= 0xdfff) return false
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (q + 6 > e || at(q) != 92 || at(q + 1) != 117) return false
        const low = hex4(q + 2)
        if (low < 0xdc00 || low > 0xdfff) return false
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00)
        q += 6
      }
      if (cp < 0x80) put(cp)
      else if (cp < 0x800) {
        put(0xc0 | (cp >> 6))
        put(0x80 | (cp & 63))
      } else if (cp < 0x10000) {
        put(0xe0 | (cp >> 12))
        put(0x80 | ((cp >> 6) & 63))
        put(0x80 | (cp & 63))
      } else {
        put(0xf0 | (cp >> 18))
        put(0x80 | ((cp >> 12) & 63))
        put(0x80 | ((cp >> 6) & 63))
        put(0x80 | (cp & 63))
      }
    }
  }
  return true
}

function sameText(p: i32, s: string): bool {
  if (p + s.length > end) return false
  for (let i = 0; i < s.length; i++) if (at(p + i) != <u32>s.charCodeAt(i)) return false
  return true
}

/** Which member the key [k, q) names: 0 logStreamName, 1 timestamp, 2 message, 3 ingestionTime, 4 eventId; -1 another. */
function keyOf(k: i32, q: i32): i32 {
  const length = q - k
  const c = at(k)
  if (length == 13 && c == 108) return sameText(k, "logStreamName") ? 0 : -1
  if (length == 9 && c == 116) return sameText(k, "timestamp") ? 1 : -1
  if (length == 7 && c == 109) return sameText(k, "message") ? 2 : -1
  if (length == 13 && c == 105) return sameText(k, "ingestionTime") ? 3 : -1
  if (length == 7 && c == 101) return sameText(k, "eventId") ? 4 : -1
  return -1
}

function isNull(p: i32): bool {
  return p + 4 <= end && at(p) == 110 && at(p + 1) == 117 && at(p + 2) == 108 && at(p + 3) == 108
}

/** The end of the JSON number at p, -1 if there is none. */
function numberEnd(p: i32): i32 {
  let q = p
  if (q < end && at(q) == 45) q++
  if (q < end && at(q) == 48) q++
  else if (q < end && at(q) - 49 < 9) {
    q++
    while (q < end && isDigit(at(q))) q++
  } else return -1
  if (q < end && at(q) == 46) {
    q++
    if (!(q < end && isDigit(at(q)))) return -1
    while (q < end && isDigit(at(q))) q++
  }
  if (q < end && (at(q) == 101 || at(q) == 69)) {
    q++
    if (q < end && (at(q) == 43 || at(q) == 45)) q++
    if (!(q < end && isDigit(at(q)))) return -1
    while (q < end && isDigit(at(q))) q++
  }
  return q
}

// @ts-ignore: decorator
@inline function two(p: i32, v: i32): void {
  store<u8>(p, 48 + v / 10)
  store<u8>(p + 1, 48 + (v % 10))
}

/** "YYYY-MM-DDTHH:MM:SS." of the second `second` (since the epoch) at p; false outside the years 0-9999. */
function secondText(p: i32, second: i64): bool {
  let days = second / 86400
  let rest = second % 86400
  if (rest < 0) {
    rest += 86400
    days -= 1
  }
  // days to the civil date (H. Hinnant's algorithm)
  const z = days + 719468
  const era = (z >= 0 ? z : z - 146096) / 146097
  const dayOfEra = z - era * 146097
  const yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
  const dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
  const mp = (5 * dayOfYear + 2) / 153
  const day = dayOfYear - (153 * mp + 2) / 5 + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  if (year < 0 || year > 9999) return false
  two(p, <i32>(year / 100))
  two(p + 2, <i32>(year % 100))
  store<u8>(p + 4, 45)
  two(p + 5, <i32>month)
  store<u8>(p + 7, 45)
  two(p + 8, <i32>day)
  store<u8>(p + 10, 84)
  const s = <i32>rest
  two(p + 11, s / 3600)
  store<u8>(p + 13, 58)
  two(p + 14, (s / 60) % 60)
  store<u8>(p + 16, 58)
  two(p + 17, s % 60)
  store<u8>(p + 19, 46)
  return true
}

/**
 * The lines of the answer at [body, body + n) written at `out` (room for `room` bytes), each after a
 * "\n", with `prefixLength` bytes at `prefix` before each stream name ("group:" or nothing); `scratch`
 * holds 20 bytes of this function's own, `scratchMessage` as many as the longest message. 0: done (`outLen`, `count`,
 * `restAt` set); 1: not an answer this reads (the caller reads it otherwise); 2: out of room.
 */
export function lines(body: i32, n: i32, out: i32, room: i32, prefix: i32, prefixLength: i32, scratch: i32, scratchMessage: i32): i32 {
  end = body + n
  moved = scratchMessage
  o = out
  const outEnd = out + room
  let second: i64 = i64.MIN_VALUE
  let lastTime: i64 = i64.MIN_VALUE
  let events = 0
  let p = skipWs(body)
  if (p >= end || at(p) != 123) return 1
  p = skipWs(p + 1)
  if (!sameText(p, "\"events\"")) return 1
  p = skipWs(p + 8)
  if (p >= end || at(p) != 58) return 1
  p = skipWs(p + 1)
  if (p >= end || at(p) != 91) return 1
  p = skipWs(p + 1)
  if (p >= end) return 1
  if (at(p) != 93) {
    while (true) {
      if (p >= end || at(p) != 123) return 1
      p++
      let seen = 0
      let streamStart = -1
      let streamEnd = -1
      let streamEscaped = false
      let messageStart = -1
      let messageEnd = -1
      let messageEscaped = false
      let time: i64 = 0
      while (true) {
        p = skipWs(p)
        if (p >= end || at(p) != 34) return 1
        const k = p + 1
        let q = k
        while (q < end) {
          const c = at(q)
          if (c == 34 || c == 92 || c < 32) break
          q++
        }
        if (q >= end || at(q) != 34) return 1
        const key = keyOf(k, q)
        if (key < 0 || (seen & (1 << key)) != 0) return 1
        seen |= 1 << key
        p = skipWs(q + 1)
        if (p >= end || at(p) != 58) return 1
        p = skipWs(p + 1)
        if (key == 1) {
          // an integer of at most 15 digits
          let negative = false
          if (p < end && at(p) == 45) {
            negative = true
            p++
          }
          let value: i64 = 0
          if (p < end && at(p) == 48) p++
          else if (p < end && at(p) - 49 < 9) {
            const start = p
            while (p < end && isDigit(at(p))) {
              value = value * 10 + <i64>(at(p) - 48)
              p++
            }
            if (p - start > 15) return 1
          } else return 1
          time = negative ? -value : value
        } else if (key == 3) {
          if (isNull(p)) p += 4
          else {
            const e = numberEnd(p)
            if (e < 0) return 1
            p = e
          }
        } else if (isNull(p)) {
          p += 4
          if (key == 0) streamStart = -1
          else if (key == 2) messageStart = -1
        } else {
          if (p >= end || at(p) != 34) return 1
          const e = stringEnd(p)
          if (e < 0) return 1
          if (key == 0) {
            streamStart = p + 1
            streamEnd = e
            streamEscaped = escaped
          } else if (key == 2) {
            messageStart = p + 1
            messageEnd = e
            messageEscaped = escaped
          }
          p = e + 1
        }
        p = skipWs(p)
        if (p >= end) return 1
        const c = at(p)
        if (c == 44) {
          p++
          continue
        }
        if (c == 125) {
          p++
          break
        }
        return 1
      }
      if (seen != 31) return 1
      if (time < lastTime) return 1
      lastTime = time
      // decoded text is never longer than its JSON
      const streamLength = streamStart < 0 ? 0 : streamEnd - streamStart
      const messageLength = messageStart < 0 ? 0 : messageEnd - messageStart
      if (o + 27 + prefixLength + streamLength + messageLength > outEnd) return 2
      let millis = time % 1000
      if (millis < 0) millis += 1000
      const thisSecond = (time - millis) / 1000
      if (thisSecond != second) {
        if (!secondText(scratch, thisSecond)) return 1
        second = thisSecond
      }
      put(10)
      memory.copy(o, scratch, 20)
      o += 20
      const m = <i32>millis
      put(48 + m / 100)
      put(48 + ((m / 10) % 10))
      put(48 + (m % 10))
      put(90)
      put(32)
      if (prefixLength > 0) {
        memory.copy(o, prefix, prefixLength)
        o += prefixLength
      }
      const streamAt = o
      if (streamStart >= 0 && !copyString(streamStart, streamEnd, streamEscaped)) return 1
      const streamBytes = o - streamAt
      put(32)
      const messageAt = o
      if (messageStart >= 0 && !copyString(messageStart, messageEnd, messageEscaped)) return 1
      if (messageStart >= 0 && lineBreak) {
        // laid out as logLine does: "\r\n" as "\n", trailing line breaks dropped, each further line
        // indented under the first by the prefix's width plus one (ASCII prefixes only: its width is then its length)
        for (let k = 0; k < prefixLength; k++) if (!isPlainAscii(at(prefix + k))) return 1
        for (let k = 0; k < streamBytes; k++) if (!isPlainAscii(at(streamAt + k))) return 1
        const indent = 24 + 1 + prefixLength + streamBytes + 1
        const length = o - messageAt
        // the decoded message moved to the scratch area, then written back laid out
        memory.copy(moved, messageAt, length)
        let last = length
        // trailing line breaks (after "\r\n" became "\n": a "\r" before a trailing "\n" goes too)
        while (last > 0) {
          const c = at(moved + last - 1)
          if (c == 10) last--
          else if (c == 13 && last < length && at(moved + last) == 10) last--
          else break
        }
        let breaks = 0
        for (let k = 0; k < last; k++) if (at(moved + k) == 10) breaks++
        if (messageAt + last + breaks * indent > outEnd) return 2
        o = messageAt
        let k = 0
        while (k < last) {
          const c = at(moved + k)
          if (c == 13 && k + 1 < length && at(moved + k + 1) == 10) {
            // "\r\n": one line break (kept only before more of the message)
            k++
            continue
          }
          if (c == 10) {
            put(10)
            memory.fill(o, 32, indent)
            o += indent
          } else put(c)
          k++
        }
      }
      events++
      p = skipWs(p)
      if (p >= end) return 1
      if (at(p) == 44) {
        p = skipWs(p + 1)
        if (p >= end || at(p) != 123) return 1
        continue
      }
      if (at(p) == 93) break
      return 1
    }
  }
  outLen = o - out
  count = events
  restAt = p - body
  return 0
}
