/**
 * In-memory load balancers for tests: classic and ELBv2 load balancers, target groups and their
 * targets' health, certificates and public zones for `create`. Registered targets become healthy
 * and deregistered ones go away after `settleAfter` health reads (default 0: at once, as moto does),
 * so a `--wait` can be driven read by read. `LoadBalancersMemoryState` shows the DNS records and
 * security groups made.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AwsInvalidRequest, ResourceNotFound, UsageError } from "../errors.ts"
import {
  certificateForDomain,
  chooseTargetGroup,
  type LoadBalancerPlan,
  type LoadBalancerRequest,
  type LoadBalancerDeletion,
  healthCounts,
  type LoadBalancer,
  LoadBalancers,
  type LoadBalancerType,
  oneLoadBalancer,
  elbSecurityGroupName,
  type TargetsChange,
  type TargetHealth,
  type TargetGroupChoice,
  aliasZoneFor
} from "../services/LoadBalancers.ts"

/** A load balancer that exists from the start in `LoadBalancersMemory`, with its targets. */
export interface LoadBalancerSeed {
  readonly name: string
  /** Default "application". */
  readonly type?: LoadBalancerType
  /** "HTTP:80" (default for ELBv2: one HTTP:80 listener). */
  readonly listeners?: ReadonlyArray<string>
  /** ELBv2 target group names (default: one named like the load balancer). */
  readonly targetGroups?: ReadonlyArray<string>
  /** Instance ids registered (healthy) with the first target group, or the classic load balancer. */
  readonly targets?: ReadonlyArray<string>
}

/**
 * What `LoadBalancersMemory` starts with: load balancers, the default VPC, certificates, hosted zones, and how
 * long targets take to settle.
 */
export interface LoadBalancersSeed {
  readonly region?: string
  readonly loadBalancers?: ReadonlyArray<LoadBalancerSeed>
  /** The default VPC (default vpc-default with subnet-a, subnet-b); null for none. */
  readonly defaultNetwork?: { readonly vpcId: string; readonly subnetIds: ReadonlyArray<string> } | null
  readonly certificates?: ReadonlyArray<{ readonly arn: string; readonly domains: ReadonlyArray<string> }>
  readonly zones?: ReadonlyArray<{ readonly id: string; readonly name: string; readonly private?: boolean }>
  /** Health reads before a registered target is healthy, or a deregistered one gone (default 0). */
  readonly settleAfter?: number
}

/** A Route 53 alias record `LoadBalancersMemory` made for a load balancer. */
export interface AliasRecord {
  readonly zoneId: string
  readonly name: string
  readonly target: string
}

/** What `LoadBalancersMemory` made besides load balancers: alias records and security groups. */
export class LoadBalancersMemoryState extends Context.Service<LoadBalancersMemoryState, {
  readonly aliasRecords: Effect.Effect<ReadonlyArray<AliasRecord>>
  /** Security groups made by `create`: name -> id. */
  readonly securityGroups: Effect.Effect<Readonly<Record<string, string>>>
}>()("aegea/testing/LoadBalancersMemoryState") {}

interface StoredTarget {
  readonly id: string
  readonly port: number | undefined
  state: string
  /** Health reads left before the next state. */
  pending: number
  leaving: boolean
}

interface StoredGroup {
  readonly name: string
  readonly arn: string
  readonly port: number
  readonly targets: Map<string, StoredTarget>
}

interface StoredLoadBalancer {
  readonly name: string
  readonly type: LoadBalancerType
  readonly arn: string | undefined
  readonly dnsName: string
  readonly vpcId: string | undefined
  readonly created: Date
  listeners: Array<string>
  readonly groups: Array<StoredGroup>
  /** Classic targets. */
  readonly targets: Map<string, StoredTarget>
}

const accountId = "123456789012"

/** `LoadBalancers` in memory, with `LoadBalancersMemoryState`. */
export const LoadBalancersMemory = {
  layer: (seed: LoadBalancersSeed = {}): Layer.Layer<LoadBalancers | LoadBalancersMemoryState> =>
    Layer.effectContext(Effect.sync(() => {
      const region = seed.region ?? "us-east-1"
      const settleAfter = seed.settleAfter ?? 0
      const network = seed.defaultNetwork === undefined ? { vpcId: "vpc-default", subnetIds: ["subnet-a", "subnet-b"] } : seed.defaultNetwork
      const balancers: Array<StoredLoadBalancer> = []
      const records: Array<AliasRecord> = []
      const securityGroups: Record<string, string> = {}
      let counter = 0
      const nextId = () => (++counter).toString(16).padStart(8, "0")

      const newTarget = (id: string, port: number | undefined, settled: boolean): StoredTarget => ({
        id,
        port,
        state: settled || settleAfter === 0 ? "healthy" : "initial",
        pending: settled ? 0 : settleAfter,
        leaving: false
      })
      const makeGroup = (name: string, port: number): StoredGroup => ({
        name,
        arn: `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name}/${nextId()}`,
        port,
        targets: new Map()
      })
      const add = (s: LoadBalancerSeed) => {
        const type = s.type ?? "application"
        const classic = type === "classic"
        const id = nextId()
        const lb: StoredLoadBalancer = {
          name: s.name,
          type,
          arn: classic ? undefined : `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/${type === "network" ? "net" : "app"}/${s.name}/${id}`,
          dnsName: `${s.name}-${id}.${region}.elb.amazonaws.com`,
          vpcId: network?.vpcId,
          created: new Date(0),
          listeners: [...(s.listeners ?? ["HTTP:80"])],
          groups: classic ? [] : (s.targetGroups ?? [s.name]).map((g) => makeGroup(g, 80)),
          targets: new Map()
        }
        const into = classic ? lb.targets : lb.groups[0]?.targets
        for (const t of s.targets ?? []) into?.set(t, newTarget(t, classic ? undefined : 80, true))
        balancers.push(lb)
        return lb
      }
      for (const s of seed.loadBalancers ?? []) add(s)

      /** One health read: each target moves one step toward where it is going. */
      const settle = (targets: Map<string, StoredTarget>) => {
        for (const t of [...targets.values()]) {
          if (t.pending > 0) {
            t.pending -= 1
            continue
          }
          if (t.leaving) targets.delete(t.id)
          else if (t.state === "initial") t.state = "healthy"
        }
      }
      const health = (lb: StoredLoadBalancer, group: StoredGroup | undefined): Array<TargetHealth> =>
        [...(group ?? lb).targets.values()].map((t) => ({
          id: t.id,
          loadBalancer: lb.name,
          ...(group ? { targetGroup: group.name } : {}),
          ...(t.port !== undefined ? { port: t.port } : {}),
          state: t.state,
          ...(t.leaving ? { reason: "Target deregistration is in progress" } : {})
        }))
      const view = (lb: StoredLoadBalancer): LoadBalancer => ({
        name: lb.name,
        type: lb.type,
        ...(lb.arn !== undefined ? { arn: lb.arn } : {}),
        scheme: "internet-facing",
        dnsName: lb.dnsName,
        canonicalHostedZoneId: "Z35SXDOTRQ7X7K",
        state: "active",
        ...(lb.vpcId !== undefined ? { vpcId: lb.vpcId } : {}),
        created: lb.created,
        listeners: [...lb.listeners],
        targetGroups: lb.groups.map((g) => ({ name: g.name, arn: g.arn, protocol: "HTTP", port: g.port })),
        ...healthCounts(lb.type === "classic" ? health(lb, undefined).map((t) => t.state) : lb.groups.flatMap((g) => health(lb, g).map((t) => t.state)))
      })
      const find = (name: string) =>
        Effect.suspend(() => {
          const found = balancers.filter((lb) => lb.name === name || lb.arn === name)
          return Effect.map(oneLoadBalancer(name, region, found.map(view)), (v) => found.find((lb) => lb.arn === v.arn && lb.name === v.name)!)
        })
      const groupOf = (lb: StoredLoadBalancer, choice: string | undefined) =>
        Effect.map(chooseTargetGroup(view(lb), choice), (ref) => (ref === undefined ? undefined : lb.groups.find((g) => g.arn === ref.arn)))

      const targets = (name: string, options: TargetGroupChoice = {}) =>
        Effect.gen(function*() {
          const lb = yield* find(name)
          if (lb.type === "classic") {
            yield* groupOf(lb, options.targetGroup)
            settle(lb.targets)
            return health(lb, undefined)
          }
          const groups = options.targetGroup === undefined ? lb.groups : [(yield* groupOf(lb, options.targetGroup))!]
          for (const g of groups) settle(g.targets)
          return groups.flatMap((g) => health(lb, g))
        })

      const change = (verb: "register" | "deregister") => (name: string, ids: ReadonlyArray<string>, options: TargetGroupChoice = {}) =>
        Effect.gen(function*() {
          const lb = yield* find(name)
          const group = yield* groupOf(lb, options.targetGroup)
          const into = group?.targets ?? lb.targets
          if (verb === "deregister" && group !== undefined) {
            const missing = ids.filter((id) => !into.has(id))
            if (missing.length > 0) {
              return yield* new AwsInvalidRequest({
                action: `deregister ${ids.join(", ")} from target group ${group.name}`,
                service: "Elastic Load Balancing",
                operation: "DeregisterTargets",
                code: "InvalidTarget",
                awsMessage: `The following targets are not registered: ${missing.join(", ")}`,
                region
              })
            }
          }
          for (const id of ids) {
            if (verb === "register") {
              const existing = into.get(id)
              if (existing === undefined || existing.leaving) into.set(id, newTarget(id, group?.port, false))
            } else {
              const t = into.get(id)
              if (t === undefined) continue
              if (settleAfter === 0) into.delete(id)
              else Object.assign(t, { state: "draining", leaving: true, pending: settleAfter })
            }
          }
          const result: TargetsChange = { loadBalancer: lb.name, targetGroup: group?.name, ids }
          return result
        })

      const planCreate = (request: LoadBalancerRequest) =>
        Effect.gen(function*() {
          if (balancers.some((lb) => lb.name === request.name)) {
            return yield* new UsageError({
              message: `a load balancer named ${request.name} already exists`,
              hint: "Choose another name, or run 'aegea elb register' to add instances to it"
            })
          }
          const given = request.subnetIds ?? []
          if (given.length === 0 && network === null) {
            return yield* new ResourceNotFound({
              kind: "VPC",
              name: "default",
              region,
              hint: "Run 'aegea elb create NAME --subnets SUBNET,SUBNET' with subnets of two availability zones, or create a default VPC with 'aws ec2 create-default-vpc'"
            })
          }
          let certificateArn: string | undefined
          if (request.certificateDomain !== undefined) {
            certificateArn = certificateForDomain(seed.certificates ?? [], request.certificateDomain)?.arn
            if (certificateArn === undefined) {
              return yield* new ResourceNotFound({
                kind: "issued ACM certificate",
                name: request.certificateDomain,
                region,
                hint: `Request one with 'aws acm request-certificate --domain-name ${request.certificateDomain} --validation-method DNS'`
              })
            }
          }
          let alias: LoadBalancerPlan["dnsAlias"]
          if (request.dnsAlias !== undefined) {
            const zone = aliasZoneFor((seed.zones ?? []).filter((z) => z.private !== true), request.dnsAlias)
            if (zone === undefined) {
              return yield* new ResourceNotFound({ kind: "public Route 53 zone", name: request.dnsAlias, hint: `No public zone holds ${request.dnsAlias}: create a public zone for its domain first` })
            }
            alias = { name: request.dnsAlias.replace(/\.$/, ""), zoneId: zone.id, zoneName: zone.name.replace(/\.$/, "") }
          }
          const plan: LoadBalancerPlan = {
            name: request.name,
            vpcId: network?.vpcId ?? "vpc-given",
            subnetIds: given.length > 0 ? [...given] : [...network!.subnetIds],
            securityGroupIds: request.securityGroupIds ?? [],
            createSecurityGroup: request.securityGroupIds && request.securityGroupIds.length > 0 ? undefined : elbSecurityGroupName(request.name),
            targetGroup: { name: request.name, port: request.port, healthCheckPath: request.healthCheckPath },
            listener: certificateArn !== undefined ? { protocol: "HTTPS", port: 443, certificateArn } : { protocol: "HTTP", port: 80 },
            instanceIds: request.instanceIds,
            ...(alias !== undefined ? { dnsAlias: alias } : {})
          }
          return plan
        })

      const create = (plan: LoadBalancerPlan) =>
        Effect.gen(function*() {
          if (plan.createSecurityGroup !== undefined) securityGroups[plan.createSecurityGroup] ??= `sg-${nextId()}`
          const lb = balancers.find((b) => b.name === plan.name) ??
            add({ name: plan.name, type: "application", listeners: [`${plan.listener.protocol}:${plan.listener.port}`], targetGroups: [] })
          if (lb.groups.length === 0) lb.groups.push(makeGroup(plan.targetGroup.name, plan.targetGroup.port))
          yield* change("register")(lb.arn!, plan.instanceIds)
          if (plan.dnsAlias !== undefined) {
            const alias = plan.dnsAlias
            const i = records.findIndex((r) => r.zoneId === alias.zoneId && r.name === alias.name)
            const record = { zoneId: alias.zoneId, name: alias.name, target: lb.dnsName }
            if (i >= 0) records[i] = record
            else records.push(record)
          }
          return view(lb)
        })

      const deleteLoadBalancer = (name: string) =>
        Effect.gen(function*() {
          const lb = yield* find(name)
          balancers.splice(balancers.indexOf(lb), 1)
          const result: LoadBalancerDeletion = { loadBalancer: lb.name, listeners: lb.listeners, targetGroups: lb.groups.map((g) => g.name) }
          return result
        })

      const service = LoadBalancers.of({
        region,
        list: () => Effect.sync(() => balancers.map(view).sort((a, b) => a.name.localeCompare(b.name))),
        describe: (name) => Effect.map(find(name), view),
        targets,
        register: change("register"),
        deregister: change("deregister"),
        planCreate,
        create,
        delete: deleteLoadBalancer
      })
      const state = LoadBalancersMemoryState.of({
        aliasRecords: Effect.sync(() => [...records]),
        securityGroups: Effect.sync(() => ({ ...securityGroups }))
      })
      return Context.make(LoadBalancers, service).pipe(Context.add(LoadBalancersMemoryState, state))
    }))
}
