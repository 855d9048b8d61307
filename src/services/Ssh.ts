/**
 * OpenSSH on the local machine: finding `ssh`/`scp`, running them as scoped child processes that
 * own the terminal, the keys ssh-agent holds, aegea's own key, and private temporary files
 * (known_hosts, session tickets) that disappear when the scope closes.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { OperationFailed } from "../errors.ts"

/** How `Ssh.run` runs a program: extra environment variables (the rest inherited). */
export interface RunOptions {
  /** Extra environment variables for the child (the rest is inherited). */
  readonly env?: Readonly<Record<string, string>>
}

/** An SSH key pair on disk: the private key's path and the public key's line. */
export interface KeyFile {
  readonly privateKeyPath: string
  /** "ssh-ed25519 AAAA... comment". */
  readonly publicKey: string
}

/**
 * The local side of ssh: find programs, run ssh/scp with the terminal, read the agent's keys, make aegea's key.
 * Live: `SshLive`.
 */
export class Ssh extends Context.Service<Ssh, {
  /** The absolute path of `program` on PATH, or none. */
  readonly which: (program: string) => Effect.Effect<Option.Option<string>>
  /**
   * Run `program` with stdin, stdout and stderr inherited (it owns the terminal) and return its exit
   * code. Interruption (Ctrl-C) or closing the scope terminates it.
   */
  readonly run: (program: string, args: ReadonlyArray<string>, options?: RunOptions) => Effect.Effect<number, OperationFailed>
  /** The public keys ssh-agent holds (`ssh-add -L`); empty without an agent or keys. */
  readonly agentPublicKeys: Effect.Effect<ReadonlyArray<string>>
  /** The key at `privateKeyPath`, created with ssh-keygen (ed25519, no passphrase) when missing. */
  readonly ensureKey: (privateKeyPath: string) => Effect.Effect<KeyFile, OperationFailed>
  /** A new directory only the current user can read, removed with its files when the scope closes. */
  readonly privateDirectory: Effect.Effect<string, OperationFailed, Scope.Scope>
}>()("aegea/Ssh") {}

/**
 * The OS user name the Python aegea derives from an IAM user name: the part before "@"
 * ("jane.doe@example.com" -> "jane.doe").
 */
export const linuxUserName = (iamUserName: string): string => iamUserName.split("@")[0] ?? iamUserName
