// Log in after launch, with OpenSSH's command line: the built aegea (and aegea-ssh) against moto, the
// project's Session Manager stand-in and a real sshd on 127.0.0.1. launch provisions the caller's user
// in the user data; ssh and scp default to it, to the image's user otherwise; no `--` needed.
import { CreateImageCommand, CreateTagsCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { userInfo } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { decodeUserData } from "../../src/lib/cloudInit.ts"
import { hostKeyTags } from "../../src/lib/hostKeys.ts"
import { linuxUid } from "../../src/lib/linuxUser.ts"
import { type CliResult, cliEnv, REPO_ROOT, runCli } from "../support/cli.ts"
import { ec2Client, makeTestHome, motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"
import { type Sshd, type SsmStandIn, startSshd, startSsmStandIn } from "../support/ssmStandIn.ts"

useMoto()

const USER = userInfo().username
const home = makeTestHome()
const ec2 = ec2Client()
let sshd: Sshd
let standIn: SsmStandIn
const ids = { box: "", plain: "", seeded: "" }
let seededImage = ""

const env = () => ({ AWS_ENDPOINT_URL_SSM: standIn.endpoint, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: standIn.endpoint })
const ownKey = () => ["-i", sshd.clientKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
const tagsOf = async (id: string) => {
  const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))
  return Object.fromEntries((r.Reservations?.[0]?.Instances?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""]))
}
const userDataOf = async (id: string) => {
  const r = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "userData" }))
  return parse(decodeUserData(r.UserData?.Value ?? "").replace(/^#cloud-config\n/, "")) as Record<string, unknown>
}
const launch = async (name: string, ...flags: Array<string>) => {
  const r = await runCli(["launch", name, "--amazon-linux-ami", "--no-wait", "--json", ...flags], { home, timeoutMs: 60_000 })
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as Array<{ id: string }>)[0]!.id
}
/** dist/aegea-ssh.js run as the executable it is (#!/usr/bin/env node). */
const runAegeaSsh = (args: ReadonlyArray<string>) =>
  new Promise<CliResult>((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, "dist", "aegea-ssh.js"), [...args], { env: cliEnv({ env: env(), home }), stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.once("error", reject)
    child.once("close", (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 137, stdout, stderr })
    })
  })

beforeAll(async () => {
  sshd = await startSshd()
  ids.box = await launch("login-box")
  ids.plain = await launch("login-plain", "--no-provision-user")
  const image = await ec2.send(new CreateImageCommand({ InstanceId: ids.plain, Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119" }))
  seededImage = image.ImageId!
  ids.seeded = (await seedInstances(1, { names: ["login-seeded"], imageId: seededImage }))[0]!
  // every instance presents the loopback sshd's host key
  await ec2.send(new CreateTagsCommand({
    Resources: Object.values(ids),
    Tags: Object.entries(hostKeyTags(sshd.hostPublicKey)).map(([Key, Value]) => ({ Key, Value }))
  }))
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: Object.values(ids), portMap: { 22: sshd.port } })
})

afterAll(async () => {
  ec2.destroy()
  await standIn?.close()
  await sshd?.stop()
})

describe("aegea launch provisions your Linux user", () => {
  it("puts the user (name, uid, sudo, bash, docker, aegea's key) in the user data and its name in a tag; --no-provision-user records false", async () => {
    const tags = await tagsOf(ids.box)
    const name = tags.AegeaProvisionUser!
    expect(name).toBe("moto") // moto's caller is arn:aws:sts::123456789012:user/moto
    const users = (await userDataOf(ids.box)).users as Array<unknown>
    expect(users[0]).toBe("default")
    expect(users[1]).toEqual({
      name,
      uid: linuxUid("moto"),
      gecos: "provisioned by aegea launch",
      shell: "/bin/bash",
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      groups: "docker",
      lock_passwd: true,
      ssh_authorized_keys: [readFileSync(join(home, ".ssh", "aegea.ed25519.pub"), "utf8").trim()]
    })
    expect((await tagsOf(ids.plain)).AegeaProvisionUser).toBe("false")
    expect((await userDataOf(ids.plain)).users).toBeUndefined()
  })
})

describe("aegea ssh/scp: default users, and OpenSSH's command line without --", () => {
  it("scp logs in as the provisioned user, else the image's default user (cached), with scp's arguments untouched", async () => {
    // -S /bin/false: scp runs that instead of ssh, so it fails at once after aegea printed its command line
    const r = await runCli(
      ["scp", "--debug", "--no-ec2-instance-connect", "-S", "/bin/false", "-q", "login-box:/a", "login-plain:/b", "login-seeded:/c"],
      { env: env(), home }
    )
    const line = r.stderr.split("\n").find((l) => l.startsWith("aegea: running "))
    expect(line, r.stderr).toBeDefined()
    expect(line).toContain(` -S /bin/false -q moto@${ids.box}:/a ec2-user@${ids.plain}:/b ubuntu@${ids.seeded}:/c`)
    expect(r.code).not.toBe(0)
    const cache = JSON.parse(readFileSync(join(home, ".cache", "aegea", "image-users.json"), "utf8")) as Record<string, string>
    expect(cache[`us-east-1/${seededImage}`]).toBe("ubuntu")
  })

  it("aegea ssh --user U [ssh options] box -v uname -a: runs the command, and -v reaches ssh (not aegea's version)", async () => {
    const r = await runCli(["ssh", "--no-ec2-instance-connect", "--user", USER, ...ownKey(), "login-box", "-v", "uname", "-a"], { env: env(), home })
    expect(r.stdout, r.stderr).toBe(execFileSync("uname", ["-a"], { encoding: "utf8" }))
    expect(r.code).toBe(0)
    expect(r.stderr).toContain("debug1: ")
    expect(r.stderr).not.toMatch(/aegea v\d/)
  })

  it("aegea-ssh takes a plain ssh command line (the user from config ssh.user), and nothing is written to known_hosts", async () => {
    mkdirSync(join(home, ".config", "aegea"), { recursive: true })
    writeFileSync(join(home, ".config", "aegea", "config.yml"), `ssh:\n  user: ${USER}\n`)
    // EC2 Instance Connect is on (the default): aegea pushes ~/.ssh/aegea.ed25519 through the stand-in
    const r = await runAegeaSsh([...ownKey(), "-T", "login-plain", "echo", "via", "aegea-ssh"])
    expect(r.stdout, r.stderr).toBe("via aegea-ssh\n")
    expect(r.code).toBe(0)
    expect(standIn.operations.some((o) => o.endsWith("SendSSHPublicKey"))).toBe(true)
    expect(existsSync(join(home, ".ssh", "known_hosts"))).toBe(false)
  })
})
