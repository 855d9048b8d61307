// Launcher: its static imports are Node built-ins only, so the compile cache (Node >= 22.1) covers
// every chunk the CLI loads afterwards. On Node 20 enableCompileCache does not exist (a no-op).
import module from "node:module"
;(module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache?.()
// The SDK prints a 9-line notice on Node < 22 when the first client is built; operators do not need it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"
await import("./bin.ts")
