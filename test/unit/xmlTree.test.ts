// lib/xmlTree.ts with a plan (what Ec2QueryLive reads of DescribeInstances): the elements the plan
// names, exactly as the whole document's tree has them, whether the elements passed over are jumped
// over to their end tags or read tag by tag, and the same errors where what is kept is malformed.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { describeInstancesPlan } from "../../src/layers/Ec2QueryLive.ts"
import { parseXml, type XmlElement, type XmlPlan } from "../../src/lib/xmlTree.ts"

/** The whole tree cut to the plan: each element's children that its plan names (all below an element without one). */
const pruned = (element: XmlElement, plan: XmlPlan | undefined): unknown => ({
  name: element.name,
  text: element.text,
  children: element.children.filter((c) => plan === undefined || Object.hasOwn(plan, c.name)).map((c) => pruned(c, plan?.[c.name]))
})

const plain = (element: XmlElement): unknown => pruned(element, undefined)

const samePruned = (xml: string, plan: XmlPlan) => expect(plain(parseXml(xml, plan))).toStrictEqual(pruned(parseXml(xml), plan))

describe("parseXml with a plan", () => {
  it("keeps what the plan names of a DescribeInstances answer, as the whole tree has it", () => {
    const fixture = readFileSync(new URL("../fixtures/ec2/describeInstances-moto.xml", import.meta.url), "utf8")
    samePruned(fixture, describeInstancesPlan)
    const kept = parseXml(fixture, describeInstancesPlan)
    // (the network interfaces' own privateIpAddress and groupSet are passed over, not read as the instance's)
    const instance = kept.children.find((c) => c.name === "reservationSet")!.children[0]!.children.find((c) => c.name === "instancesSet")!.children[0]!
    expect(instance.children.map((c) => c.name)).not.toContain("networkInterfaceSet")
    expect(instance.children.filter((c) => c.name === "privateIpAddress")).toHaveLength(1)
  })

  it.each([
    // an element passed over holding one of its own name: the jump ends early, the parent then meets
    // the outer end tag, and the document is read again tag by tag
    ["nested, same name", "<a><skip><skip>x</skip><keep>bad</keep></skip><keep>good</keep></a>", { keep: {} }],
    ["nested three deep", "<a><skip><skip><skip/></skip><keep>bad</keep></skip><keep>good</keep><skip>y</skip></a>", { keep: {} }],
    // passed over with the parent's name: a start tag of that name inside means tag by tag at once
    ["same name as the parent", "<item><item><item>x</item><name>no</name></item><name>yes</name></item>", { name: {} }],
    // a comment, CDATA or a declaration anywhere: no jumps (they could hold the end tag)
    ["a comment holding the end tag", "<a><skip><!-- </skip> --><keep>no</keep></skip><keep>yes</keep></a>", { keep: {} }],
    ["CDATA holding the end tag", "<a><skip><![CDATA[</skip>]]><keep>no</keep></skip><keep>yes</keep></a>", { keep: {} }],
    ["a processing instruction", "<?xml version=\"1.0\"?><a><skip><?pi </skip>?></skip><keep>k</keep></a>", { keep: {} }],
    // prefixes, attributes, self-closing tags, entities, indentation, a leaf that has children after all
    ["prefixed names", "<p:a xmlns:p=\"u\"><p:keep>1</p:keep><p:skip>2</p:skip><keep>3</keep></p:a>", { keep: {} }],
    ["attributes", "<a x=\"1\"><keep y='>'>v</keep><skip z=\"</skip>\">w</skip><keep/></a>", { keep: {} }],
    ["self-closing", "<a><skip/><keep/><keep>t</keep><skip x=\"1\"/></a>", { keep: {} }],
    ["entities and indentation", "<a>\n  <keep>a &amp; b &#233; &lt;</keep>\n  <keep>\n  </keep>\n  <keep> two </keep>\n</a>", { keep: {} }],
    ["a leaf with children", "<a><keep>x<inner>y</inner>z</keep></a>", { keep: {} }],
    ["a kept list", "<a><set><item><k>1</k><v>2</v><w>3</w></item><item><k>4</k></item></set><other><item/></other></a>", { set: { item: { k: {}, v: {} } } }],
    ["a name that starts another", "<a><keepX>no</keepX><keep>yes</keep><kee>no</kee></a>", { keep: {} }]
  ] as const)("%s: the elements the plan names, as the whole tree has them", (_, xml, plan) => {
    samePruned(xml, plan as XmlPlan)
  })

  it("fails, as without a plan, where what it reads is malformed", () => {
    for (const xml of ["<a><keep>x</a>", "<a><keep>x</keep>", "<a><keep>x</keep></b>", "text<a/>", "<a/><b/>", "<a><skip>x</skip>"]) {
      expect(() => parseXml(xml, { keep: {} }), xml).toThrow(expect.objectContaining({ name: "XmlParseError" }))
      expect(() => parseXml(xml), xml).toThrow(expect.objectContaining({ name: "XmlParseError" }))
    }
  })

  it("without a plan: every element", () => {
    const xml = "<a><b>1</b><c><d>2</d></c></a>"
    expect(plain(parseXml(xml))).toStrictEqual({
      name: "a",
      text: "",
      children: [{ name: "b", text: "1", children: [] }, { name: "c", text: "", children: [{ name: "d", text: "2", children: [] }] }]
    })
  })
})
