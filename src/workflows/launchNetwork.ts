/**
 * Where `aegea launch` puts an instance: the subnet (--subnet, else the default VPC's subnet in
 * --availability-zone, in the zone with the lowest recent spot price for --spot, or the first zone)
 * and its security groups (given names or ids, else the `aegea.launch` group, looked up here and
 * created, without ingress rules, only when the launch is executed).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { cheapestZone } from "../lib/spotPrice.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { Ec2Launch } from "../services/Ec2Launch.ts"
import { ResourceNotFound, UsageError } from "../errors.ts"
import type { LaunchSpec } from "./launchSpec.ts"

/** The default security group (no ingress rules), named as the Python aegea names it. */
export const launchSecurityGroup = "aegea.launch"

/** The subnet (and so VPC and zone): --subnet, else the default VPC's subnet in the chosen zone. */
export const chooseSubnet = (spec: LaunchSpec) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const subnets = yield* Stream.runCollect(ec2.subnets())
    if (spec.subnet !== undefined) {
      const subnet = subnets.find((s) => s.id === spec.subnet || s.name === spec.subnet)
      if (subnet === undefined) return yield* new ResourceNotFound({ kind: "subnet", name: spec.subnet, region: ec2.region })
      if (spec.availabilityZone !== undefined && subnet.availabilityZone !== spec.availabilityZone) {
        return yield* new UsageError({ message: `subnet ${subnet.id} is in ${subnet.availabilityZone}, not ${spec.availabilityZone}` })
      }
      return { subnet, reason: "--subnet" }
    }
    const network = yield* (yield* Ec2Network).defaultNetwork
    const candidates = subnets
      .filter((s) => network.subnetIds.includes(s.id))
      .sort((a, b) => (a.availabilityZone ?? "").localeCompare(b.availabilityZone ?? ""))
    let zone = spec.availabilityZone
    let reason = zone === undefined ? "the default VPC's first subnet" : "--availability-zone"
    if (zone === undefined && spec.spot !== undefined) {
      const now = yield* Clock.currentTimeMillis
      const prices = yield* (yield* Ec2Launch).spotPrices(spec.instanceType, new Date(now - 3_600_000))
      const cheapest = cheapestZone(prices, candidates.flatMap((s) => (s.availabilityZone ? [s.availabilityZone] : [])))
      if (cheapest !== undefined) {
        zone = cheapest.availabilityZone
        reason = `the cheapest spot price of ${spec.instanceType} ($${cheapest.price}/h)`
      }
    }
    const subnet = candidates.find((s) => zone === undefined || s.availabilityZone === zone)
    if (subnet === undefined) {
      return yield* new ResourceNotFound({
        kind: "default subnet",
        name: zone ?? network.vpcId,
        region: ec2.region,
        hint: "Choose a subnet, or another availability zone",
        remedy: "subnet-or-zone"
      })
    }
    return { subnet, reason }
  })

export const securityGroupIds = (spec: LaunchSpec, vpcId: string) =>
  Effect.gen(function*() {
    const network = yield* Ec2Network
    if (spec.securityGroups.length === 0) {
      const id = yield* network.securityGroupId(launchSecurityGroup, vpcId)
      return { ids: id === undefined ? [] : [id], ensure: { name: launchSecurityGroup, vpcId, exists: id !== undefined } }
    }
    const ids = yield* Effect.forEach(spec.securityGroups, (group) =>
      group.startsWith("sg-")
        ? Effect.succeed(group)
        : Effect.flatMap(network.securityGroupId(group, vpcId), (id) =>
          id === undefined
            ? Effect.fail(new ResourceNotFound({ kind: "security group", name: group, hint: `It must exist in ${vpcId}, the instance's VPC` }))
            : Effect.succeed(id)))
    return { ids, ensure: undefined }
  })
