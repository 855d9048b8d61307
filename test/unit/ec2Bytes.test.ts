// A DescribeInstances answer read from its bytes by WebAssembly (src/layers/ec2Bytes.ts,
// assembly/describeInstances.ts): undefined, or exactly the instances and next token the text path
// (readDescribeInstances: parseXml with the plan, then the mapping) reads; undefined wherever the text
// path fails; and read for the answers aegea meets (moto's, AWS's indented ones).
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { describeInstancesArea, MIN_BYTES, readDescribeInstancesBytes } from "../../src/layers/ec2Bytes.ts"
import { bodyCollector } from "../../src/layers/awsJson.ts"
import { readDescribeInstances } from "../../src/layers/Ec2QueryLive.ts"
import { random } from "../support/generated.ts"

const fixture = readFileSync(new URL("../fixtures/ec2/describeInstances-moto.xml", import.meta.url), "utf8")

/** readDescribeInstancesBytes of `text` (any size) is undefined or what readDescribeInstances reads, and undefined where that throws. */
const check = (text: string | Buffer) => {
  const bytes = typeof text === "string" ? Buffer.from(text) : text
  const got = readDescribeInstancesBytes(bytes, 0)
  let expected: ReturnType<typeof readDescribeInstances>
  try {
    expected = readDescribeInstances(bytes.toString("utf8"))
  } catch {
    expect(got).toBeUndefined()
    return got
  }
  if (got !== undefined) expect(got).toEqual(expected)
  return got
}

const values = ["plain", "", "café ✓ 日本語 😀", "a > b", "  two  ", "x".repeat(300), "quote \" and '"]
const leafNames = ["instanceId", "instanceType", "privateIpAddress", "ipAddress", "dnsName", "privateDnsName", "instanceLifecycle", "imageId", "vpcId", "subnetId", "keyName", "architecture"]

/** One instance item: the planned fields in a random order and form, with elements the plan passes over around them. */
const instance = (pick: (n: number) => number, i: number, nl: string): string => {
  const leaf = (name: string, value: string) =>
    [`<${name}>${value}</${name}>`, value === "" ? `<${name}/>` : `<${name}>${value}</${name}>`, `<${name} a="1>/">${value}</${name}>`][pick(3)]!
  const parts = [
    leaf("instanceId", `i-${i.toString(16).padStart(17, "0")}`),
    ...leafNames.slice(1).filter(() => pick(6) !== 0).map((n) => leaf(n, values[pick(values.length)]!)),
    pick(8) !== 0 ? `<launchTime>2026-11-${String(1 + pick(28)).padStart(2, "0")}T12:00:00.000Z</launchTime>` : pick(2) === 0 ? "<launchTime/>" : "",
    pick(10) !== 0 ? `<instanceState><code>16</code>${nl}<name>${["running", "stopped", "pending"][pick(3)]}</name></instanceState>` : "",
    pick(10) !== 0 ? `<placement><availabilityZone>us-east-1${"abc"[pick(3)]}</availabilityZone><tenancy>default</tenancy></placement>` : "",
    pick(3) === 0 ? `<iamInstanceProfile><arn>arn:aws:iam::1:instance-profile/p${pick(9)}</arn><id>AIPA</id></iamInstanceProfile>` : pick(5) === 0 ? "<iamInstanceProfile/>" : "",
    pick(6) !== 0
      ? `<tagSet>${Array.from({ length: pick(4) }, (_, t) => `<item>${nl}<key>k${t}</key>${pick(4) === 0 ? "<value/>" : `<value>${values[pick(values.length)]}</value>`}</item>`).join(nl)}${pick(9) === 0 ? "<item><value>no key</value></item>" : ""}</tagSet>`
      : "",
    pick(6) !== 0 ? `<groupSet><item><groupId>sg-${pick(99)}</groupId>${pick(2) === 0 ? `<groupName>g${pick(9)}</groupName>` : ""}</item></groupSet>` : "<groupSet/>",
    // passed over: nested lists with the planned names inside, a second of a planned name, its own text
    `<networkInterfaceSet><item><groupSet><item><groupId>sg-nested</groupId></item></groupSet><tagSet><item><key>nested</key><value>no</value></item></tagSet><privateIpAddress>10.9.9.9</privateIpAddress></item></networkInterfaceSet>`,
    pick(5) === 0 ? `<instanceId>i-second</instanceId><tagSet><item><key>second</key><value>set</value></item></tagSet>` : "",
    pick(7) === 0 ? "<monitoring><state>disabled</state></monitoring>" : ""
  ]
  for (let k = parts.length - 1; k > 0; k--) {
    const j = pick(k + 1)
    ;[parts[k], parts[j]] = [parts[j]!, parts[k]!]
  }
  return `<item>${nl}${parts.filter((p) => p !== "").join(nl)}${nl}</item>`
}

/** An answer of `n` instances in a few reservations, indented (as AWS sends it) or not (as moto does). */
const answer = (seed: number, n: number): string => {
  const pick = random(seed)
  const nl = pick(2) === 0 ? "" : "\n    "
  let i = seed * 1000
  const reservations = Array.from({ length: 1 + pick(3) }, () =>
    `<item><reservationId>r-${pick(999)}</reservationId><ownerId>1</ownerId>${nl}<groupSet/><instancesSet>${nl}${Array.from({ length: n }, () => instance(pick, i++, nl)).join(nl)}</instancesSet></item>`)
  const token = [undefined, "", "token+/=x"][pick(3)]
  return `${pick(2) === 0 ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""}<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${nl}<requestId>r</requestId>${nl}<reservationSet>${nl}${reservations.join(nl)}</reservationSet>${pick(4) === 0 ? "<reservationSet><item><instancesSet><item><instanceId>i-not-first-set</instanceId></item></instancesSet></item></reservationSet>" : ""}${token === undefined ? "" : `${nl}<nextToken>${token}</nextToken>`}${nl}</DescribeInstancesResponse>\n`
}

describe("readDescribeInstancesBytes: a DescribeInstances answer's instances from its bytes", () => {
  it("moto's recorded answer, and a large one made of its instances: the same instances as the text path", () => {
    const got = check(fixture)
    expect(got?.[0].length).toBeGreaterThan(0)
    const item = /<instancesSet>([\s\S]*)<\/instancesSet>/.exec(fixture)![1]!
    const big = fixture.replace(item, item.repeat(Math.ceil((MIN_BYTES * 2) / item.length)))
    expect(Buffer.byteLength(big)).toBeGreaterThan(MIN_BYTES)
    const read = readDescribeInstancesBytes(Buffer.from(big))
    expect(read).toEqual(readDescribeInstances(big))
    // memory reused: the small one again after the large one, then the large
    expect(check(fixture)).toEqual(got)
    expect(readDescribeInstancesBytes(Buffer.from(big))).toEqual(read)
    // smaller than MIN_BYTES: left to the text path
    expect(readDescribeInstancesBytes(Buffer.from(fixture))).toBeUndefined()
  })

  it("an answer collected straight into the module's memory (describeInstancesArea): read in place, one body at a time", () => {
    const item = /<instancesSet>([\s\S]*)<\/instancesSet>/.exec(fixture)![1]!
    const big = Buffer.from(fixture.replace(item, item.repeat(Math.ceil((MIN_BYTES * 2) / item.length))))
    const expected = readDescribeInstances(big.toString("utf8"))
    const area = describeInstancesArea()
    const other = describeInstancesArea()
    expect(area.take(MIN_BYTES - 1)).toBeUndefined()
    // collected as awsJson collects an answer, in chunks, into the lent memory
    const collect = bodyCollector(String(big.length), area.take)
    for (let at = 0; at < big.length; at += 65536) collect.add(big.subarray(at, at + 65536))
    const body = collect.bytes()
    expect(body.buffer).not.toBe(big.buffer)
    expect(other.take(big.length)).toBeUndefined()
    // while lent, another body is not copied over it: left to the text path
    expect(readDescribeInstancesBytes(Buffer.from(big))).toBeUndefined()
    expect(readDescribeInstancesBytes(body)).toEqual(expected)
    expect(collect.text()).toBe(big.toString("utf8"))
    other.release()
    expect(readDescribeInstancesBytes(Buffer.from(big))).toBeUndefined()
    area.release()
    expect(readDescribeInstancesBytes(Buffer.from(big))).toEqual(expected)
    // lent again, to the other; a body longer than it said is joined from its chunks, and read the same
    const longer = bodyCollector(String(big.length - 100), other.take)
    longer.add(big.subarray(0, 70_000))
    longer.add(big.subarray(70_000))
    expect(readDescribeInstancesBytes(longer.bytes())).toBeUndefined()
    other.release()
    expect(readDescribeInstancesBytes(longer.bytes())).toEqual(expected)
  })

  it("generated answers, indented or not: the same instances and token, and read whenever they hold nothing the reader leaves", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const text = answer(seed, 1 + (seed % 12))
      expect(check(text), `seed ${seed}`).toBeDefined()
    }
  })

  it("what it leaves to the text path: entities, CDATA, comments, prefixes, a leaf with elements, non-ASCII in an indented text", () => {
    const base = answer(7, 3)
    const left = [
      base.replace("<vpcId>", "<vpcId>a &amp; b"),
      base.replace("<requestId>r", "<requestId><![CDATA[r]]>"),
      base.replace("<requestId>", "<!-- c --><requestId>"),
      base.replace(/<instanceId>/, "<ec2:x>y</ec2:x><instanceId>"),
      base.replace(/<instanceId>([^<]*)<\/instanceId>/, "<instanceId>$1<b/></instanceId>"),
      base.replace(/<instanceId>([^<]*)<\/instanceId>/, "<instanceId>\n\u00a0</instanceId>")
    ]
    for (const text of left) {
      expect(readDescribeInstancesBytes(Buffer.from(text), 0)).toBeUndefined()
      check(text)
    }
    // an indented leaf of whitespace alone reads as empty, as parseXml reads it
    expect(check(base.replace(/<instanceId>([^<]*)<\/instanceId>/, "<instanceId>\n   </instanceId>"))).toBeDefined()
  })

  it("damaged answers: undefined where the text path fails, else the same", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const pick = random(seed * 7919)
      const text = answer(seed, 2)
      const at = pick(text.length)
      const damaged = [
        text.slice(0, at),
        `${text.slice(0, at)}<${text.slice(at)}`,
        `${text.slice(0, at)}>${text.slice(at)}`,
        text.replace("</instanceId>", "</instanceid>"),
        `${text}<second/>`,
        `x${text}`,
        text.replace(/<\/item>/, ""),
        `${text.slice(0, at)}</${text.slice(at)}`
      ][seed % 8]!
      check(damaged)
    }
    expect(readDescribeInstancesBytes(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), 0)).toBeUndefined()
  })
})
