/**
 * A gzip-compressed POSIX (ustar) tar archive from in-memory entries: the build context that
 * `build-docker-image` uploads. Regular files, directories and symbolic links; long paths use the
 * ustar prefix field (paths that still do not fit are refused by the caller, see `tarPathFits`).
 */
import { gzipSync } from "node:zlib"

export type TarEntry =
  | { readonly kind: "file"; readonly path: string; readonly mode: number; readonly content: Uint8Array }
  | { readonly kind: "directory"; readonly path: string; readonly mode: number }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string }

const block = 512

/** Split a path into ustar's name (100 bytes) and prefix (155 bytes); undefined when it cannot fit. */
const splitPath = (path: string): { readonly name: string; readonly prefix: string } | undefined => {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" }
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return { name, prefix }
  }
  return undefined
}

export const tarPathFits = (path: string): boolean => splitPath(path) !== undefined

const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, "0") + "\0"

const header = (entry: TarEntry, size: number): Buffer => {
  const h = Buffer.alloc(block, 0)
  const path = entry.kind === "directory" && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path
  const split = splitPath(path) ?? { name: path.slice(-100), prefix: "" }
  h.write(split.name, 0, 100, "utf8")
  h.write(octal(entry.kind === "symlink" ? 0o777 : entry.mode & 0o7777, 8), 100, 8, "ascii")
  h.write(octal(0, 8), 108, 8, "ascii") // uid
  h.write(octal(0, 8), 116, 8, "ascii") // gid
  h.write(octal(size, 12), 124, 12, "ascii")
  h.write(octal(0, 12), 136, 12, "ascii") // mtime: fixed, so the same context gives the same bytes
  h.write("        ", 148, 8, "ascii") // checksum placeholder
  h.write(entry.kind === "file" ? "0" : entry.kind === "directory" ? "5" : "2", 156, 1, "ascii")
  if (entry.kind === "symlink") h.write(entry.target, 157, 100, "utf8")
  h.write("ustar\0", 257, 6, "ascii")
  h.write("00", 263, 2, "ascii")
  h.write(split.prefix, 345, 155, "utf8")
  let sum = 0
  for (const byte of h) sum += byte
  h.write(octal(sum, 7) + " ", 148, 8, "ascii")
  return h
}

/** The tar archive of the entries (in the order given), gzip-compressed. */
export const tarGz = (entries: ReadonlyArray<TarEntry>): Uint8Array => {
  const parts: Array<Uint8Array> = []
  for (const entry of entries) {
    const content = entry.kind === "file" ? entry.content : new Uint8Array(0)
    parts.push(header(entry, content.length))
    if (content.length > 0) {
      parts.push(content)
      const pad = (block - (content.length % block)) % block
      if (pad > 0) parts.push(Buffer.alloc(pad, 0))
    }
  }
  parts.push(Buffer.alloc(block * 2, 0))
  return gzipSync(Buffer.concat(parts), { level: 6 })
}
