/**
 * What an EC2 instance type implies before any API call: its CPU architecture. Graviton (arm64)
 * families carry a "g" right after the generation digit (m6g, c7gn, r8gd, t4g, x2gd, is4gen, g5g,
 * hpc7g) or are the first-generation a1; every other family is x86_64 (g5, g4dn and p4d are
 * x86_64 machines with GPUs: their "g" is the family letter, not the Graviton marker).
 */
export type Architecture = "x86_64" | "arm64"

const gravitonFamily = /^(a1|[a-z]+\d+g[a-z]*)$/

/** "m6g" from "m6g.large"; "c7i-flex" -> "c7i". */
export const instanceFamily = (instanceType: string): string =>
  (instanceType.toLowerCase().split(".")[0] ?? "").replace(/-flex$/, "")

export const architectureOf = (instanceType: string): Architecture =>
  gravitonFamily.test(instanceFamily(instanceType)) ? "arm64" : "x86_64"

/** Ubuntu's name for an architecture in its SSM parameter paths (amd64/arm64). */
export const debianArchitecture = (architecture: Architecture): string =>
  architecture === "arm64" ? "arm64" : "amd64"
