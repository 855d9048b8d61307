/**
 * A DescribeInstances answer read from its bytes by WebAssembly (assembly/describeInstances.ts, in
 * ../lib/describeInstancesWasm.ts): the instances and next token `readDescribeInstances`
 * (Ec2QueryLive.ts) reads from the answer's text, for `aegea ls` over thousands of instances.
 *
 * Why: the text path decodes the whole answer (9.5 MB for 3,000 instances) into a string, builds an
 * element object for every field the plan keeps, then an SDK-shaped object per instance from them; the
 * module reads the bytes once, element by element, and says where each field's text is, and only those
 * texts become strings (sliced from the bytes), straight into the SDK-shaped object `toInstance` maps.
 *
 * The same instances or `undefined`, never others: what the module is not sure to read as parseXml does
 * (see assembly/describeInstances.ts) gives `undefined`, and the caller reads the text as before, which
 * also gives its errors. test/unit/ec2Bytes.test.ts compares the two. Answers under MIN_BYTES are left
 * to the text path.
 */
import { isAscii, isUtf8 } from "node:buffer"
import { toInstance } from "./ec2Mapping.ts"
import { describeInstancesWasm } from "../lib/describeInstancesWasm.ts"
import { ensureMemory, WASM_BASE, type WasmGlobal, type WasmMemory, wasmExports } from "../lib/wasm.ts"
import type { Instance } from "../services/Ec2.ts"

/** Smaller answers are read from their text. */
export const MIN_BYTES = 64 * 1024

interface ReaderModule {
  readonly memory: WasmMemory
  readonly read: (body: number, n: number, out: number, outBytes: number, stack: number, text: number, textBytes: number) => number
  readonly outWords: WasmGlobal
  readonly textLength: WasmGlobal
  readonly tokenStart: WasmGlobal
  readonly tokenEnd: WasmGlobal
}

// the records the module writes (see assembly/describeInstances.ts)
const INSTANCE = 1
const TAG = 2
const INSTANCE_WORDS = 38
const ITEM_WORDS = 5
const STACK_BYTES = 64 * 12

/** Where the module's memory holds what: the body at WASM_BASE, then the reader's stack and its records. */
const layout = (n: number) => {
  const stackAt = WASM_BASE + ((n + 7) & ~7)
  const outAt = stackAt + STACK_BYTES
  // about 6% of a moto answer; an answer that needs more (thousands of empty items) is read as text
  const outBytes = (n >> 1) + 65536
  // the fields' texts, never more than the body (only the pages written to are touched)
  const textAt = outAt + outBytes
  return { stackAt, outAt, outBytes, textAt, end: textAt + n }
}

/** Whether the module's memory is lent to a body being collected (describeInstancesArea). */
let lent = false

/**
 * The module's memory lent for one answer's body (signedCall's `area`): the answer is collected
 * straight into it, with no buffer of its own to fill and copy (9.5 MB for 3,000 instances, fresh
 * memory each time); one body at a time (a second concurrent call collects into a buffer and is read
 * as text while the memory is lent), given back when the call's attempt ends.
 */
export const describeInstancesArea = () => {
  let mine = false
  return {
    take: (length: number): Uint8Array | undefined => {
      if (lent || length < MIN_BYTES) return undefined
      const wasm = wasmExports<ReaderModule>(describeInstancesWasm)
      if (wasm === null || !ensureMemory(wasm.memory, layout(length).end)) return undefined
      lent = mine = true
      return new Uint8Array(wasm.memory.buffer, WASM_BASE, length)
    },
    release: (): void => {
      if (mine) lent = mine = false
    }
  }
}

/**
 * The instances and next token of a DescribeInstances answer's bytes, as `readDescribeInstances` gives
 * them for its text, or undefined where the text must be read (see above). Never throws.
 * (`minBytes`: MIN_BYTES but in tests.)
 */
export const readDescribeInstancesBytes = (
  body: Uint8Array,
  minBytes = MIN_BYTES
): readonly [ReadonlyArray<Instance>, string | undefined] | undefined => {
  if (body.length < minBytes) return undefined
  try {
    return readWithModule(body)
  } catch {
    // a trap of the module (a fault of its own): the text path reads the answer
    return undefined
  }
}

const readWithModule = (body: Uint8Array): readonly [ReadonlyArray<Instance>, string | undefined] | undefined => {
  const wasm = wasmExports<ReaderModule>(describeInstancesWasm)
  if (wasm === null) return undefined
  const ascii = isAscii(body)
  if (!ascii && !isUtf8(body)) return undefined
  const n = body.length
  const { outAt, outBytes, stackAt, textAt, end } = layout(n)
  // collected into the lent memory already, or copied there (not while it is lent to another body)
  const inPlace = body.buffer === wasm.memory.buffer && body.byteOffset === WASM_BASE
  if (!inPlace) {
    if (lent || !ensureMemory(wasm.memory, end)) return undefined
    new Uint8Array(wasm.memory.buffer).set(body, WASM_BASE)
  } else if (wasm.memory.buffer.byteLength < end) return undefined
  if (wasm.read(WASM_BASE, n, outAt, outBytes, stackAt, textAt, n) !== 0) return undefined
  const words = new Int32Array(wasm.memory.buffer, outAt, wasm.outWords.value)
  // the fields' texts: one string sliced (all ASCII), else each decoded from its bytes
  const texts = Buffer.from(wasm.memory.buffer, textAt, wasm.textLength.value)
  const all = ascii ? texts.toString("latin1") : undefined
  /** The text at [start, end) of the text area, undefined for -1. */
  const text = (start: number, end: number): string | undefined =>
    start < 0 ? undefined : start === end ? "" : all !== undefined ? all.slice(start, end) : texts.toString("utf8", start, end)
  const instances: Array<Instance> = []
  let k = 0
  while (k < words.length) {
    if (words[k] !== INSTANCE) return undefined
    const f = k + 1
    const field = (i: number) => text(words[f + 2 * i]!, words[f + 2 * i + 1]!)
    k += INSTANCE_WORDS
    const tags: Array<{ Key: string | undefined; Value: string | undefined }> = []
    const groups: Array<{ GroupName: string | undefined; GroupId: string | undefined }> = []
    while (k < words.length && words[k] !== INSTANCE) {
      const first = text(words[k + 1]!, words[k + 2]!)
      const second = text(words[k + 3]!, words[k + 4]!)
      if (words[k] === TAG) tags.push({ Key: first, Value: second })
      else groups.push({ GroupName: first, GroupId: second })
      k += ITEM_WORDS
    }
    const launch = field(6)
    const hasProfile = words[f + 32 + 2] === 1
    // the object Ec2QueryLive's sdkInstance makes of the same fields
    instances.push(toInstance(({
      InstanceId: field(0),
      Tags: tags,
      State: { Name: field(13) },
      InstanceType: field(1),
      Placement: { AvailabilityZone: field(14) },
      PrivateIpAddress: field(2),
      PublicIpAddress: field(3),
      PublicDnsName: field(4),
      PrivateDnsName: field(5),
      LaunchTime: launch === undefined || launch === "" ? undefined : new Date(launch),
      InstanceLifecycle: field(7),
      IamInstanceProfile: hasProfile ? { Arn: field(15) } : undefined,
      ImageId: field(8),
      VpcId: field(9),
      SubnetId: field(10),
      KeyName: field(11),
      Architecture: field(12),
      SecurityGroups: groups
    }) as Parameters<typeof toInstance>[0]))
  }
  const token = text(wasm.tokenStart.value, wasm.tokenEnd.value)
  return [instances, token === "" ? undefined : token]
}
