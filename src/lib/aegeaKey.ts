/**
 * aegea's own SSH key (~/.ssh/aegea.ed25519, what `aegea ssh` pushes when ssh-agent holds no key):
 * read its public half, creating the pair with src/lib/sshKey.ts (no ssh-keygen needed) when it is
 * missing, so `aegea launch` can put it in the provisioned user's authorized_keys.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { generateEd25519KeyPair } from "./sshKey.ts"

/** ~/.ssh/aegea.ed25519 (HOME from the environment first, as ssh does). */
export const aegeaKeyFile = (home: string = process.env.HOME ?? homedir()): string => join(home, ".ssh", "aegea.ed25519")

/** The authorized_keys line of the key at `privateKeyPath` if it exists (for --dry-run, which creates nothing). */
export const existingPublicKey = (privateKeyPath: string): string | undefined => {
  try {
    return readFileSync(`${privateKeyPath}.pub`, "utf8").trim()
  } catch {
    return undefined
  }
}

/** The authorized_keys line of the key at `privateKeyPath`, made (0600, and .pub) when absent. Throws on I/O errors. */
export const readOrCreatePublicKey = (privateKeyPath: string): { readonly publicKey: string; readonly created: boolean } => {
  const publicKeyPath = `${privateKeyPath}.pub`
  if (existsSync(privateKeyPath) && existsSync(publicKeyPath)) {
    return { publicKey: readFileSync(publicKeyPath, "utf8").trim(), created: false }
  }
  if (existsSync(privateKeyPath)) throw new Error(`${publicKeyPath} is missing; recreate it with ssh-keygen -y -f ${privateKeyPath} > ${publicKeyPath}`)
  mkdirSync(dirname(privateKeyPath), { recursive: true, mode: 0o700 })
  const pair = generateEd25519KeyPair("aegea")
  writeFileSync(privateKeyPath, pair.privateKeyPem, { mode: 0o600, flag: "wx" })
  writeFileSync(publicKeyPath, `${pair.publicKey}\n`, { mode: 0o644 })
  return { publicKey: pair.publicKey, created: true }
}
