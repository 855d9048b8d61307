/** OpenSSH's command line for `aegea ssh`/`aegea scp`/`aegea-ssh`, and the Linux user of launch and ssh. */
import { describe, expect, it } from "vitest"
import { sshCommands } from "../../src/commands/sshFamily.ts"
import { flagsOf } from "../../src/lib/commandFlags.ts"
import { imageDefaultUser, linuxUid, linuxUserName, taggedUser } from "../../src/lib/linuxUser.ts"
import { loginNameOption, openSshArgv, SSH_FLAG_SWITCHES, SSH_FLAGS_WITH_VALUE, splitSshCommandLine } from "../../src/lib/sshArgv.ts"

describe("aegea ssh's command line, as OpenSSH takes it", () => {
  it("puts everything after the target behind --, and OpenSSH's options before it too", () => {
    expect(openSshArgv(["ssh", "box", "uname", "-a"])).toEqual(["ssh", "box", "--", "uname", "-a"])
    expect(openSshArgv(["ssh", "-v", "box"])).toEqual(["ssh", "box", "--", "-v"])
    expect(openSshArgv(["ssh", "box", "-v"])).toEqual(["ssh", "box", "--", "-v"])
    expect(openSshArgv(["ssh", "box", "-L", "8080:localhost:80", "-N"])).toEqual(["ssh", "box", "--", "-L", "8080:localhost:80", "-N"])
    expect(openSshArgv(["ssh", "box"])).toEqual(["ssh", "box"])
  })

  it("takes the value of OpenSSH's value options before the target (-L, -o, -i, -p, -l, clusters like -vL)", () => {
    expect(openSshArgv(["ssh", "-L", "8080:x:80", "box"])).toEqual(["ssh", "box", "--", "-L", "8080:x:80"])
    expect(openSshArgv(["ssh", "-o", "BatchMode=yes", "-i", "k", "-p", "22", "-l", "me", "box", "true"]))
      .toEqual(["ssh", "box", "--", "-o", "BatchMode=yes", "-i", "k", "-p", "22", "-l", "me", "true"])
    expect(openSshArgv(["ssh", "-vL", "1:x:2", "-oX=y", "box"])).toEqual(["ssh", "box", "--", "-vL", "1:x:2", "-oX=y"])
    for (const letter of "BbcDEeFIiJLlmOopQRSWw") {
      expect(openSshArgv(["ssh", `-${letter}`, "value", "box"])).toEqual(["ssh", "box", "--", `-${letter}`, "value"])
    }
  })

  it("keeps aegea's flags (and their values) before the target, and its long flags right after it", () => {
    expect(openSshArgv(["ssh", "--no-ssm", "--user", "me", "-v", "box", "ls"])).toEqual(["ssh", "--no-ssm", "--user", "me", "box", "--", "-v", "ls"])
    expect(openSshArgv(["--region", "eu-west-1", "ssh", "--server-alive-interval", "30", "box"])).toEqual(["--region", "eu-west-1", "ssh", "--server-alive-interval", "30", "box"])
    expect(openSshArgv(["ssh", "box", "--no-ec2-instance-connect", "--region", "x", "echo", "--debug"]))
      .toEqual(["ssh", "--no-ec2-instance-connect", "--region", "x", "box", "--", "echo", "--debug"])
    expect(openSshArgv(["ssh", "box", "-v", "--no-ssm"])).toEqual(["ssh", "box", "--", "-v", "--no-ssm"])
  })

  it("still accepts --, and leaves help, a missing target and other commands alone", () => {
    expect(openSshArgv(["ssh", "box", "--", "-v", "ls"])).toEqual(["ssh", "box", "--", "-v", "ls"])
    expect(openSshArgv(["ssh", "box", "--no-ssm", "--", "ls"])).toEqual(["ssh", "--no-ssm", "box", "--", "ls"])
    expect(openSshArgv(["ssh", "--help"])).toEqual(["ssh", "--help"])
    expect(openSshArgv(["ssh", "-h"])).toEqual(["ssh", "-h"])
    expect(openSshArgv(["ssh"])).toEqual(["ssh"])
    expect(openSshArgv(["ls", "-v", "box"])).toEqual(["ls", "-v", "box"])
    expect(openSshArgv(["run", "box", "uname", "-a"])).toEqual(["run", "box", "uname", "-a"])
  })

  it("scp: aegea's flags, then scp's words untouched", () => {
    expect(openSshArgv(["scp", "-r", "box:/var/log", "./logs"])).toEqual(["scp", "--", "-r", "box:/var/log", "./logs"])
    expect(openSshArgv(["scp", "--no-ssm", "-P", "2222", "-o", "X=y", "a", "box:/b"])).toEqual(["scp", "--no-ssm", "--", "-P", "2222", "-o", "X=y", "a", "box:/b"])
    expect(openSshArgv(["scp", "-r", "box:/x", ".", "--user", "me"])).toEqual(["scp", "--user", "me", "--", "-r", "box:/x", "."])
    expect(openSshArgv(["scp", "--no-ssm", "--", "-r", "box:/x", "."])).toEqual(["scp", "--no-ssm", "--", "-r", "box:/x", "."])
    expect(openSshArgv(["scp", "--help"])).toEqual(["scp", "--help"])
  })

  it("aegea-ssh: finds the host in a plain ssh command line, and none in `-V`", () => {
    expect(splitSshCommandLine(["-T", "-D", "53211", "-o", "ConnectTimeout=15", "box", "bash"]))
      .toEqual({ aegea: [], target: "box", openSsh: ["-T", "-D", "53211", "-o", "ConnectTimeout=15", "bash"] })
    expect(splitSshCommandLine(["-V"]).target).toBeUndefined()
  })

  it("reads ssh's -l", () => {
    expect(loginNameOption(["-v", "-l", "ubuntu"])).toBe("ubuntu")
    expect(loginNameOption(["-lroot", "-p", "22"])).toBe("root")
    expect(loginNameOption(["-o", "User=x", "-p", "22"])).toBeUndefined()
  })

  it("knows every flag of ssh and scp, and which take a value", () => {
    for (const command of sshCommands.filter((c) => c.name === "ssh" || c.name === "scp")) {
      for (const [key, type] of Object.entries(flagsOf(command as never))) {
        const flag = `--${key.replace(/_/g, "-")}`
        expect(type === "boolean" ? SSH_FLAG_SWITCHES.has(flag) : SSH_FLAGS_WITH_VALUE.has(flag), `${command.name} ${flag}`).toBe(true)
      }
    }
  })
})

describe("the Linux user", () => {
  it("is the IAM name before @, made a valid Linux name", () => {
    expect(linuxUserName("jane.doe@example.com")).toBe("jane.doe")
    expect(linuxUserName("Bob")).toBe("bob")
    expect(linuxUserName("1st+user")).toBe("_1st_user")
    expect(linuxUserName("root")).toBe("aegea")
    expect(linuxUserName("a".repeat(40))).toHaveLength(32)
  })

  it("has the Python aegea's uid: 2000 + little-endian uint16 of sha256's last two bytes, halved", () => {
    // sha256("alice") ends with 6e 90: 0x906e = 36974 -> 2000 + 18487
    expect(linuxUid("alice")).toBe(20487)
    // the Python aegea's own test vectors (test_ssh_get_user_info): the uid must match for shared EFS homes
    expect([linuxUid("wookie"), linuxUid("unknown"), linuxUid("wookie.user@example.com")]).toEqual([24073, 26068, 21919])
    expect(linuxUserName("wookie.user@example.com")).toBe("wookie.user")
    for (const name of ["alice", "bob", "jane.doe@example.com"]) {
      expect(linuxUid(name)).toBeGreaterThanOrEqual(2000)
      expect(linuxUid(name)).toBeLessThanOrEqual(34767)
    }
  })

  it("reads the launch tag, and an image's default user from its name", () => {
    expect(taggedUser({ AegeaProvisionUser: "jane" })).toBe("jane")
    expect(taggedUser({ AegeaProvisionUser: "false" })).toBeNull()
    expect(taggedUser({})).toBeUndefined()
    const user = (name: string) => imageDefaultUser({ name })
    expect(user("al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64")).toBe("ec2-user")
    expect(user("amzn2-ami-kernel-5.10-hvm-2.0.20241113.1-x86_64-gp2")).toBe("ec2-user")
    expect(user("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119")).toBe("ubuntu")
    expect(user("debian-12-amd64-20241201-1948")).toBe("admin")
    expect(user("RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3")).toBe("ec2-user")
    expect(user("CentOS-7-2111-20220825_1.x86_64")).toBe("centos")
    expect(user("Fedora-Cloud-Base-40-1.14.x86_64-hvm-us-east-1-gp3-0")).toBe("fedora")
    expect(user("suse-sles-15-sp6-v20241113-hvm-ssd-x86_64")).toBe("ec2-user")
    expect(user("my-own-image")).toBeUndefined()
    expect(imageDefaultUser({ name: "custom", description: "Canonical, Ubuntu, 22.04 LTS" })).toBe("ubuntu")
  })
})
