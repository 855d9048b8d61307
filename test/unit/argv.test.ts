import { describe, expect, it } from "vitest"
import { joinRelativeTimeValues } from "../../src/lib/argv.ts"

describe("joinRelativeTimeValues", () => {
  it("joins a relative time to the long flag before it", () => {
    expect(joinRelativeTimeValues(["logs", "g", "--start-time", "-2h", "--end-time", "-30m"])).toEqual([
      "logs", "g", "--start-time=-2h", "--end-time=-30m"
    ])
    expect(joinRelativeTimeValues(["grep", "x", "g", "--since", "-1.5d"])).toEqual(["grep", "x", "g", "--since=-1.5d"])
    expect(joinRelativeTimeValues(["logs", "g", "--start-time", "-2 hours", "--end-time", "-1 hour ago"])).toEqual([
      "logs", "g", "--start-time=-2 hours", "--end-time=-1 hour ago"
    ])
  })
  it("leaves everything else alone, including arguments after --", () => {
    expect(joinRelativeTimeValues(["ls", "-h"])).toEqual(["ls", "-h"])
    expect(joinRelativeTimeValues(["logs", "--start-time=-2h"])).toEqual(["logs", "--start-time=-2h"])
    expect(joinRelativeTimeValues(["ssh", "box", "--", "--x", "-2h"])).toEqual(["ssh", "box", "--", "--x", "-2h"])
    expect(joinRelativeTimeValues(["logs", "--follow", "-v"])).toEqual(["logs", "--follow", "-v"])
  })
})
