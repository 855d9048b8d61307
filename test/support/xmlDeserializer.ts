/**
 * The SDK's `XmlShapeDeserializer` as the XML tests compare it: stock, and with the methods the CLI
 * bundle installs on it, installed by the bundle's own installer (src/sdkPatches/install.ts, which
 * scripts/sdkPatches.mjs's plugin fast-xml-read-schema calls on the SDK's class) on a subclass, so
 * that the SDK's class itself stays stock.
 */
import { XmlShapeDeserializer } from "@aws-sdk/core/protocols"
import { installXmlShapeDeserializer } from "../../src/sdkPatches/install.ts"

/** The settings of the SDK's query protocols (AwsQueryProtocol: EC2, IAM, STS). */
export const QUERY_SETTINGS = {
  timestampFormat: { useTrait: true, default: 5 as const },
  httpBindings: false,
  xmlNamespace: "",
  serviceNamespace: "",
  serializeEmptyLists: true
}
/** The settings of rest-xml (XmlCodec: S3). */
export const REST_XML_SETTINGS = { ...QUERY_SETTINGS, httpBindings: true }
export type XmlSettings = typeof QUERY_SETTINGS

/** The deserializer's methods, `parseXml` (protected in the SDK's types) included. */
export interface Deserializer {
  read(schema: unknown, bytes: Uint8Array, key?: string): unknown
  readSchema(schema: unknown, value: unknown): unknown
  parseXml(xml: string): unknown
}

export const sdkDeserializer = (settings: XmlSettings = QUERY_SETTINGS): Deserializer =>
  new XmlShapeDeserializer(settings) as unknown as Deserializer

class BundleXmlShapeDeserializer extends XmlShapeDeserializer {}
installXmlShapeDeserializer(BundleXmlShapeDeserializer)

/** A deserializer with the bundle's `read` (guided parse), `readSchema` and `parseXml`, as installed by the build. */
export const bundleDeserializer = (settings: XmlSettings = QUERY_SETTINGS): Deserializer =>
  new BundleXmlShapeDeserializer(settings) as unknown as Deserializer
