/**
 * Command lines for OpenSSH: destinations, pass-through options, the ProxyCommand that runs aegea's
 * own Session Manager client, and scp's `[user@]NAME:path` rewriting. Pure functions.
 */

/** ssh options that take a value (OpenSSH's getopt string), for splitting options from the remote command. */
const sshOptionsWithValue = new Set("BbcDEeFIiJLlmOopQRSWw".split(""))
/** scp options that take a value. */
export const scpOptionsWithValue = new Set("cDFiJloPSX".split(""))

export interface Target {
  readonly user: string | undefined
  readonly name: string
}

/** "user@name" -> { user, name }; the last "@" separates them (user names may contain "@"). */
export const parseTarget = (text: string): Target => {
  const at = text.lastIndexOf("@")
  return at > 0 ? { user: text.slice(0, at), name: text.slice(at + 1) } : { user: undefined, name: at === 0 ? text.slice(1) : text }
}

/**
 * Split what follows `--` into ssh options (leading "-x", "-x value" or "-xvalue") and the remote
 * command (from the first word that is not an option).
 */
export const splitSshArgs = (args: ReadonlyArray<string>): { readonly options: ReadonlyArray<string>; readonly command: ReadonlyArray<string> } => {
  const options: Array<string> = []
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      i++
      break
    }
    if (!arg.startsWith("-") || arg === "-") break
    options.push(arg)
    // "-vL" style clusters: a value-taking letter consumes the rest of the word or the next word
    for (let j = 1; j < arg.length; j++) {
      if (sshOptionsWithValue.has(arg[j]!)) {
        if (j === arg.length - 1 && i + 1 < args.length) options.push(args[++i]!)
        break
      }
    }
  }
  return { options, command: args.slice(i) }
}

/** POSIX shell quoting (ssh runs ProxyCommand with the user's shell). */
export const shellQuote = (word: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

export interface ProxySelf {
  /** The Node executable (process.execPath). */
  readonly node: string
  /** The aegea script being run (dist/aegea.js). */
  readonly script: string
}

/** `aegea ssm-proxy %h %p` with the AWS settings of this run; ssh expands %h and %p. */
export const proxyCommand = (
  self: ProxySelf,
  settings: { readonly region: string; readonly profile?: string | undefined; readonly endpointUrl?: string | undefined },
  ticketDirectory: string | undefined
): string =>
  [
    shellQuote(self.node),
    shellQuote(self.script),
    "ssm-proxy",
    "%h",
    "%p",
    "--region",
    shellQuote(settings.region),
    ...(settings.profile !== undefined ? ["--profile", shellQuote(settings.profile)] : []),
    ...(settings.endpointUrl !== undefined ? ["--endpoint-url", shellQuote(settings.endpointUrl)] : []),
    ...(ticketDirectory !== undefined ? ["--ticket-directory", shellQuote(ticketDirectory)] : [])
  ].join(" ")

/**
 * The official plugin as ProxyCommand, the way the AWS CLI runs it: it reads StartSession's
 * response from the environment variable AWS_SSM_START_SESSION_RESPONSE (never the command line).
 */
export const pluginProxyCommand = (
  plugin: string,
  settings: { readonly region: string; readonly profile?: string | undefined; readonly ssmEndpoint: string },
  target: string
): string =>
  [
    shellQuote(plugin),
    "AWS_SSM_START_SESSION_RESPONSE",
    shellQuote(settings.region),
    "StartSession",
    shellQuote(settings.profile ?? ""),
    shellQuote(JSON.stringify({ Target: target, DocumentName: "AWS-StartSSHSession", Parameters: { portNumber: ["22"] } })),
    shellQuote(settings.ssmEndpoint)
  ].join(" ")

export interface ConnectionOptions {
  readonly knownHostsFile?: string | undefined
  readonly hostKeyAlias?: string | undefined
  readonly proxyCommand?: string | undefined
  /**
   * The session handed over through named pipes (aegea relays it in-process, layers/pipeHandoff.ts):
   * this ProxyCommand copies between ssh and the pipes; no connection sharing (see `handoffFits`).
   */
  readonly handoffCommand?: string | undefined
  readonly identityFile?: string | undefined
  readonly serverAliveInterval?: number | undefined
  readonly serverAliveCountMax?: number | undefined
}

/** The -o options aegea adds before the user's own. */
export const connectionOptions = (o: ConnectionOptions): ReadonlyArray<string> => [
  ...(o.knownHostsFile !== undefined
    ? ["-o", `UserKnownHostsFile=${o.knownHostsFile}`, "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null"]
    : []),
  ...(o.hostKeyAlias !== undefined ? ["-o", `HostKeyAlias=${o.hostKeyAlias}`] : []),
  ...(o.proxyCommand !== undefined ? ["-o", `ProxyCommand=${o.proxyCommand}`] : []),
  ...(o.handoffCommand !== undefined ? ["-o", `ProxyCommand=${o.handoffCommand}`, "-o", "ControlPath=none"] : []),
  ...(o.identityFile !== undefined ? ["-i", o.identityFile] : []),
  ...(o.serverAliveInterval !== undefined ? ["-o", `ServerAliveInterval=${o.serverAliveInterval}`] : []),
  ...(o.serverAliveCountMax !== undefined ? ["-o", `ServerAliveCountMax=${o.serverAliveCountMax}`] : [])
]

/** ssh option letters after which a session handed over through aegea's pipes would not behave as through aegea's own ProxyCommand. */
const handoffUnfitLetters = new Set("fMSOWJ6bB".split(""))
/** `-o` settings (and their letters' equivalents) that decide where or how ssh connects, or share the connection. */
const handoffUnfitSettings = /^\s*(ControlMaster|ControlPath|ControlPersist|ForkAfterAuthentication|ProxyJump|ProxyCommand|ProxyUseFdpass|AddressFamily|HostName|BindAddress|BindInterface)\s*[=\s]/i

/**
 * Whether ssh with these pass-through arguments can take its session through aegea's pipes (relayed
 * by this process, which ends when ssh does) instead of through `aegea ssm-proxy`: not when it goes
 * to the background with the connection (-f), shares it (-M, -S, -O, Control*), connects elsewhere
 * or otherwise (-J, -W, -6, -b, -B, HostName, Proxy*, AddressFamily, Bind*): those keep the
 * ProxyCommand that lives as long as ssh's connection.
 */
export const handoffFits = (passThrough: ReadonlyArray<string>): boolean =>
  optionsFit(splitSshArgs(passThrough).options, sshOptionsWithValue, handoffUnfitLetters)

/**
 * Whether none of the options in `words` (letters grouped or not, a value attached or the next word)
 * is one of `unfit`, or a -o setting `handoffUnfitSettings` refuses; words that are not options are
 * skipped, and "--" ends the options.
 */
const optionsFit = (words: ReadonlyArray<string>, withValue: ReadonlySet<string>, unfit: ReadonlySet<string>): boolean => {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (!word.startsWith("-") || word === "-") continue
    if (word === "--") break
    for (let j = 1; j < word.length; j++) {
      const letter = word[j]!
      if (unfit.has(letter)) return false
      if (withValue.has(letter)) {
        const value = j < word.length - 1 ? word.slice(j + 1) : words[i + 1] ?? ""
        if (letter === "o" && handoffUnfitSettings.test(value)) return false
        if (j === word.length - 1) i++
        break
      }
    }
  }
  return true
}

/** scp option letters after which its one connection would not behave as through aegea's own ProxyCommand (-3 and -R: more than one connection). */
const scpHandoffUnfitLetters = new Set("3RSJ6".split(""))

/**
 * Whether scp with these arguments can take its session through aegea's pipes: one remote path
 * (one connection), and none of -3, -R (connections from elsewhere too), -S (another program for
 * ssh), -J, -6, or the -o settings `handoffFits` refuses.
 */
export const scpHandoffFits = (args: ReadonlyArray<string>): boolean =>
  remotePaths(args).length === 1 && optionsFit(args, scpOptionsWithValue, scpHandoffUnfitLetters)

/** ssh's argv: aegea's options, the user's options, the destination, then the remote command. */
export const sshCommandLine = (
  connection: ConnectionOptions,
  destination: { readonly user: string | undefined; readonly host: string },
  passThrough: ReadonlyArray<string>
): ReadonlyArray<string> => {
  const { options, command } = splitSshArgs(passThrough)
  const dest = destination.user !== undefined ? `${destination.user}@${destination.host}` : destination.host
  return [...connectionOptions(connection), ...options, dest, ...command]
}

export interface RemotePath {
  readonly index: number
  readonly user: string | undefined
  readonly name: string
  readonly path: string
}

/**
 * The arguments of scp that name a remote file: `[user@]NAME:path` where NAME starts with a letter
 * or digit (the Python aegea's rule); options and their values, and local paths ("./a:b", "/x:y")
 * are left alone.
 */
export const remotePaths = (args: ReadonlyArray<string>): ReadonlyArray<RemotePath> => {
  const found: Array<RemotePath> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg.startsWith("-")) {
      const letter = arg[arg.length - 1]!
      if (arg.length === 2 && scpOptionsWithValue.has(letter)) i++
      continue
    }
    const match = /^((?:[^@/:]+@)?)([A-Za-z0-9][A-Za-z0-9._-]*):(.*)$/s.exec(arg)
    if (match === null) continue
    const user = match[1] ? match[1].slice(0, -1) : undefined
    found.push({ index: i, user, name: match[2]!, path: match[3]! })
  }
  return found
}

/** Replace each remote argument's NAME with its host (and user). */
export const rewriteScpArgs = (
  args: ReadonlyArray<string>,
  hostFor: (remote: RemotePath) => { readonly user: string | undefined; readonly host: string }
): ReadonlyArray<string> => {
  const out = [...args]
  for (const remote of remotePaths(args)) {
    const { user, host } = hostFor(remote)
    out[remote.index] = `${user !== undefined ? `${user}@` : ""}${host}:${remote.path}`
  }
  return out
}
