/**
 * Output schemas cut down to the members aegea reads. The SDK decodes a response by its operation's
 * output schema; given one that names only the fields a mapping uses (src/layers/ec2Mapping.ts), it
 * builds only those, and the CLI bundle's parser passes over the rest of the XML unread
 * (src/sdkPatches/xmlReadSchema.ts). A DescribeInstances response is mostly network interfaces, block devices
 * and options that `aegea ls` never shows: reading 300 instances this way takes a fraction of the CPU.
 */
import { getSmithyContext } from "@smithy/core/transport"

/** The members to keep, by their SDK names: `true` keeps a member whole, an object keeps some of its. */
export interface Fields {
  readonly [member: string]: true | Fields
}

type Ref = unknown
const deref = (ref: Ref): unknown => (typeof ref === "function" ? (ref as () => unknown)() : ref)
/** `[schema, traits]`: a structure member with traits of its own (the SDK's static schema format). */
const isMemberTuple = (ref: Ref): ref is readonly [Ref, unknown] => Array.isArray(ref) && ref.length === 2

/** `schema` with only `fields` (a structure's members; for a list, its items'). */
export const project = (schema: Ref, fields: Fields): Ref => {
  if (isMemberTuple(schema)) return [project(schema[0], fields), schema[1]]
  const s = deref(schema)
  if (!Array.isArray(s)) throw new Error(`project: not a structure or list schema: ${String(s)}`)
  if (s[0] === 1) return [1, s[1], s[2], s[3], project(s[4], fields)]
  if (s[0] !== 3) throw new Error(`project: not a structure or list schema: ${String(s[2])}`)
  const names = s[4] as ReadonlyArray<string>
  const members = s[5] as ReadonlyArray<Ref>
  const keptNames: Array<string> = []
  const keptMembers: Array<Ref> = []
  for (const [name, sub] of Object.entries(fields)) {
    const i = names.indexOf(name)
    if (i < 0) throw new Error(`project: ${String(s[2])} has no member ${name}`)
    const member = members[i]
    keptNames.push(name)
    keptMembers.push(sub === true ? member : project(member, sub))
  }
  return [3, s[1], s[2], s[3], keptNames, keptMembers]
}

/** An operation schema (`[9, namespace, name, traits, input, output]`) whose output has only `fields`. */
export const projectOutput = (operation: ReadonlyArray<Ref>, fields: Fields): ReadonlyArray<Ref> => [
  ...operation.slice(0, 5),
  project(operation[5], fields)
]

type Middleware = (next: (args: unknown) => unknown, context: object) => (args: unknown) => unknown
interface MiddlewareStack {
  add(middleware: Middleware, options: { readonly step: "initialize"; readonly name: string }): void
}

/** Has `command` decode its response with `operation` (from projectOutput) instead of its own schema. */
export const withOperationSchema = <C extends { readonly middlewareStack: { add(middleware: never, options: never): void } }>(
  command: C,
  operation: ReadonlyArray<Ref>
): C => {
  ;(command.middlewareStack as unknown as MiddlewareStack).add(
    (next, context) => (args) => {
      // The context is made for each call: this does not touch the command class's own schema.
      ;(getSmithyContext(context as never) as { operationSchema?: unknown }).operationSchema = operation
      return next(args)
    },
    { step: "initialize", name: "aegeaOperationSchema" }
  )
  return command
}
