/** The status line of waits (Output.status) and the pure pieces of lib/progress.ts. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import {
  eventLineText,
  formatElapsed,
  formatTransfer,
  logLine,
  programLine,
  spinnerFrames,
  statusLine,
  waitingLine,
  waitingPlain,
  watchLine
} from "../../src/lib/progress.ts"
import { Output } from "../../src/services/Output.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const erase = "\r\u001b[2K"
const stderrText = Effect.gen(function*() {
  return (yield* (yield* OutputCapture).stderr).join("\n")
})

describe("lib/progress", () => {
  it("formats elapsed time, bytes with rate and ETA", () => {
    assert.deepStrictEqual([0, 999, 12_000, 65_000, 3_725_000].map(formatElapsed), ["0s", "0s", "12s", "1m05s", "1h02m"])
    assert.strictEqual(formatTransfer(0, 4 * 1024 * 1024, 0), "0 B / 4 MiB")
    assert.strictEqual(formatTransfer(1024 * 1024, 4 * 1024 * 1024, 2_000), "1 MiB / 4 MiB · 512 KiB/s · ETA 6s")
    assert.strictEqual(formatTransfer(2048, undefined, 1_000), "2 KiB · 2 KiB/s")
  })

  it("a status line is one line no wider than the terminal", () => {
    assert.strictEqual(statusLine(0, "waiting for i-1: pending → running", 12_000, undefined), "⠋ waiting for i-1: pending → running · 12s")
    assert.strictEqual(statusLine(1, "a\nb", 0, undefined), "⠙ a b · 0s")
    const cut = statusLine(2, "x".repeat(200), 0, 40)
    assert.strictEqual([...cut].length, 39)
    assert.isTrue(cut.endsWith("…"))
  })

  it("names the waited resources and their states", () => {
    assert.strictEqual(waitingLine([{ label: "i-0abc (web-1)", state: "pending" }], "running", "instances"), "waiting for i-0abc (web-1): pending → running")
    assert.strictEqual(waitingLine([{ label: "i-0abc", state: "running" }], "running", "instances"), "waiting for i-0abc: running")
    assert.strictEqual(
      waitingLine([{ label: "i-1", state: "stopping" }, { label: "i-2", state: "stopped" }], "stopped", "instances"),
      "waiting for 2 instances to be stopped: i-1 stopping, i-2 stopped"
    )
    assert.deepStrictEqual(waitingPlain([{ label: "i-1", state: "stopping" }]), ["i-1 stopping"])
  })

  it("log lines: multi-line messages indented under the first line, colour only when on", () => {
    assert.strictEqual(logLine("T S", "first\nsecond\r\nthird\n"), "T S first\n    second\n    third")
    const event = { timestamp: new Date(0), group: "/g", stream: "web-1", message: "boom\n  at x" }
    assert.strictEqual(eventLineText(event, { showGroup: false, color: false }), "1970-01-01T00:00:00.000Z web-1 boom\n" + " ".repeat(31) + "  at x")
    const colored = eventLineText(event, { showGroup: true, color: true })
    assert.include(colored, "\u001b[2m1970-01-01T00:00:00.000Z\u001b[22m")
    assert.match(colored, /\u001b\[\d+m\/g:web-1\u001b\[39m boom/)
    // The continuation is indented to the visible width of the prefix, colour codes not counted.
    assert.strictEqual(colored.split("\n")[1], " ".repeat(24 + 1 + 8 + 1) + "  at x")
    assert.strictEqual(programLine(event, false), "boom\n  at x")
    assert.strictEqual(programLine(event, true), "\u001b[2m00:00:00\u001b[22m boom\n           at x")
  })

  it("watch lines carry a timestamp and, with colour, the state's colour", () => {
    assert.strictEqual(watchLine(0, "job 1 (x)", "RUNNABLE", undefined, false), "1970-01-01T00:00:00Z job 1 (x): RUNNABLE")
    assert.strictEqual(watchLine(0, "job 1 (x)", "FAILED", "oops", true), "\u001b[2m1970-01-01T00:00:00Z\u001b[22m job 1 (x): \u001b[31mFAILED\u001b[39m (oops)")
    assert.include(watchLine(0, "t", "RUNNING", undefined, true), "\u001b[32mRUNNING\u001b[39m")
  })
})

describe("Output.status", () => {
  it.effect("on a terminal: one line redrawn in place by the spinner, with the time waited, erased when done", () =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* output.status("waiting for i-1: pending → running")
      yield* TestClock.adjust("250 millis")
      yield* output.status("waiting for i-1: running")
      yield* TestClock.adjust("1 second")
      yield* output.statusDone
      const text = yield* stderrText
      // Nothing but the status line was written: no line ends, only "\r" + erase before each redraw.
      assert.notInclude(text, "\n")
      const draws = text.split(erase).filter((d) => d !== "")
      assert.isAtLeast(draws.length, 12)
      assert.strictEqual(draws[0], "⠋ waiting for i-1: pending → running · 0s")
      assert.strictEqual(draws[1], "⠙ waiting for i-1: pending → running · 0s")
      assert.include(draws, "⠹ waiting for i-1: running · 0s")
      assert.strictEqual(draws.at(-1), `${spinnerFrames[12 % spinnerFrames.length]} waiting for i-1: running · 1s`)
      // statusDone erased the line and stopped the spinner: the text ends with the erase, and stays so.
      assert.isTrue(text.endsWith(erase))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(yield* stderrText, text)
      assert.deepStrictEqual(yield* (yield* OutputCapture).statuses, ["waiting for i-1: pending → running", "waiting for i-1: running", "(done)"])
    }).pipe(Effect.provide(OutputTest.layer({}, { stderrIsTTY: true }))))

  it.effect("on a terminal: other output erases the line, prints, and redraws it; never a spinner frame in stdout", () =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* output.status("waiting")
      yield* output.info("a message")
      yield* output.text("a log line")
      yield* output.statusDone
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, ["a log line"])
      assert.strictEqual(
        (yield* out.stderr).join("\n"),
        `${erase}⠋ waiting · 0s${erase}a message\n${erase}⠋ waiting · 0s${erase}${erase}⠋ waiting · 0s${erase}`
      )
    }).pipe(Effect.provide(OutputTest.layer({}, { stderrIsTTY: true }))))

  it.effect("a function line is drawn at each tick with the time waited (a download's bytes)", () =>
    Effect.gen(function*() {
      const output = yield* Output
      let bytes = 0
      yield* output.status({ line: (elapsed) => `downloading ${formatTransfer(bytes, 1000, elapsed)}`, plain: [] })
      bytes = 500
      yield* TestClock.adjust("1 second")
      yield* output.statusDone
      const draws = (yield* stderrText).split(erase).filter((d) => d !== "")
      assert.strictEqual(draws.at(-1), `${spinnerFrames[0]} downloading 500 B / 1000 B · 500 B/s · ETA 1s · 1s`)
    }).pipe(Effect.provide(OutputTest.layer({}, { stderrIsTTY: true }))))

  it.effect("the spinner ends with the fiber that started it, erasing its line", () =>
    Effect.gen(function*() {
      const output = yield* Output
      const fiber = yield* Effect.forkChild(Effect.andThen(output.status("waiting"), Effect.never))
      yield* TestClock.adjust("300 millis")
      yield* Fiber.interrupt(fiber)
      const text = yield* stderrText
      assert.isTrue(text.endsWith(erase))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* stderrText, text)
    }).pipe(Effect.provide(OutputTest.layer({}, { stderrIsTTY: true, stderrColumns: 80 }))))

  it.effect("on a pipe: a timestamped line per change, never a spinner, never the same line twice", () =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* TestClock.setTime(Date.parse("2026-11-30T10:31:00Z"))
      for (const state of ["pending", "pending", "pending", "running"]) {
        yield* output.status({ line: `waiting for i-0abc: ${state} → running`, plain: [`i-0abc ${state}`] })
        yield* TestClock.adjust("2 seconds")
      }
      yield* output.status("RUNNING")
      yield* output.status("RUNNING")
      yield* output.status({ line: "a terminal only", plain: [] })
      yield* output.statusDone
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stderr, [
        "2026-11-30T10:31:00Z i-0abc pending",
        "2026-11-30T10:31:06Z i-0abc running",
        "2026-11-30T10:31:08Z RUNNING"
      ])
    }).pipe(Effect.provide(OutputTest.layer())))

  it.effect("with machine output (json) on stdout, a terminal on stderr gets the plain lines, not the spinner", () =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* output.status({ line: "waiting for i-1: pending → running", plain: ["i-1 pending"] })
      yield* TestClock.adjust("1 second")
      yield* output.statusDone
      const text = yield* stderrText
      assert.strictEqual(text, "1970-01-01T00:00:00Z i-1 pending")
    }).pipe(Effect.provide(OutputTest.layer({ format: "json" }, { stderrIsTTY: true }))))
})
