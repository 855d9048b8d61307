// `aegea-ssh`: OpenSSH's command line (`aegea-ssh [ssh options] [user@]host [command]`) for programs
// that run "ssh" themselves, e.g. VS Code's Remote-SSH ("remote.SSH.path": "aegea-ssh"). A tiny
// launcher: it runs the aegea bundle next to it as `aegea ssh ARGS...` (src/lib/sshArgv.ts puts the
// words after the host behind `--`), with that bundle as argv[1] so ssh's ProxyCommand runs aegea.
// A line with no host (`aegea-ssh -V`, which editors run to learn the version), or one that only asks
// ssh about itself (-V, -G: print the configuration), goes to ssh itself.
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { splitSshCommandLine } from "./lib/sshArgv.ts"

const args = process.argv.slice(2)
const { target, openSsh } = splitSshCommandLine(args)
if (target === undefined || openSsh.includes("-V") || openSsh.includes("-G")) {
  const ran = spawnSync("ssh", args, { stdio: "inherit" })
  if (ran.error !== undefined) process.stderr.write(`aegea-ssh: could not run ssh: ${ran.error.message}\n`)
  process.exit(ran.status ?? 255)
}
// (this launcher, like dist/aegea.js, is CommonJS: scripts/build.mjs)
const aegea = join(__dirname, "aegea.js")
process.argv.splice(1, process.argv.length - 1, aegea, "ssh", ...args)
require(aegea)
