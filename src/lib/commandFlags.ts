/**
 * The flags of every command of a CLI tree, by config section ("batch submit" -> `batch_submit`) and
 * config key (`--instance-type` -> `instance_type`), with the type a config value must have. The
 * config schema (src/services/ConfigSchema.ts) is built from this table, which
 * src/services/configKeys.ts holds as generated data; test/unit/configKeys.test.ts regenerates it
 * from the CLI and fails when the two differ, so a config key is exactly a flag. Reads effect/cli's parameter tree, which the
 * public `Param` module describes (Single, Map, Transform, Optional, Variadic).
 */

/** What a config value for a flag must be. */
export interface FlagShape {
  readonly type: "string" | "boolean" | "integer" | "number" | "choice"
  /** A repeatable flag: the config value is a list (a single string counts as one element). */
  readonly repeatable: boolean
  readonly choices?: ReadonlyArray<string>
}

/**
 * A config key's type, compactly: "strings" is a repeatable flag (a list; one string is one element),
 * a list of strings is a choice among them.
 */
export type ConfigKeyType = "string" | "strings" | "boolean" | "integer" | "number" | ReadonlyArray<string>

export type FlagTable = Readonly<Record<string, Readonly<Record<string, ConfigKeyType>>>>

/** Flags that are never config keys: a standing `yes` would skip every confirmation, a fixed token would make every launch the same launch. */
export const notConfigurable: ReadonlySet<string> = new Set(["yes", "client_token"])

export const keyTypeOf = (shape: FlagShape): ConfigKeyType =>
  shape.repeatable ? "strings" : shape.type === "choice" ? (shape.choices ?? []) : shape.type

interface ParamNode {
  readonly _tag: "Single" | "Map" | "Transform" | "Optional" | "Variadic"
  readonly kind?: string
  readonly name?: string
  readonly param?: ParamNode
  readonly primitiveType?: { readonly _tag: string; readonly choiceKeys?: ReadonlyArray<string> }
}

interface CommandNode {
  readonly name: string
  readonly config?: { readonly flags?: ReadonlyArray<ParamNode> }
  readonly subcommands: ReadonlyArray<{ readonly commands: ReadonlyArray<CommandNode> }>
}

/** `--instance-type` -> `instance_type`. */
export const configKeyOf = (flagName: string) => flagName.replace(/-/g, "_")

const primitiveTypes: Readonly<Record<string, FlagShape["type"]>> = {
  String: "string",
  Boolean: "boolean",
  Int: "integer",
  Finite: "number",
  Choice: "choice",
  Path: "string",
  FileText: "string",
  Redacted: "string"
}

const shapeOf = (param: ParamNode, repeatable = false): { readonly name: string; readonly shape: FlagShape } | undefined => {
  switch (param._tag) {
    case "Single": {
      const tag = param.primitiveType?._tag ?? "String"
      const type = primitiveTypes[tag] ?? "string"
      const choices = type === "choice" ? param.primitiveType?.choiceKeys : undefined
      return { name: param.name ?? "", shape: { type, repeatable, ...(choices !== undefined ? { choices: [...choices] } : {}) } }
    }
    case "Variadic":
      return param.param === undefined ? undefined : shapeOf(param.param, true)
    default:
      return param.param === undefined ? undefined : shapeOf(param.param, repeatable)
  }
}

/** The configurable flags of one command, keyed by config key. */
export const flagsOf = (command: CommandNode): Record<string, ConfigKeyType> => {
  const out: Record<string, ConfigKeyType> = {}
  for (const param of command.config?.flags ?? []) {
    const found = shapeOf(param)
    if (found === undefined || found.name === "" || notConfigurable.has(configKeyOf(found.name))) continue
    out[configKeyOf(found.name)] = keyTypeOf(found.shape)
  }
  return out
}

/**
 * Every command below the root (the root's own flags are the global ones), keyed by section name:
 * the command path without the root, joined with "_" ("batch submit" -> "batch_submit").
 */
export const flagTable = (root: unknown): FlagTable => {
  const table: Record<string, Record<string, ConfigKeyType>> = {}
  const visit = (command: CommandNode, path: ReadonlyArray<string>) => {
    if (path.length > 0) table[path.join("_").replace(/-/g, "_")] = flagsOf(command)
    for (const group of command.subcommands) {
      // `__complete` (the shells' completion protocol) is not a command anyone configures.
      for (const child of group.commands) if (!child.name.startsWith("__")) visit(child, [...path, child.name])
    }
  }
  visit(root as CommandNode, [])
  return table
}

/** Every command path below the root ("ls", "batch submit", ...), `__complete` left out. */
export const commandPaths = (root: unknown): ReadonlyArray<ReadonlyArray<string>> => {
  const paths: Array<ReadonlyArray<string>> = []
  const visit = (command: CommandNode, path: ReadonlyArray<string>) => {
    if (path.length > 0) paths.push(path)
    for (const group of command.subcommands) {
      for (const child of group.commands) if (!child.name.startsWith("__")) visit(child, [...path, child.name])
    }
  }
  visit(root as CommandNode, [])
  return paths
}
