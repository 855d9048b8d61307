// Temporary (until the lead wires src/cli.ts): bundle the CLI with the ssh family into dist/.
import { readFileSync, writeFileSync } from "node:fs"
const cli = readFileSync("src/cli.ts", "utf8")
  .replaceAll('"./commands/', '"../src/commands/')
  .replace('import { Command } from "effect/cli"', 'import { Command } from "effect/cli"\nimport { sshCommands } from "../src/commands/sshFamily.ts"')
  .replace(/configCommand\]\)/, "configCommand, ...sshCommands])")
writeFileSync(".scratch-ssh/cli.ts", cli)
writeFileSync(".scratch-ssh/bin.ts", readFileSync("src/bin.ts", "utf8").replace(/from "\.\/(?!cli\.ts)/g, 'from "../src/'))
writeFileSync(".scratch-ssh/main.ts", readFileSync("src/main.ts", "utf8"))
writeFileSync(".scratch-ssh/b.mjs", readFileSync("scripts/build.mjs", "utf8").replace("src/main.ts", ".scratch-ssh/main.ts"))
await import("/work/main/.scratch-ssh/b.mjs")
