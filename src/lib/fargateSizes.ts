/**
 * The vCPU and memory combinations Fargate accepts (AWS Batch and ECS documentation, "Fargate task
 * sizes"): memory in MiB for each vCPU count.
 */
const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step)

export const fargateMemoryByVcpus: ReadonlyMap<number, ReadonlyArray<number>> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, range(1024, 4096, 1024)],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)]
])

const describeRange = (values: ReadonlyArray<number>) =>
  values.length <= 3
    ? values.join(", ")
    : `${values[0]} to ${values[values.length - 1]} in steps of ${(values[1] ?? 0) - (values[0] ?? 0)}`

/**
 * Undefined when Fargate accepts the pair; otherwise a sentence saying what it accepts, calling the
 * memory `memoryName` ("memory" for a program, the flag "--memory" in the CLI).
 */
export const fargateSizeProblem = (vcpus: number, memoryMiB: number, memoryName = "memory"): string | undefined => {
  const allowed = fargateMemoryByVcpus.get(vcpus)
  if (allowed === undefined) {
    return `Fargate does not offer ${vcpus} vCPUs; use one of ${[...fargateMemoryByVcpus.keys()].join(", ")}`
  }
  if (!allowed.includes(memoryMiB)) {
    return `Fargate with ${vcpus} vCPU${vcpus === 1 ? "" : "s"} needs ${memoryName} ${describeRange(allowed)} (MiB), not ${memoryMiB}`
  }
  return undefined
}
