#!/usr/bin/env node
// `npm run sandbox`: try aegea without an AWS account.
// Starts moto_server (a local fake of the AWS APIs) on a free 127.0.0.1 port, seeds a few resources,
// then either runs one aegea command line against it and stops (`npm run sandbox -- ls --json`), or
// prints the environment that points aegea (or the aws CLI) at it and runs until Ctrl-C.
//
//   node scripts/sandbox.mjs [--port N] [--empty] [AEGEA ARGS...]
//
// moto_server comes from PATH, else from .sandbox/venv (made with Python's venv + pip on first use).
//
// Plain Node ESM (no build needed). Also imported by bench/startup.mjs for startMoto()/stopMoto().
import { spawn, spawnSync } from "node:child_process"
import { createWriteStream, existsSync, mkdirSync } from "node:fs"
import { createServer } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export const REGION = "us-east-1"
export const AMI = "ami-0e1e769742d1cfb49" // Amazon Linux 2023, one of moto's built-in public AMIs
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" }
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..")

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function fetchOk(url, init) {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) })
    const body = await res.text()
    return res.ok ? body : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts moto_server on 127.0.0.1:port (a free one by default) and waits (<= timeoutMs) for /moto-api/.
 * Its output goes to logFile if given (else it is drained and the tail kept for error messages).
 * Sets batch use_docker=false. Returns { endpoint, port, child }.
 */
export async function startMoto({ port, logFile, timeoutMs = 20_000, program = "moto_server" } = {}) {
  if (program === "moto_server" && spawnSync("sh", ["-c", "command -v moto_server"], { stdio: "ignore" }).status !== 0)
    throw new Error("moto_server not found: pip install 'moto[server]'")
  const p = port ?? (await freePort())
  const endpoint = `http://127.0.0.1:${p}`
  if (await fetchOk(`${endpoint}/moto-api/`)) throw new Error(`port ${p} is already serving something`)
  const child = spawn(program, ["-H", "127.0.0.1", "-p", String(p)], {
    stdio: ["ignore", "pipe", "pipe"],
    // moto (botocore) reads AWS_* too: AWS_PROFILE=unknown makes every request fail
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_"))), PYTHONUNBUFFERED: "1" }
  })
  let tail = ""
  const log = logFile ? createWriteStream(logFile, { flags: "a" }) : undefined
  for (const s of [child.stdout, child.stderr]) {
    s.on("data", (d) => {
      tail = (tail + d.toString()).slice(-8_000)
      log?.write(d)
    })
  }
  let exited
  child.once("exit", (code, signal) => (exited = `exited with ${signal ?? code}`))
  child.once("error", (e) => (exited = `failed to start: ${e.message}`))
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (exited) break
    if (await fetchOk(`${endpoint}/moto-api/`)) break
    if (Date.now() > deadline) break
    await sleep(100)
  }
  if (exited || !(await fetchOk(`${endpoint}/moto-api/`))) {
    child.kill("SIGKILL")
    throw new Error(`moto_server ${exited ?? `did not answer within ${timeoutMs / 1000} s`}\n${tail}`)
  }
  const cfg = await fetchOk(`${endpoint}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ batch: { use_docker: false } })
  })
  if (!cfg) {
    child.kill("SIGKILL")
    throw new Error("POST /moto-api/config failed")
  }
  return { endpoint, port: p, child }
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process is gone. */
export async function stopMoto(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once("exit", r))
  child.kill("SIGTERM")
  await Promise.race([gone, sleep(3_000)])
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL")
    await Promise.race([gone, sleep(3_000)])
  }
}

export const clientConfig = (endpoint) => ({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 })

/** n running instances in one RunInstances call, all tagged Name=<name>. Returns their ids. */
export async function seedManyInstances(endpoint, n, name = "bench") {
  const { EC2Client, RunInstancesCommand } = await import("@aws-sdk/client-ec2")
  const ec2 = new EC2Client(clientConfig(endpoint))
  try {
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        InstanceType: "t3.micro",
        MinCount: n,
        MaxCount: n,
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: name }] }]
      })
    )
    return out.Instances.map((i) => i.InstanceId)
  } finally {
    ec2.destroy()
  }
}

/** Adds `tags` (an object of key -> value) to the resource `id` (an instance, say). */
export async function tagResource(endpoint, id, tags) {
  const { EC2Client, CreateTagsCommand } = await import("@aws-sdk/client-ec2")
  const ec2 = new EC2Client(clientConfig(endpoint))
  try {
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }))
  } finally {
    ec2.destroy()
  }
}

/**
 * A log group with its streams, and a way to put events into them: `put(stream, events)` (creating the
 * stream the first time), `close()`. `events`: [{ timestamp, message }], in time order.
 */
export async function logWriter(endpoint, group) {
  const logs = await import("@aws-sdk/client-cloudwatch-logs")
  const cwl = new logs.CloudWatchLogsClient(clientConfig(endpoint))
  const streams = new Set()
  try {
    await cwl.send(new logs.CreateLogGroupCommand({ logGroupName: group }))
  } catch (e) {
    cwl.destroy()
    throw e
  }
  return {
    put: async (stream, events) => {
      if (!streams.has(stream)) {
        await cwl.send(new logs.CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
        streams.add(stream)
      }
      await cwl.send(new logs.PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }))
    },
    close: () => cwl.destroy()
  }
}

const tags = (ResourceType, Name, extra = {}) => [
  { ResourceType, Tags: [{ Key: "Name", Value: Name }, ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value }))] }
]

/** The sandbox's demo resources. Returns a summary (name -> id). */
export async function seedSandbox(endpoint) {
  const ec2sdk = await import("@aws-sdk/client-ec2")
  const sm = await import("@aws-sdk/client-secrets-manager")
  const logs = await import("@aws-sdk/client-cloudwatch-logs")
  const ec2 = new ec2sdk.EC2Client(clientConfig(endpoint))
  const secrets = new sm.SecretsManagerClient(clientConfig(endpoint))
  const cwl = new logs.CloudWatchLogsClient(clientConfig(endpoint))
  const made = {}
  try {
    await ec2.send(new ec2sdk.CreateKeyPairCommand({ KeyName: "sandbox-key", KeyType: "ed25519" }))
    made["key pair"] = "sandbox-key"

    const sg = await ec2.send(
      new ec2sdk.CreateSecurityGroupCommand({
        GroupName: "sandbox-web",
        Description: "aegea sandbox: ssh + https",
        TagSpecifications: tags("security-group", "sandbox-web")
      })
    )
    await ec2.send(
      new ec2sdk.AuthorizeSecurityGroupIngressCommand({
        GroupId: sg.GroupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "ssh from the VPN" }] },
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }] }
        ]
      })
    )
    made["security group"] = `sandbox-web ${sg.GroupId}`

    const launch = async (Name, InstanceType, role) => {
      const out = await ec2.send(
        new ec2sdk.RunInstancesCommand({
          ImageId: AMI,
          InstanceType,
          MinCount: 1,
          MaxCount: 1,
          KeyName: "sandbox-key",
          SecurityGroupIds: [sg.GroupId],
          TagSpecifications: tags("instance", Name, { role, env: "sandbox" })
        })
      )
      const id = out.Instances[0].InstanceId
      made[`instance ${Name}`] = id
      return id
    }
    const web1 = await launch("web-1", "t3.micro", "web")
    await launch("web-2", "t3.micro", "web")
    await launch("db-1", "r6g.large", "db")
    const batch1 = await launch("batch-1", "c6i.xlarge", "batch")
    await ec2.send(new ec2sdk.StopInstancesCommand({ InstanceIds: [batch1] }))
    made["instance batch-1"] += " (stopped)"

    const vol = await ec2.send(
      new ec2sdk.CreateVolumeCommand({
        AvailabilityZone: `${REGION}a`,
        Size: 20,
        VolumeType: "gp3",
        TagSpecifications: tags("volume", "data-1")
      })
    )
    made["volume data-1"] = vol.VolumeId
    const snap = await ec2.send(
      new ec2sdk.CreateSnapshotCommand({
        VolumeId: vol.VolumeId,
        Description: "aegea sandbox: data-1 nightly",
        TagSpecifications: tags("snapshot", "data-1-nightly")
      })
    )
    made["snapshot data-1-nightly"] = snap.SnapshotId

    const img = await ec2.send(
      new ec2sdk.CreateImageCommand({
        InstanceId: web1,
        Name: "sandbox-web-ami",
        Description: "aegea sandbox: image of web-1",
        TagSpecifications: tags("image", "sandbox-web-ami")
      })
    )
    made["AMI sandbox-web-ami"] = img.ImageId

    await secrets.send(
      new sm.CreateSecretCommand({
        Name: "sandbox/db-password",
        SecretString: "correct-horse-battery-staple",
        Description: "aegea sandbox secret"
      })
    )
    made["secret"] = "sandbox/db-password"

    const group = "/aegea/sandbox"
    await cwl.send(new logs.CreateLogGroupCommand({ logGroupName: group }))
    await cwl.send(new logs.PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 7 }))
    await cwl.send(new logs.CreateLogStreamCommand({ logGroupName: group, logStreamName: "web-1" }))
    const now = Date.now()
    const lines = ["server starting", "listening on :443", "GET /health 200", "ERROR db connection refused", "GET / 200"]
    await cwl.send(
      new logs.PutLogEventsCommand({
        logGroupName: group,
        logStreamName: "web-1",
        logEvents: lines.map((message, i) => ({ timestamp: now - (lines.length - i) * 1_000, message }))
      })
    )
    made["log group"] = `${group} (stream web-1, ${lines.length} events)`
    return made
  } finally {
    ec2.destroy()
    secrets.destroy()
    cwl.destroy()
  }
}

/**
 * The moto_server to run: the one on PATH, else .sandbox/venv's, else one installed there now
 * (python3 -m venv + pip install 'moto[server]'); undefined, after saying how, when none can be had.
 */
export function findMoto(logDir) {
  if (spawnSync("sh", ["-c", "command -v moto_server"], { stdio: "ignore" }).status === 0) return "moto_server"
  const venv = join(logDir, "venv")
  const local = join(venv, "bin", "moto_server")
  if (existsSync(local)) return local
  process.stderr.write(`sandbox: moto_server not found; installing it into ${venv} (python3 -m venv, pip install 'moto[server]')...\n`)
  const made = spawnSync("python3", ["-m", "venv", venv], { stdio: ["ignore", "ignore", "pipe"] })
  const installed = made.status === 0 &&
    spawnSync(join(venv, "bin", "pip"), ["install", "--quiet", "moto[server]"], { stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 }).status === 0
  if (installed && existsSync(local)) return local
  process.stderr.write(
    made.status !== 0
      ? "sandbox: could not create a Python virtual environment: install python3 and python3-venv, or run pip install 'moto[server]'\n"
      : "sandbox: could not install moto: run pip install 'moto[server]' (it needs access to PyPI)\n"
  )
  return undefined
}

function parseArgs(argv) {
  const opts = { port: undefined, seed: true, command: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--") {
      opts.command = argv.slice(i + 1)
      break
    }
    if (a === "--port" || a.startsWith("--port=")) {
      const v = a.includes("=") ? a.slice(7) : argv[++i]
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--port: not a port number: ${v}`)
      opts.port = n
    } else if (a === "--empty") opts.seed = false
    else if (a === "-h" || a === "--help") {
      console.log(
        "usage: node scripts/sandbox.mjs [--port N] [--empty] [AEGEA ARGS...]\n" +
          "  --port N       listen on 127.0.0.1:N (default: a free port)\n" +
          "  --empty        do not seed demo resources\n" +
          "  AEGEA ARGS...  run this aegea command line against the sandbox, then stop it (its exit code is the sandbox's);\n" +
          "                 without it, print the environment and keep serving until Ctrl-C\n" +
          "  (after --, everything is aegea's: node scripts/sandbox.mjs -- --help)"
      )
      process.exit(0)
    } else {
      opts.command = argv.slice(i)
      break
    }
  }
  return opts
}

/** Run `aegea ...args` (the built bundle) against the sandbox; resolves with its exit code. */
function runAegea(endpoint, args) {
  const cli = join(REPO_ROOT, "dist", "aegea.js")
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm install (or npm run build) first`)
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_"))),
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true"
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: "inherit", env })
    // Ctrl-C reaches aegea through the terminal's process group; wait for it to finish.
    child.once("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : 1)))
    child.once("error", () => resolve(1))
  })
}

async function main() {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`sandbox: ${e.message}`)
    process.exit(2)
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"
  const logDir = join(REPO_ROOT, ".sandbox")
  mkdirSync(logDir, { recursive: true })
  const logFile = join(logDir, "moto.log")

  let moto
  let stopping = false
  const shutdown = async (code) => {
    if (stopping) return
    stopping = true
    if (moto) {
      process.stderr.write("\nsandbox: stopping moto_server...\n")
      await stopMoto(moto.child)
    }
    process.exit(code)
  }
  process.on("SIGINT", () => void shutdown(130))
  process.on("SIGTERM", () => void shutdown(143))
  process.on("SIGHUP", () => void shutdown(129))
  process.on("exit", () => moto?.child.kill("SIGKILL")) // last resort, e.g. an uncaught error

  const program = findMoto(logDir)
  if (program === undefined) process.exit(1)
  const oneShot = opts.command.length > 0
  // In one-shot mode Ctrl-C belongs to the aegea command; the sandbox stops when it has ended.
  if (oneShot) process.removeAllListeners("SIGINT").on("SIGINT", () => {})
  try {
    if (!oneShot) process.stderr.write("sandbox: starting moto_server...\n")
    moto = await startMoto({ port: opts.port, logFile, program })
    if (stopping) return
    if (opts.seed) {
      if (!oneShot) process.stderr.write("sandbox: seeding...\n")
      const made = await seedSandbox(moto.endpoint)
      if (!oneShot) for (const [what, id] of Object.entries(made)) process.stderr.write(`  ${what.padEnd(26)} ${id}\n`)
    }
  } catch (e) {
    console.error(`sandbox: ${e.message}`)
    await shutdown(1)
    return
  }
  if (oneShot) {
    let code = 1
    try {
      code = await runAegea(moto.endpoint, opts.command)
    } catch (e) {
      console.error(`sandbox: ${e.message}`)
    }
    stopping = true
    await stopMoto(moto.child)
    process.exit(code)
  }
  moto.child.once("exit", (code, signal) => {
    if (stopping) return
    console.error(`sandbox: moto_server ${signal ?? code} unexpectedly (log: ${logFile})`)
    process.exit(1)
  })
  // stdout carries only the environment, so `eval "$(npm run -s sandbox)"`-style use stays possible
  console.log(
    `export AWS_ENDPOINT_URL=${moto.endpoint} AWS_REGION=${REGION} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`
  )
  process.stderr.write(
    [
      "",
      `sandbox: moto_server is serving every AWS API on ${moto.endpoint} (account 123456789012, ${REGION}).`,
      "Paste the export line above into another shell, then try:",
      "  aegea ls                      # web-1, web-2, db-1 running; batch-1 stopped",
      "  aegea ls --state running --json",
      "  aegea images | volumes | snapshots | key-pairs",
      "  aegea --help",
      `moto log: ${logFile}   dashboard: ${moto.endpoint}/moto-api/   reset: curl -X POST ${moto.endpoint}/moto-api/reset`,
      "Ctrl-C to stop.",
      ""
    ].join("\n")
  )
  // foreground: the moto child's pipes keep the event loop alive until a signal arrives
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
