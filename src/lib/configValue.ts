import { parseDocument } from "yaml"

/** The command-line text of a value read as YAML; text that is not valid YAML stays a string. */
export const parseValue = (text: string): unknown => {
  const document = parseDocument(text)
  return document.errors.length > 0 ? text : document.toJS()
}
