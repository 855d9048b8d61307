// A module-loader hook that writes down every module a child process loads (Node 20: module.register),
// for tests of what a command line loads. Run the child with `--import <register>` and AEGEA_LOAD_LOG=FILE.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

/** Writes the hook into `dir`; returns the `--import` URL that registers it. */
export const writeLoadHook = (dir: string): string => {
  writeFileSync(join(dir, "hooks.mjs"), [
    `import { appendFileSync } from "node:fs"`,
    `export async function load(url, context, next) {`,
    `  if (process.env.AEGEA_LOAD_LOG) appendFileSync(process.env.AEGEA_LOAD_LOG, url + "\\n")`,
    `  return next(url, context)`,
    `}`
  ].join("\n"))
  // The CLI's chunks are classic scripts the launcher reads and runs itself (src/compileCache.ts), or
  // requires: no module hook sees them, so their reads of dist/chunks/*.js are written down too.
  writeFileSync(join(dir, "register.mjs"), [
    `import { register } from "node:module"`,
    `import fs from "node:fs"`,
    `import { pathToFileURL } from "node:url"`,
    `register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)})`,
    `const readFileSync = fs.readFileSync`,
    `fs.readFileSync = function (path, ...rest) {`,
    `  if (process.env.AEGEA_LOAD_LOG && typeof path === "string" && /\\/dist\\/chunks\\/[^/]+\\.js$/.test(path)) fs.appendFileSync(process.env.AEGEA_LOAD_LOG, pathToFileURL(path).href + "\\n")`,
    `  return readFileSync.call(this, path, ...rest)`,
    `}`
  ].join("\n"))
  return pathToFileURL(join(dir, "register.mjs")).href
}
