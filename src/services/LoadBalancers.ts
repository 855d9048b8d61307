/**
 * Elastic Load Balancing as aegea sees it: classic load balancers and application/network load
 * balancers (ELBv2) in one shape, their targets' health, registering and deregistering instances,
 * and creating (an ALB with its target group and listener) and deleting load balancers.
 *
 * Target health is normalised: a classic InService is "healthy", OutOfService "unhealthy", Unknown
 * "unknown"; ELBv2 states are kept as AWS says them (initial, healthy, unhealthy, unused, draining,
 * unavailable).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { AmbiguousName, type AwsError, ResourceNotFound, UsageError } from "../errors.ts"

/** The kind of a load balancer: classic (ELB) or an ELBv2 application, network or gateway load balancer. */
export const LoadBalancerType = Schema.Literals(["classic", "application", "network", "gateway"])
/** The kind of a load balancer: classic (ELB) or an ELBv2 application, network or gateway load balancer. */
export type LoadBalancerType = typeof LoadBalancerType.Type

/** An ELBv2 target group a load balancer forwards to. */
export const TargetGroupRef = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  protocol: Schema.optional(Schema.String),
  port: Schema.optional(Schema.Number)
})
/** An ELBv2 target group a load balancer forwards to. */
export type TargetGroupRef = typeof TargetGroupRef.Type

/** A load balancer, classic or ELBv2, with its listeners, target groups and target health counts. */
export const LoadBalancer = Schema.Struct({
  name: Schema.String,
  type: LoadBalancerType,
  /** ELBv2 only (a classic load balancer is known by its name). */
  arn: Schema.optional(Schema.String),
  scheme: Schema.optional(Schema.String),
  dnsName: Schema.optional(Schema.String),
  /** The Route 53 zone of `dnsName`, for alias records. */
  canonicalHostedZoneId: Schema.optional(Schema.String),
  /** ELBv2: provisioning, active, active_impaired, failed; classic: "active". */
  state: Schema.String,
  vpcId: Schema.optional(Schema.String),
  created: Schema.optional(Schema.Date),
  /** "HTTP:80", "HTTPS:443", one per listener. */
  listeners: Schema.Array(Schema.String),
  targetGroups: Schema.Array(TargetGroupRef),
  /** Targets whose health is "healthy". */
  healthy: Schema.Number,
  /** Targets in any state other than healthy, initial and draining. */
  unhealthy: Schema.Number
})
/** A load balancer, classic or ELBv2, with its listeners, target groups and target health counts. */
export type LoadBalancer = typeof LoadBalancer.Type

/** The health of one target of a load balancer or target group. */
export const TargetHealth = Schema.Struct({
  /** The instance id (or IP address / Lambda ARN of an ELBv2 target). */
  id: Schema.String,
  loadBalancer: Schema.String,
  /** The target group (ELBv2). */
  targetGroup: Schema.optional(Schema.String),
  port: Schema.optional(Schema.Number),
  state: Schema.String,
  reason: Schema.optional(Schema.String)
})
/** The health of one target of a load balancer or target group. */
export type TargetHealth = typeof TargetHealth.Type

/** Which target group of an ELBv2 load balancer to act on (needed when it has several). */
export interface TargetGroupChoice {
  /** The target group's name or ARN (an ALB/NLB with several target groups). */
  readonly targetGroup?: string | undefined
}

/** The targets `LoadBalancers.register` or `deregister` changed. */
export interface TargetsChange {
  readonly loadBalancer: string
  /** The target group changed (ELBv2); undefined for a classic load balancer. */
  readonly targetGroup: string | undefined
  readonly ids: ReadonlyArray<string>
}

/** What `elb create` asks for. */
export interface LoadBalancerRequest {
  readonly name: string
  /** Instance ids to register. */
  readonly instanceIds: ReadonlyArray<string>
  /** The instances' port the target group sends traffic to. */
  readonly port: number
  readonly healthCheckPath: string
  /** Subnets (two or more availability zones); default: the default VPC's subnets. */
  readonly subnetIds?: ReadonlyArray<string> | undefined
  /** Security groups of the load balancer; default: one made for it, aegea-elb-NAME, open on the listener port. */
  readonly securityGroupIds?: ReadonlyArray<string> | undefined
  /** HTTPS on 443 with the ISSUED ACM certificate that covers this domain; default HTTP on 80. */
  readonly certificateDomain?: string | undefined
  /** A DNS name to point at the load balancer (an alias A record in the public zone that holds it). */
  readonly dnsAlias?: string | undefined
}

/** The resolved plan of `elb create` (what --dry-run prints), from reads only. */
export interface LoadBalancerPlan {
  readonly name: string
  readonly vpcId: string
  readonly subnetIds: ReadonlyArray<string>
  /** Existing groups, or the one to create ("aegea-elb-NAME", not yet an id). */
  readonly securityGroupIds: ReadonlyArray<string>
  readonly createSecurityGroup: string | undefined
  readonly targetGroup: { readonly name: string; readonly port: number; readonly healthCheckPath: string }
  readonly listener: { readonly protocol: "HTTP" | "HTTPS"; readonly port: number; readonly certificateArn?: string | undefined }
  readonly instanceIds: ReadonlyArray<string>
  readonly dnsAlias?: { readonly name: string; readonly zoneId: string; readonly zoneName: string } | undefined
}

/** What `LoadBalancers.delete` deleted: the load balancer, its listeners and target groups. */
export interface LoadBalancerDeletion {
  readonly loadBalancer: string
  readonly listeners: ReadonlyArray<string>
  readonly targetGroups: ReadonlyArray<string>
}

/** Why a `LoadBalancers` call failed: AWS failed, no such or several load balancers, or a bad request. */
export type LoadBalancerError = AwsError | ResourceNotFound | AmbiguousName | UsageError

/**
 * Classic and ELBv2 load balancers: list, describe, targets, register and deregister, plan and create, delete.
 * Live: `LoadBalancersLive`; in memory: `LoadBalancersMemory`.
 */
export class LoadBalancers extends Context.Service<LoadBalancers, {
  readonly region: string
  /** Every load balancer, classic and ELBv2, with listeners and target health counts. */
  readonly list: () => Effect.Effect<ReadonlyArray<LoadBalancer>, AwsError>
  /** One load balancer by name (or ELBv2 ARN). */
  readonly describe: (name: string) => Effect.Effect<LoadBalancer, LoadBalancerError>
  /** The health of each registered target (all target groups unless one is chosen). */
  readonly targets: (name: string, options?: TargetGroupChoice) => Effect.Effect<ReadonlyArray<TargetHealth>, LoadBalancerError>
  /** Register instances (ELBv2: with the load balancer's target group, or the one chosen). */
  readonly register: (name: string, ids: ReadonlyArray<string>, options?: TargetGroupChoice) => Effect.Effect<TargetsChange, LoadBalancerError>
  readonly deregister: (name: string, ids: ReadonlyArray<string>, options?: TargetGroupChoice) => Effect.Effect<TargetsChange, LoadBalancerError>
  /** Resolve what `create` would do (subnets, certificate, DNS zone), changing nothing. */
  readonly planCreate: (request: LoadBalancerRequest) => Effect.Effect<LoadBalancerPlan, LoadBalancerError>
  /**
   * Create an ALB from a plan: security group, target group, load balancer, listener, targets, DNS
   * alias; the instances' security groups are opened on the target port to the load balancer's
   * (first) security group.
   */
  readonly create: (plan: LoadBalancerPlan) => Effect.Effect<LoadBalancer, LoadBalancerError>
  /** Delete the load balancer, its listeners and (ELBv2) its target groups. */
  readonly delete: (name: string) => Effect.Effect<LoadBalancerDeletion, LoadBalancerError>
}>()("aegea/LoadBalancers") {}

/** The error for a load balancer that does not exist, the same from every layer. */
export const loadBalancerNotFound = (name: string, region: string) =>
  new ResourceNotFound({ kind: "load balancer", name, region, hint: "Run 'aegea elb ls' to see the load balancers" })

/** Several load balancers (a classic one and an ELBv2 one) share the name. */
export const loadBalancerAmbiguous = (name: string, found: ReadonlyArray<LoadBalancer>) =>
  new AmbiguousName({ kind: "load balancer", name, candidates: found.map((lb) => lb.arn ?? `${lb.name} (classic)`) })

/** Exactly one of the matches, or the right error. */
export const oneLoadBalancer = (
  name: string,
  region: string,
  found: ReadonlyArray<LoadBalancer>
): Effect.Effect<LoadBalancer, ResourceNotFound | AmbiguousName> => {
  if (found.length === 0) return Effect.fail(loadBalancerNotFound(name, region))
  if (found.length > 1) return Effect.fail(loadBalancerAmbiguous(name, found))
  return Effect.succeed(found[0]!)
}

/** The hints of `chooseTargetGroup`'s errors: a command names its own flag. */
export interface TargetGroupAdvice {
  /** The load balancer has several target groups and none was chosen. */
  readonly several: string
  /** A target group was chosen for a classic load balancer. */
  readonly classic: string
}

const plainAdvice: TargetGroupAdvice = {
  several: "Name the target group to use",
  classic: "A classic load balancer takes instances directly: name no target group"
}

/**
 * The target group a change applies to: the one chosen (by name or ARN), else the load balancer's
 * only one. A classic load balancer has none (undefined).
 */
export const chooseTargetGroup = (
  lb: LoadBalancer,
  choice: string | undefined,
  advice: TargetGroupAdvice = plainAdvice
): Effect.Effect<TargetGroupRef | undefined, UsageError | ResourceNotFound> => {
  if (lb.type === "classic") {
    return choice === undefined
      ? Effect.succeed(undefined)
      : Effect.fail(new UsageError({ message: `${lb.name} is a classic load balancer: it has no target groups`, hint: advice.classic }))
  }
  const names = lb.targetGroups.map((g) => g.name).join(", ")
  if (choice !== undefined) {
    const chosen = lb.targetGroups.find((g) => g.name === choice || g.arn === choice)
    return chosen !== undefined ? Effect.succeed(chosen) : Effect.fail(
      new ResourceNotFound({
        kind: `target group of load balancer ${lb.name}`,
        name: choice,
        hint: lb.targetGroups.length > 0 ? `Its target groups are: ${names}` : "It has no target groups"
      })
    )
  }
  if (lb.targetGroups.length === 1) return Effect.succeed(lb.targetGroups[0]!)
  return Effect.fail(
    lb.targetGroups.length === 0
      ? new UsageError({
        message: `load balancer ${lb.name} has no target group to register instances with`,
        hint: "Create one with 'aws elbv2 create-target-group' and a listener that forwards to it"
      })
      : new UsageError({
        message: `load balancer ${lb.name} has ${lb.targetGroups.length} target groups (${names})`,
        hint: advice.several
      })
  )
}

/** Health states that count as neither healthy nor unhealthy in listings (still settling or leaving). */
const settling = new Set(["initial", "draining"])

/** How many targets are healthy and unhealthy (targets still settling count as neither). */
export const healthCounts = (states: ReadonlyArray<string>) => ({
  healthy: states.filter((s) => s === "healthy").length,
  unhealthy: states.filter((s) => s !== "healthy" && !settling.has(s)).length
})

/** A target is drained when it is no longer registered (absent, or "unused" because not registered). */
export const isDrained = (target: TargetHealth | undefined) =>
  target === undefined || (target.state === "unused" && /not.?registered/i.test(target.reason ?? ""))

/** The ISSUED certificate that covers `domain`: its exact name first, then a wildcard one level up. */
export const certificateForDomain = <C extends { readonly domains: ReadonlyArray<string> }>(
  certificates: ReadonlyArray<C>,
  domain: string
): C | undefined => {
  const d = domain.toLowerCase().replace(/\.$/, "")
  const parent = d.includes(".") ? `*.${d.slice(d.indexOf(".") + 1)}` : undefined
  return certificates.find((c) => c.domains.some((n) => n.toLowerCase() === d)) ??
    certificates.find((c) => c.domains.some((n) => n.toLowerCase() === parent))
}

/** The public zone that holds `dnsName`: the longest zone name it ends with. */
export const aliasZoneFor = <Z extends { readonly name: string }>(zones: ReadonlyArray<Z>, dnsName: string): Z | undefined => {
  const d = `${dnsName.toLowerCase().replace(/\.$/, "")}.`
  return [...zones]
    .filter((z) => {
      const zone = `${z.name.toLowerCase().replace(/\.$/, "")}.`
      return d === zone || d.endsWith(`.${zone}`)
    })
    .sort((a, b) => b.name.length - a.name.length)[0]
}

/** The security group `elb create` makes for a load balancer. */
export const elbSecurityGroupName = (name: string) => `aegea-elb-${name}`
