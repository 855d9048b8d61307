// Where the launcher's compile cache lives (src/compileCache.ts cacheDirectory); what it does with the
// files there is test/cli/compileCache.test.ts, on the built CLI.
import { describe, expect, it } from "vitest"
import { cacheDirectory } from "../../src/compileCache.ts"

describe("cacheDirectory", () => {
  it("is AEGEA_CACHE_DIR, else $XDG_CACHE_HOME/aegea, else $HOME/.cache/aegea", () => {
    expect(cacheDirectory({ AEGEA_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/c")
    expect(cacheDirectory({ XDG_CACHE_HOME: "/x/", HOME: "/h" })).toBe("/x/aegea")
    expect(cacheDirectory({ AEGEA_CACHE_DIR: "", HOME: "/h/" })).toBe("/h/.cache/aegea")
  })

  it("takes absolute paths only: a relative one would move with the working directory", () => {
    expect(cacheDirectory({ AEGEA_CACHE_DIR: "cache", HOME: "/h" })).toBeUndefined()
    expect(cacheDirectory({ XDG_CACHE_HOME: "relative", HOME: "/h" })).toBe("/h/.cache/aegea")
    expect(cacheDirectory({ HOME: "" })).toBeUndefined()
    expect(cacheDirectory({})).toBeUndefined()
  })
})
