import { describe, expect, it } from "vitest"
import { nextFreeDevice } from "../../src/commands/ebs.ts"
import { isInstanceName } from "../../src/commands/rename.ts"
import { kindOfId } from "../../src/services/Ec2Resources.ts"

describe("rm: the kind of an id", () => {
  it("reads the prefix; a bare prefix or an unknown one is nothing", () => {
    expect(kindOfId("sg-0abc")).toBe("security-group")
    expect(kindOfId("vol-1")).toBe("volume")
    expect(kindOfId("snap-1")).toBe("snapshot")
    expect(kindOfId("ami-1")).toBe("image")
    expect(kindOfId("subnet-1")).toBe("subnet")
    expect(kindOfId("vpc-1")).toBe("vpc")
    expect(kindOfId("lt-1")).toBe("launch-template")
    expect(kindOfId("igw-1")).toBe("internet-gateway")
    expect(kindOfId("fl-1")).toBe("flow-log")
    expect(kindOfId("key-1")).toBe("key-pair")
    expect(kindOfId("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1")).toBe("load-balancer")
    expect(kindOfId("arn:aws:lambda:us-east-1:123456789012:function:fn")).toBe("lambda-function")
    expect(kindOfId("AKIAIOSFODNN7EXAMPLE")).toBe("access-key")
    expect(kindOfId("AKIA-short")).toBeUndefined()
    expect(kindOfId("vol-")).toBeUndefined()
    expect(kindOfId("i-0abc")).toBeUndefined()
    expect(kindOfId("web-1")).toBeUndefined()
  })
})

describe("ebs attach: the next free device", () => {
  it("skips devices in use under either spelling, and runs out after /dev/xvdp", () => {
    expect(nextFreeDevice(["/dev/xvda"])).toBe("/dev/xvdf")
    expect(nextFreeDevice(["/dev/sda1", "/dev/sdf", "/dev/xvdg"])).toBe("/dev/xvdh")
    expect(nextFreeDevice([..."fghijklmnop"].map((l) => `/dev/sd${l}`))).toBeUndefined()
  })
})

describe("rename: instance names", () => {
  it("are host names and not instance ids", () => {
    expect(isInstanceName("web-2")).toBe(true)
    expect(isInstanceName("bad_name")).toBe(false)
    expect(isInstanceName("-web")).toBe(false)
    expect(isInstanceName("i-0123456789abcdef0")).toBe(false)
    expect(isInstanceName("a".repeat(64))).toBe(false)
  })
})
