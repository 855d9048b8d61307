/**
 * `--fargate-cpu` and `--fargate-memory` values: CPU as units (256 = 0.25 vCPU) or vCPUs ("0.25",
 * "1 vCPU"), memory as MiB ("2048") or with a unit ("0.5GB", "2 GB", "512 MiB"). Config values may be
 * numbers or strings (the Python aegea wrote "1 vCPU" and "2 GB").
 */
import * as Effect from "effect/Effect"
import { UsageError } from "../../errors.ts"

const numberWithUnit = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i

const invalid = (flag: string, value: unknown, hint: string) =>
  new UsageError({ message: `invalid --${flag} ${JSON.stringify(String(value))}`, hint })

/** CPU units (1024 = 1 vCPU). A bare number below 64 is a vCPU count, otherwise units. */
export const parseFargateCpu = (value: unknown): Effect.Effect<number, UsageError> => {
  const match = numberWithUnit.exec(String(value))
  const hint = "Give CPU units (256, 512, 1024, 2048, 4096, 8192, 16384) or vCPUs (0.25, 0.5, 1, 2, 4, 8, 16 or \"1 vCPU\")"
  if (match === null) return Effect.fail(invalid("fargate-cpu", value, hint))
  const amount = Number(match[1])
  const unit = (match[2] ?? "").toLowerCase()
  if (unit === "vcpu" || unit === "vcpus" || (unit === "" && amount < 64)) return Effect.succeed(Math.round(amount * 1024))
  if (unit === "") return Effect.succeed(amount)
  return Effect.fail(invalid("fargate-cpu", value, hint))
}

/** Memory in MiB. A bare number is MiB; GB/GiB multiply by 1024. */
export const parseFargateMemory = (value: unknown): Effect.Effect<number, UsageError> => {
  const match = numberWithUnit.exec(String(value))
  const hint = "Give MiB (e.g. 2048) or a size with a unit (e.g. 0.5GB, 2 GB)"
  if (match === null) return Effect.fail(invalid("fargate-memory", value, hint))
  const amount = Number(match[1])
  const unit = (match[2] ?? "").toLowerCase()
  if (unit === "gb" || unit === "gib" || unit === "g") return Effect.succeed(Math.round(amount * 1024))
  if (unit === "" || unit === "mb" || unit === "mib" || unit === "m") return Effect.succeed(amount)
  return Effect.fail(invalid("fargate-memory", value, hint))
}
