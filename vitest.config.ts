// Three projects (see docs/testing.md):
// - unit: test/unit, in-memory layers only, files in parallel.
// - aws:  test/integration + test/cli against the moto_servers started by test/support/globalSetup.ts
//         (AEGEA_TEST_MOTO_SERVERS, default 2); moto state is global to a server, so each file holds one
//         server for itself while it runs (test/support/motoSlot.ts): as many files at once as servers.
// - cli-standalone: the CLI files that never change moto's state (the package, the sandbox with its
//         own emulator, help, the bundle); one at a time too, beside `aws`, with a moto of their own.
import { defineConfig } from "vitest/config"

// Node 20 lacks Map.groupBy, which vitest 5's reporter calls when it prints failures (Node >= 21 has it).
const MapWithGroupBy = Map as unknown as { groupBy?: unknown }
if (typeof MapWithGroupBy.groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", {
    configurable: true,
    writable: true,
    value: <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => {
      const groups = new Map<K, Array<T>>()
      let index = 0
      for (const item of items) {
        const k = key(item, index++)
        const group = groups.get(k)
        if (group) group.push(item)
        else groups.set(k, [item])
      }
      return groups
    }
  })
}

// Tests never see the developer's AWS environment (AWS_PROFILE, AWS_ENDPOINT_URL, keys...): it would leak into
// SDK clients and into moto_server itself (moto fails every request when AWS_PROFILE names an unknown profile).
for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k]
// The SDK's Node 20 deprecation notice (9 lines per process) would drown test output; workers inherit this.
// Children spawned by test/support/cli.ts do NOT (the CLI's launcher must silence it by itself).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const standalone = [
  "test/cli/package.test.ts",
  "test/cli/sandbox.test.ts",
  "test/cli/help.test.ts",
  "test/cli/static-help.test.ts",
  "test/cli/bundlePatches.test.ts",
  "test/cli/compileCache.test.ts"
]

export default defineConfig({
  plugins: [
    {
      // `import text from "./x.yml"` yields the file's text (esbuild does the same with loader .yml: text)
      name: "yml-text",
      enforce: "pre",
      transform(code: string, id: string) {
        if (id.endsWith(".yml")) return { code: "export default " + JSON.stringify(code), map: null }
        return undefined
      }
    }
  ],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          globalSetup: ["test/support/runTmpdir.ts"],
          testTimeout: 10_000
        }
      },
      {
        extends: true,
        test: {
          name: "aws",
          include: ["test/integration/**/*.test.ts", "test/cli/**/*.test.ts"],
          exclude: standalone,
          globalSetup: ["test/support/globalSetup.ts"],
          setupFiles: ["test/support/motoSlot.ts"],
          maxWorkers: Number(process.env.AEGEA_TEST_MOTO_SERVERS ?? "2"),
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        extends: true,
        test: {
          name: "cli-standalone",
          include: standalone,
          globalSetup: ["test/support/globalSetup.ts"],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
})
