// Preloaded into the CLI (`node --allow-natives-syntax --import ./jit-probe.mjs dist/aegea.js ...`) by
// test/cli/startup.test.ts: asks V8 to optimize a fresh function at 0.3 s and again at 3 s, and prints
// on stderr whether it did ("jit-probe 0.3s optimized=false"). The launcher turns TurboFan off at
// start and back on after 1 s. Keeps the process alive until the second probe (process.exit waits).
const probe = (label) => {
  const f = new Function("x", "return x * 2 + 1")
  const optimize = new Function("f", "%PrepareFunctionForOptimization(f); f(1); f(2); %OptimizeFunctionOnNextCall(f); f(3); return %GetOptimizationStatus(f)")
  const status = optimize(f)
  process.stderr.write(`jit-probe ${label} optimized=${(status & 16) !== 0}\n`)
}
setTimeout(() => probe("0.3s"), 300)
setTimeout(() => probe("3s"), 3_000)
// The CLI exits as soon as its command is done (src/bin.ts); keep it alive until the second probe.
process.exit = (code) => {
  if (code !== undefined) process.exitCode = code
}
