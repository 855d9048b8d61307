import { expect, it } from "vitest"
import { runCli, runCliPiped, cliEnv } from "../support/cli.ts"
it("help", async () => {
  const r = await runCli(["--help"])
  expect(r.code).toBe(0)
  expect(r.stdout).toContain("aegea")
  const p = await runCliPiped(["--help"], ["head", "-1"])
  console.log(JSON.stringify(p))
  expect(p.stdout.split("\n").filter(Boolean)).toHaveLength(1)
  const env = cliEnv()
  expect(Object.keys(env).filter((k) => k.startsWith("AWS_") && !["AWS_ACCESS_KEY_ID","AWS_SECRET_ACCESS_KEY","AWS_REGION","AWS_DEFAULT_REGION","AWS_ENDPOINT_URL","AWS_MAX_ATTEMPTS","AWS_EC2_METADATA_DISABLED","AWS_CONFIG_FILE","AWS_SHARED_CREDENTIALS_FILE"].includes(k))).toEqual([])
  await expect(runCli(["--help"], { timeoutMs: 5 })).rejects.toThrow(/did not finish within 5 ms/)
  const s = await runCli(["-e"], { env: {} }).catch((e) => e)
  console.log(String(s.code))
})
