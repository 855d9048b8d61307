// Helpers for test/integration and test/cli (the `aws` vitest project). The servers are started once per
// run by ./globalSetup.ts; ./motoSlot.ts gives each file one for itself while it runs; a test file calls
// `useMoto()` at top level to start from a clean state.
import { SUITE_SECRET_ACCESS_KEY, SUITE_SESSION_TOKEN } from "./outputScan.ts"
import { EC2Client, RunInstancesCommand, StopInstancesCommand, CreateTagsCommand } from "@aws-sdk/client-ec2"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, beforeEach, inject } from "vitest"

// Also declared in ./globalSetup.ts (which provides it); identical declarations merge.
declare module "vitest" {
  interface ProvidedContext {
    motoEndpoint: string
  }
}

export const TEST_REGION = "us-east-1"
/** Amazon Linux 2023 (kernel 6.18, x86_64): one of moto's built-in public AMIs. */
export const TEST_AMI = "ami-0e1e769742d1cfb49"

/** URL of this file's moto_server (http://127.0.0.1:PORT). Throws outside the `aws` and `cli-standalone` projects. */
export function motoEndpoint(): string {
  const slot = process.env.AEGEA_TEST_MOTO_SLOT_ENDPOINT
  if (slot) return slot
  let injected: string | undefined
  try {
    injected = inject("motoEndpoint")
  } catch {
    injected = undefined
  }
  const endpoint = injected ?? process.env.AEGEA_TEST_MOTO_ENDPOINT
  if (!endpoint)
    throw new Error("no moto endpoint: run this file in the `aws` vitest project (it starts moto_server in globalSetup)")
  return endpoint
}

/** Clears every moto backend (all regions). Keeps /moto-api/config (batch use_docker=false). */
export async function resetMoto(): Promise<void> {
  const res = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: "POST", signal: AbortSignal.timeout(20_000) })
  if (!res.ok) throw new Error(`POST /moto-api/reset -> HTTP ${res.status}: ${await res.text()}`)
}

/** Call at the top level of a test file: resets moto once before the file's tests (`each: true` -> before every test). */
export function useMoto(opts: { readonly each?: boolean } = {}): void {
  if (opts.each) beforeEach(resetMoto)
  else beforeAll(resetMoto)
}

/** SDK client settings for seeding/asserting from tests (dummy credentials, no retries). */
export function sdkConfig(region: string = TEST_REGION) {
  return {
    region,
    endpoint: motoEndpoint(),
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1
  }
}

export function ec2Client(region: string = TEST_REGION): EC2Client {
  return new EC2Client(sdkConfig(region))
}

const homes: Array<string> = []
process.once("exit", () => {
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

/** A fresh empty HOME (removed when the test process exits, and with the run's folder of homes, ./globalSetup.ts). */
export function makeTestHome(): string {
  const home = mkdtempSync(join(process.env.AEGEA_TEST_HOMES ?? tmpdir(), "aegea-test-home-"))
  mkdirSync(join(home, ".config"))
  homes.push(home)
  return home
}

/**
 * The compile cache (src/compileCache.ts) every aegea process of the suite shares, instead of one per
 * fresh HOME: the suite's hundreds of runs start from it. Its files are named by the build, so runs of
 * another build never read them; aegea creates the folder (0700) and removes other builds' files.
 */
export const TEST_COMPILE_CACHE_DIR = process.env.AEGEA_TEST_CACHE_DIR ?? join(tmpdir(), `aegea-test-compile-cache-${process.getuid?.() ?? "user"}`)

/**
 * The whole environment an aegea process needs to talk to moto and nothing else: dummy credentials,
 * us-east-1, AWS_ENDPOINT_URL, one SDK attempt, and a fresh HOME/XDG_CONFIG_HOME so the developer's
 * ~/.aws and ~/.config/aegea are never read. Pass `home` to share one HOME between several calls.
 */
export function awsTestEnv(opts: { readonly home?: string } = {}): Record<string, string> {
  const home = opts.home ?? makeTestHome()
  return {
    AWS_ACCESS_KEY_ID: "testing",
    // Distinctive, so that the suite's secret scan (./outputScan.ts) finds any echo of them.
    AWS_SECRET_ACCESS_KEY: SUITE_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: SUITE_SESSION_TOKEN,
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_MAX_ATTEMPTS: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(home, "nonexistent-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "nonexistent-aws-credentials"),
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    AEGEA_CACHE_DIR: TEST_COMPILE_CACHE_DIR,
    NO_COLOR: "1",
    TZ: "UTC"
  }
}

export interface SeedOptions {
  /** Name tags, one per instance (length must be n). Default `${namePrefix}1..n`. */
  readonly names?: ReadonlyArray<string>
  /** Default "web-". */
  readonly namePrefix?: string
  readonly instanceType?: string
  readonly imageId?: string
  readonly keyName?: string
  /** Extra tags on every instance. */
  readonly tags?: Readonly<Record<string, string>>
  /** Stop the instances after launching them (moto transitions instantly). */
  readonly stopped?: boolean
  readonly region?: string
}

/** Launches n instances in one RunInstances call, tags each with its own Name; returns ids in Name order. */
export async function seedInstances(n: number, opts: SeedOptions = {}): Promise<Array<string>> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`seedInstances: n must be a positive integer, got ${n}`)
  const names = opts.names ?? Array.from({ length: n }, (_, i) => `${opts.namePrefix ?? "web-"}${i + 1}`)
  if (names.length !== n) throw new Error(`seedInstances: ${names.length} names for ${n} instances`)
  const ec2 = ec2Client(opts.region)
  try {
    const extra = Object.entries(opts.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: opts.imageId ?? TEST_AMI,
        InstanceType: (opts.instanceType ?? "t3.micro") as "t3.micro",
        MinCount: n,
        MaxCount: n,
        ...(opts.keyName ? { KeyName: opts.keyName } : {}),
        // a single Name for the batch, so a half-seeded state is still recognisable; renamed below
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: names[0]! }, ...extra] }]
      })
    )
    const ids = (run.Instances ?? []).map((i) => i.InstanceId!)
    if (ids.length !== n) throw new Error(`seedInstances: RunInstances returned ${ids.length} instances, wanted ${n}`)
    const renames = ids.map((id, i) => [id, names[i]!] as const).filter(([, name]) => name !== names[0])
    for (let i = 0; i < renames.length; i += 16) {
      await Promise.all(
        renames
          .slice(i, i + 16)
          .map(([id, name]) => ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "Name", Value: name }] })))
      )
    }
    if (opts.stopped) await ec2.send(new StopInstancesCommand({ InstanceIds: ids }))
    return ids
  } finally {
    ec2.destroy()
  }
}
