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
  writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module"\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)})\n`)
  return pathToFileURL(join(dir, "register.mjs")).href
}
