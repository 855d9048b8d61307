/** The published library entry points ("aegea" and "aegea/testing"), as a user's program imports them. */
import { Effect, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { motoEndpoint, resetMoto, seedInstances } from "../support/moto.ts"

// Resolved through package.json "exports" (self-reference), i.e. the built dist/lib bundles.
const aegea = await import("aegea")
const testing = await import("aegea/testing")

describe("library API", () => {
  it("composes Ec2 with the in-memory layer of aegea/testing", async () => {
    const program = Effect.gen(function*() {
      const ec2 = yield* aegea.Ec2.Ec2
      const running = yield* Stream.runCollect(ec2.instances({ states: ["running"] }))
      const box = yield* ec2.resolveInstance("box")
      return { running: running.map((i) => i.name), box: box.id }
    })
    const result = await Effect.runPromise(
      program.pipe(
        Effect.provide(testing.Ec2Memory.layer({ instances: [{ id: "i-0000000000000000a", name: "box" }, { name: "off", state: "stopped" }] }))
      )
    )
    expect(result).toEqual({ running: ["box"], box: "i-0000000000000000a" })
  })

  it("composes Ec2.layer with Aws.layer against a real endpoint", async () => {
    await resetMoto()
    const [id] = await seedInstances(1, { names: ["lib-box"] })
    process.env.AWS_ACCESS_KEY_ID = "testing"
    process.env.AWS_SECRET_ACCESS_KEY = "testing"
    const live = aegea.Ec2.layer.pipe(
      Layer.provide(aegea.Aws.layer({ region: "us-east-1", endpointUrl: motoEndpoint(), maxAttempts: 1 }))
    )
    const instance = await Effect.runPromise(
      Effect.gen(function*() {
        return yield* (yield* aegea.Ec2.Ec2).resolveInstance("lib-box")
      }).pipe(Effect.provide(live))
    )
    expect(instance.id).toBe(id)
  })

  it("exposes the error classes with their exit codes", () => {
    const error = new aegea.ResourceNotFound({ kind: "instance", name: "x" })
    expect(aegea.exitCodeOf(error)).toBe(5)
    expect(error.summary).toBe('no instance named "x"')
  })

  it("exports namespaces, not the CLI's internals", () => {
    expect(Object.keys(aegea)).toEqual(expect.arrayContaining(["Aws", "Batch", "Ec2", "Ecs", "Logs", "Schedules", "ResourceNotFound"]))
    for (const internal of ["cli", "version", "detectSettings", "Output", "OutputLive", "watchJob", "renderWatch", "Ec2Live"]) {
      expect(Object.keys(aegea)).not.toContain(internal)
    }
    expect(Object.keys(aegea.Batch)).not.toContain("watchJob")
    expect(Object.keys(testing)).not.toContain("OutputTest")
  })
})
