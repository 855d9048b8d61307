/**
 * The live `AegeaConfig`: reads the built-in defaults, /etc/aegea/config.yml, the user file and the
 * files of AEGEA_CONFIG_FILE (missing files are skipped), merges them (src/lib/merge.ts) and
 * validates the result (ConfigSchema.ts). Any problem becomes a ConfigError naming the file, the
 * line and the key. The files are tiny, so they are read synchronously.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { defaults, defaultsSource } from "../defaults.ts"
import { type ConfigMap, dottedKey, emptyMerged, type MergedConfig, mergeLayer, sourceOf } from "../lib/merge.ts"
import type { ConfigProblem, ParsedLayer } from "./configFile.ts"
import { AegeaConfig, makeAegeaConfig, splitKey } from "../services/AegeaConfig.ts"
import { normalizeConfig, validateConfig } from "../services/ConfigSchema.ts"
import { ConfigError } from "../errors.ts"

/** The environment variables the config depends on. */
export interface ConfigEnvironment {
  readonly HOME?: string | undefined
  readonly XDG_CONFIG_HOME?: string | undefined
  readonly AEGEA_CONFIG_FILE?: string | undefined
}

/** File access, replaceable in tests. */
export interface ConfigFileAccess {
  /** The text of a file, or undefined when it does not exist; throws on any other failure. */
  readonly read: (path: string) => string | undefined
  /** Replace a file atomically (temp file + rename), creating its directory; throws on failure. */
  readonly writeAtomic: (path: string, text: string) => void
}

/** The site-wide config file, read below the user's. */
export const siteConfigFile = "/etc/aegea/config.yml"

/** The user file and every config file in precedence order, lowest first (without the defaults). */
export const configFilePaths = (env: ConfigEnvironment) => {
  const configHome = env.XDG_CONFIG_HOME || nodePath.join(env.HOME || os.homedir(), ".config")
  const userFile = nodePath.join(configHome, "aegea", "config.yml")
  const extra = (env.AEGEA_CONFIG_FILE ?? "").split(":").filter((file) => file !== "").map((file) => nodePath.resolve(file))
  return { userFile, files: [siteConfigFile, userFile, ...extra] }
}

/** The largest config file read: a config is a few lines; anything bigger is a mistake. */
export const maxConfigFileBytes = 1024 * 1024

const kindOf = (stat: fs.Stats) =>
  stat.isFIFO()
    ? "a FIFO"
    : stat.isCharacterDevice()
    ? "a character device"
    : stat.isBlockDevice()
    ? "a block device"
    : stat.isSocket()
    ? "a socket"
    : stat.isDirectory()
    ? "a directory"
    : "not a regular file"

/** Only a regular file of at most 1 MiB is read: a FIFO or /dev/zero would hang or never end. */
const refuseOddFile = (stat: fs.Stats) => {
  if (!stat.isFile()) throw new Error(`it is ${kindOf(stat)}, not a regular file`)
  if (stat.size > maxConfigFileBytes) {
    throw new Error(`it is ${stat.size} bytes, more than the limit of ${maxConfigFileBytes} bytes (1 MiB)`)
  }
}

/** Config files on the local disk: reads only regular files of at most 1 MiB, writes atomically. */
export const nodeFileAccess: ConfigFileAccess = {
  read: (path) => {
    let stat: fs.Stats
    try {
      stat = fs.statSync(path) // follows a symlink: a link to /dev/zero is a character device
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
      throw error
    }
    refuseOddFile(stat)
    // O_NONBLOCK: should the file be swapped for a FIFO after the stat, opening it does not hang.
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
    try {
      refuseOddFile(fs.fstatSync(fd))
      return fs.readFileSync(fd, "utf8")
    } finally {
      fs.closeSync(fd)
    }
  },
  writeAtomic: (path, text) => {
    const target = fs.existsSync(path) ? fs.realpathSync(path) : path // keep a symlinked dotfile a symlink
    const directory = nodePath.dirname(target)
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 }) // folders it creates: the owner's only
    const temp = nodePath.join(directory, `.${nodePath.basename(target)}.${process.pid}.${Date.now()}.tmp`)
    const mode = fs.existsSync(target) ? fs.statSync(target).mode & 0o7777 : undefined
    try {
      fs.writeFileSync(temp, text, { flag: "wx", mode: mode ?? 0o600 })
      // An existing file keeps its mode (0600 stays 0600); a new one is the owner's only (0600).
      if (mode !== undefined) fs.chmodSync(temp, mode)
      fs.renameSync(temp, target)
    } catch (error) {
      fs.rmSync(temp, { force: true })
      throw error
    }
  }
}

/** The YAML half of the loader, imported on first use (see configFile.ts). */
const configFile = Effect.promise(() => import("./configFile.ts"))

/** The built-in defaults as a layer: already a value, nothing to parse. */
const defaultsLayer: ParsedLayer = { source: defaultsSource, value: defaults as unknown as ConfigMap, lineOf: () => 1 }

/** Merge the layers in order and validate the result. */
const mergeLayers = (layers: ReadonlyArray<ParsedLayer>): Result.Result<MergedConfig, ConfigProblem> => {
  let merged = emptyMerged
  for (const layer of layers) {
    const next = mergeLayer(merged, normalizeConfig(layer.value), layer.source)
    if (Result.isFailure(next)) {
      const { path, message } = next.failure
      return Result.fail({ file: layer.source, line: layer.lineOf(path), key: dottedKey(path), problem: message })
    }
    merged = next.success
  }
  const issue = validateConfig(merged.value)
  if (issue === undefined) return Result.succeed(merged)
  const source = sourceOf(merged, issue.path) ?? defaultsSource
  const layer = layers.find((candidate) => candidate.source === source)
  const line = layer === undefined ? 1 : layer.lineOf(issue.path)
  return Result.fail({ file: source, line, key: dottedKey(issue.path), problem: issue.message })
}

const describeProblem = (problem: ConfigProblem) =>
  problem.key === undefined || problem.key === "" ? problem.problem : `${problem.key} ${problem.problem}`

const toConfigError = (problem: ConfigProblem) =>
  new ConfigError({
    message: `invalid config in ${problem.file} line ${problem.line}: ${describeProblem(problem)}`,
    hint: problem.key === undefined ? "Fix the file: it must be a YAML (or JSON) mapping" : "Fix the file or remove the key",
    file: problem.file
  })

const readError = (file: string, error: unknown) =>
  new ConfigError({
    message: `could not read config file ${file}: ${(error as Error).message ?? String(error)}`,
    hint: "Check that the file is readable, or remove it from AEGEA_CONFIG_FILE",
    file,
    cause: error
  })

/** Read and parse the defaults and every existing file, lowest precedence first. */
const readLayers = (files: ReadonlyArray<string>, read: (path: string) => string | undefined) =>
  Effect.gen(function*() {
    const layers: Array<ParsedLayer> = [defaultsLayer]
    for (const source of files) {
      const content = yield* Effect.try({ try: () => read(source), catch: (error) => readError(source, error) })
      if (content === undefined) continue
      const parsed = (yield* configFile).parseLayer(source, content)
      if (Result.isFailure(parsed)) return yield* toConfigError(parsed.failure)
      layers.push(parsed.success)
    }
    return layers
  })

/** Load the layered config of an environment: the function behind `AegeaConfigLive`. */
export const loadConfig = (env: ConfigEnvironment, access: ConfigFileAccess = nodeFileAccess) =>
  Effect.gen(function*() {
    const { files, userFile } = configFilePaths(env)
    const layers = yield* readLayers(files, access.read)
    const merged = mergeLayers(layers)
    if (Result.isFailure(merged)) return yield* toConfigError(merged.failure)
    return makeAegeaConfig({
      merged: merged.success,
      files: layers.map((layer) => layer.source),
      userFile,
      set: (key, value) => setInUserFile({ files, userFile, access, key, value }),
      unset: (key) => unsetInUserFile({ files, userFile, access, key })
    })
  })

interface UserFileEdit {
  readonly files: ReadonlyArray<string>
  readonly userFile: string
  readonly access: ConfigFileAccess
  readonly key: string
}

const setInUserFile = (options: UserFileEdit & { readonly value: unknown }) =>
  Effect.gen(function*() {
    const edit = (yield* configFile).setInText
    return yield* editUserFile(options, "set", (current) => edit(options.userFile, current, splitKey(options.key), options.value))
  }).pipe(Effect.asVoid, Effect.withSpan("AegeaConfig.set"))

const unsetInUserFile = (options: UserFileEdit) =>
  Effect.gen(function*() {
    const edit = (yield* configFile).unsetInText
    let removed = false
    yield* editUserFile(options, "unset", (current) =>
      Result.map(edit(options.userFile, current, splitKey(options.key)), (done) => {
        removed = done.removed
        return done.text
      }))
    return removed
  }).pipe(Effect.withSpan("AegeaConfig.unset"))

/** Edit the user file's text, check that every layer still merges into a valid config, then write it. */
const editUserFile = Effect.fnUntraced(function*(
  options: UserFileEdit,
  verb: string,
  edit: (current: string) => Result.Result<string, { readonly problem: string; readonly hint: string }>
) {
  const { access, files, key, userFile } = options
  const refuse = (problem: string, hint: string) =>
    new ConfigError({ message: `cannot ${verb} ${key}: ${problem}`, hint, file: userFile })
  const current = yield* Effect.try({ try: () => access.read(userFile) ?? "", catch: (e) => readError(userFile, e) })
  const edited = edit(current)
  if (Result.isFailure(edited)) return yield* refuse(edited.failure.problem, edited.failure.hint)
  const updated = edited.success
  if (updated === current) return
  const reread = (path: string) => (path === userFile ? updated : access.read(path))
  const layers = yield* readLayers(files, reread)
  const merged = mergeLayers(layers)
  if (Result.isFailure(merged)) {
    const problem = merged.failure
    const where = problem.file === userFile ? "" : ` (in ${problem.file} line ${problem.line})`
    return yield* refuse(`${describeProblem(problem)}${where}`, `${userFile} was not changed`)
  }
  yield* Effect.try({
    try: () => access.writeAtomic(userFile, updated),
    catch: (error) =>
      new ConfigError({
        message: `could not write config file ${userFile}: ${(error as Error).message ?? String(error)}`,
        hint: "Check the permissions of the directory",
        file: userFile,
        cause: error
      })
  })
})

/** The config of a given environment and file access (tests use temp directories). */
export const layerFromEnvironment = (
  env: ConfigEnvironment,
  access: ConfigFileAccess = nodeFileAccess
): Layer.Layer<AegeaConfig, ConfigError> => Layer.effect(AegeaConfig, loadConfig(env, access))

/** The config of this process: files on disk, HOME / XDG_CONFIG_HOME / AEGEA_CONFIG_FILE. */
export const AegeaConfigLive: Layer.Layer<AegeaConfig, ConfigError> = Layer.effect(
  AegeaConfig,
  Effect.suspend(() => loadConfig(process.env, nodeFileAccess))
)
