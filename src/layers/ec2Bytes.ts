/**
 * A DescribeInstances answer read from its bytes by WebAssembly (assembly/describeInstances.ts, in
 * ../lib/describeInstancesWasm.ts): the instances and next token `readDescribeInstances`
 * (Ec2QueryLive.ts) reads from the answer's text, for `aegea ls` over thousands of instances.
 *
 * Why: the text path decodes the whole answer (9.5 MB for 3,000 instances) into a string, builds an
 * element object for every field the plan keeps, then an SDK-shaped object per instance from them; the
 * module reads the bytes once, element by element, and says where each field's text is, and only those
 * texts become strings (sliced from one string of them all), made into instances by `queryInstance`
 * (ec2Mapping.ts), as the text path's are.
 *
 * The same instances or `undefined`, never others: what the module is not sure to read as parseXml does
 * (see assembly/describeInstances.ts) gives `undefined`, and the caller reads the text as before, which
 * also gives its errors. test/unit/ec2Bytes.test.ts compares the two. Answers under MIN_BYTES are left
 * to the text path.
 */
import { isAscii, isUtf8 } from "node:buffer"
import { queryInstance } from "./ec2Mapping.ts"
import { describeInstancesWasm } from "../lib/describeInstancesWasm.ts"
import { memoryLender, WASM_BASE, type WasmGlobal, type WasmMemory, wasmExports } from "../lib/wasm.ts"
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

/** The module's memory lent to one answer's body at a time. */
const lender = memoryLender(describeInstancesWasm)

/**
 * The module's memory lent for one answer's body (signedCall's `area`): the answer is collected
 * straight into it, with no buffer of its own to fill and copy (9.5 MB for 3,000 instances, fresh
 * memory each time); one body at a time (a second concurrent call collects into a buffer and is read
 * as text while the memory is lent), given back when the call's attempt ends.
 */
export const describeInstancesArea = () => lender.area((length) => (length < MIN_BYTES ? undefined : layout(length).end))

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
  // collected into the lent memory already (describeInstancesArea), or copied there
  if (!lender.place(wasm.memory, body, end)) return undefined
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
    const tags: Array<{ key: string | undefined; value: string | undefined }> = []
    const groups: Array<{ groupName: string | undefined; groupId: string | undefined }> = []
    while (k < words.length && words[k] !== INSTANCE) {
      const first = text(words[k + 1]!, words[k + 2]!)
      const second = text(words[k + 3]!, words[k + 4]!)
      if (words[k] === TAG) tags.push({ key: first, value: second })
      else groups.push({ groupName: first, groupId: second })
      k += ITEM_WORDS
    }
    // the pairs in assembly/describeInstances.ts's order (F_ID...F_ARN); the profile's flag third of five
    instances.push(queryInstance({
      instanceId: field(0),
      instanceType: field(1),
      privateIpAddress: field(2),
      ipAddress: field(3),
      dnsName: field(4),
      privateDnsName: field(5),
      launchTime: field(6),
      instanceLifecycle: field(7),
      imageId: field(8),
      vpcId: field(9),
      subnetId: field(10),
      keyName: field(11),
      architecture: field(12),
      stateName: field(13),
      availabilityZone: field(14),
      profile: words[f + 32 + 2] === 1 ? { arn: field(15) } : undefined,
      tags,
      groups
    }))
  }
  const token = text(wasm.tokenStart.value, wasm.tokenEnd.value)
  return [instances, token === "" ? undefined : token]
}
