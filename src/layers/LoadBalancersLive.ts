/**
 * The live LoadBalancers layer: classic load balancers (ELB) and application/network load
 * balancers (ELBv2); for `elb create`, EC2 (subnets, the security group), ACM (the certificate) and
 * Route 53 (the alias record), whose clients are made on first use.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { type Aws, idempotent, makeAws, once } from "./aws.ts"
import { type AwsError, ResourceNotFound, UsageError } from "../errors.ts"
import { statePoll } from "../lib/schedules.ts"
import {
  certificateForDomain,
  chooseTargetGroup,
  type LoadBalancerPlan,
  type LoadBalancerRequest,
  healthCounts,
  type LoadBalancer,
  loadBalancerNotFound,
  LoadBalancers,
  type LoadBalancerType,
  oneLoadBalancer,
  elbSecurityGroupName,
  type TargetGroupRef,
  type TargetHealth,
  type TargetGroupChoice,
  aliasZoneFor
} from "../services/LoadBalancers.ts"

const classicHealth: Record<string, string> = { InService: "healthy", OutOfService: "unhealthy", Unknown: "unknown" }

const v2Type = (t: string | undefined): LoadBalancerType =>
  t === "network" || t === "gateway" ? t : "application"

const toDate = (d: unknown) => (d instanceof Date ? d : undefined)

/** Lists without undefined holes. */
const defined = <A>(xs: ReadonlyArray<A | undefined> | undefined): Array<A> => (xs ?? []).filter((x): x is A => x !== undefined)

/**
 * `LoadBalancers` against Elastic Load Balancing (classic and v2), EC2, ACM and Route 53, with the region,
 * credentials and endpoint of `AwsClients`.
 */
export const LoadBalancersLive: Layer.Layer<LoadBalancers, never, AwsClients> = Layer.effect(
  LoadBalancers,
  Effect.gen(function*() {
    const v1 = yield* Effect.promise(() => import("@aws-sdk/client-elastic-load-balancing"))
    const v2 = yield* Effect.promise(() => import("@aws-sdk/client-elastic-load-balancing-v2"))
    const elb = yield* makeAws("Elastic Load Balancing", (config) => new v1.ElasticLoadBalancingClient(config))
    const elbv2 = yield* makeAws("Elastic Load Balancing", (config) => new v2.ElasticLoadBalancingV2Client(config))
    const region = elbv2.region

    // EC2, ACM and Route 53 only for `elb create`: made on first use, in this layer's scope.
    const context = yield* Effect.context<AwsClients | Scope.Scope>()
    const later = <A>(make: Effect.Effect<A, never, AwsClients | Scope.Scope>) => Effect.cached(Effect.provideContext(make, context))
    const ec2Client = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("./sdk/ec2.ts"))
      return { m, aws: yield* makeAws("EC2", (config) => new m.EC2Client(config)) }
    }))
    const acmClient = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-acm"))
      return { m, aws: yield* makeAws("ACM", (config) => new m.ACMClient(config)) }
    }))
    const route53Client = yield* later(Effect.gen(function*() {
      const m = yield* Effect.promise(() => import("@aws-sdk/client-route-53"))
      return { m, aws: yield* makeAws("Route 53", (config) => new m.Route53Client(config), { global: true }) }
    }))
    const use = <M, A, E>(client: Effect.Effect<{ readonly m: M; readonly aws: Aws }>, f: (m: M, aws: Aws) => Effect.Effect<A, E>) =>
      Effect.flatMap(client, ({ aws, m }) => f(m, aws))

    // --- reading ---------------------------------------------------------------------------------

    const v2Health = (group: TargetGroupRef, lbName: string) =>
      elbv2.call(
        new v2.DescribeTargetHealthCommand({ TargetGroupArn: group.arn }),
        `read the target health of target group ${group.name}`,
        idempotent
      ).pipe(Effect.map((r): Array<TargetHealth> =>
        (r.TargetHealthDescriptions ?? []).map((d) => ({
          id: d.Target?.Id ?? "",
          loadBalancer: lbName,
          targetGroup: group.name,
          ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
          state: d.TargetHealth?.State ?? "unknown",
          ...(d.TargetHealth?.Description || d.TargetHealth?.Reason
            ? { reason: d.TargetHealth.Description ?? d.TargetHealth.Reason }
            : {})
        }))
      ))

    const classicHealthOf = (name: string) =>
      elb.call(new v1.DescribeInstanceHealthCommand({ LoadBalancerName: name }), `read the instance health of ${name}`, idempotent).pipe(
        Effect.map((r): Array<TargetHealth> =>
          (r.InstanceStates ?? []).map((s) => ({
            id: s.InstanceId ?? "",
            loadBalancer: name,
            state: classicHealth[s.State ?? ""] ?? (s.State ?? "unknown").toLowerCase(),
            ...(s.Description && s.Description !== "N/A" ? { reason: s.Description } : {})
          }))
        )
      )

    type V2Description = NonNullable<import("@aws-sdk/client-elastic-load-balancing-v2").DescribeLoadBalancersCommandOutput["LoadBalancers"]>[number]
    type V1Description = NonNullable<import("@aws-sdk/client-elastic-load-balancing").DescribeAccessPointsOutput["LoadBalancerDescriptions"]>[number]

    const fromV2 = (d: V2Description) =>
      Effect.gen(function*() {
        const arn = d.LoadBalancerArn ?? ""
        const name = d.LoadBalancerName ?? arn
        const [listeners, groups] = yield* Effect.all([
          elbv2.call(new v2.DescribeListenersCommand({ LoadBalancerArn: arn }), `list the listeners of ${name}`, idempotent),
          elbv2.call(new v2.DescribeTargetGroupsCommand({ LoadBalancerArn: arn }), `list the target groups of ${name}`, idempotent)
        ], { concurrency: 2 })
        const targetGroups: Array<TargetGroupRef> = (groups.TargetGroups ?? []).map((g) => ({
          name: g.TargetGroupName ?? g.TargetGroupArn ?? "",
          arn: g.TargetGroupArn ?? "",
          ...(g.Protocol !== undefined ? { protocol: g.Protocol } : {}),
          ...(g.Port !== undefined ? { port: g.Port } : {})
        }))
        const health = (yield* Effect.forEach(targetGroups, (g) => v2Health(g, name), { concurrency: 4 })).flat()
        const lb: LoadBalancer = {
          name,
          type: v2Type(d.Type),
          arn,
          ...(d.Scheme !== undefined ? { scheme: d.Scheme } : {}),
          ...(d.DNSName !== undefined ? { dnsName: d.DNSName } : {}),
          ...(d.CanonicalHostedZoneId !== undefined ? { canonicalHostedZoneId: d.CanonicalHostedZoneId } : {}),
          state: d.State?.Code ?? "unknown",
          ...(d.VpcId !== undefined ? { vpcId: d.VpcId } : {}),
          ...(toDate(d.CreatedTime) ? { created: d.CreatedTime! } : {}),
          listeners: (listeners.Listeners ?? [])
            .map((l) => ({ port: l.Port ?? 0, text: `${l.Protocol ?? "?"}:${l.Port ?? "?"}` }))
            .sort((a, b) => a.port - b.port)
            .map((l) => l.text),
          targetGroups,
          ...healthCounts(health.map((t) => t.state))
        }
        return lb
      })

    const fromV1 = (d: V1Description) =>
      Effect.gen(function*() {
        const name = d.LoadBalancerName ?? ""
        const health = yield* classicHealthOf(name)
        const lb: LoadBalancer = {
          name,
          type: "classic",
          ...(d.Scheme !== undefined ? { scheme: d.Scheme } : {}),
          ...(d.DNSName !== undefined ? { dnsName: d.DNSName } : {}),
          ...(d.CanonicalHostedZoneNameID !== undefined ? { canonicalHostedZoneId: d.CanonicalHostedZoneNameID } : {}),
          state: "active",
          ...(d.VPCId !== undefined ? { vpcId: d.VPCId } : {}),
          ...(toDate(d.CreatedTime) ? { created: d.CreatedTime! } : {}),
          listeners: defined((d.ListenerDescriptions ?? []).map((l) => l.Listener))
            .sort((a, b) => (a.LoadBalancerPort ?? 0) - (b.LoadBalancerPort ?? 0))
            .map((l) =>
              `${l.Protocol ?? "?"}:${l.LoadBalancerPort ?? "?"}${l.InstancePort !== undefined && l.InstancePort !== l.LoadBalancerPort ? `->${l.InstancePort}` : ""}`
            ),
          targetGroups: [],
          ...healthCounts(health.map((t) => t.state))
        }
        return lb
      })

    const v2Descriptions = (names?: ReadonlyArray<string>, arns?: ReadonlyArray<string>) =>
      Stream.runCollect(elbv2.pages(
        (Marker) =>
          new v2.DescribeLoadBalancersCommand({
            ...(names ? { Names: [...names] } : {}),
            ...(arns ? { LoadBalancerArns: [...arns] } : {}),
            ...(Marker ? { Marker } : {})
          }),
        "list the application and network load balancers",
        (r) => [r.LoadBalancers, r.NextMarker]
      )).pipe(Effect.catchTag("AwsNotFound", () => Effect.succeed([] as Array<V2Description>)))

    const v1Descriptions = (names?: ReadonlyArray<string>) =>
      Stream.runCollect(elb.pages(
        (Marker) =>
          new v1.DescribeLoadBalancersCommand({
            ...(names ? { LoadBalancerNames: [...names] } : {}),
            ...(Marker ? { Marker } : {})
          }),
        "list the classic load balancers",
        (r) => [r.LoadBalancerDescriptions, r.NextMarker]
      )).pipe(Effect.catchTag("AwsNotFound", () => Effect.succeed([] as Array<V1Description>)))

    const list = () =>
      Effect.gen(function*() {
        const [modern, classic] = yield* Effect.all([v2Descriptions(), v1Descriptions()], { concurrency: 2 })
        const rows = yield* Effect.all([
          Effect.forEach(modern, fromV2, { concurrency: 4 }),
          Effect.forEach(classic, fromV1, { concurrency: 4 })
        ], { concurrency: 2 })
        return rows.flat().sort((a, b) => a.name.localeCompare(b.name))
      })

    const describe = (name: string) =>
      Effect.gen(function*() {
        if (name.startsWith("arn:")) {
          const found = yield* v2Descriptions(undefined, [name])
          return yield* oneLoadBalancer(name, region, yield* Effect.forEach(found, fromV2))
        }
        const [modern, classic] = yield* Effect.all([v2Descriptions([name]), v1Descriptions([name])], { concurrency: 2 })
        const found = [...(yield* Effect.forEach(modern, fromV2)), ...(yield* Effect.forEach(classic, fromV1))]
        return yield* oneLoadBalancer(name, region, found)
      })

    const targets = (name: string, options: TargetGroupChoice = {}) =>
      Effect.gen(function*() {
        const lb = yield* describe(name)
        if (lb.type === "classic") {
          yield* chooseTargetGroup(lb, options.targetGroup)
          return yield* classicHealthOf(lb.name)
        }
        const groups = options.targetGroup === undefined ? lb.targetGroups : [(yield* chooseTargetGroup(lb, options.targetGroup))!]
        return (yield* Effect.forEach(groups, (g) => v2Health(g, lb.name), { concurrency: 4 })).flat()
      })

    // --- registering -----------------------------------------------------------------------------

    const change = (verb: "register" | "deregister") => (name: string, ids: ReadonlyArray<string>, options: TargetGroupChoice = {}) =>
      Effect.gen(function*() {
        const lb = yield* describe(name)
        const group = yield* chooseTargetGroup(lb, options.targetGroup)
        const what = `${verb} ${ids.join(", ")} ${verb === "register" ? "with" : "from"} ${group ? `target group ${group.name}` : lb.name}`
        if (ids.length === 0) return { loadBalancer: lb.name, targetGroup: group?.name, ids }
        if (group === undefined) {
          const Instances = ids.map((InstanceId) => ({ InstanceId }))
          yield* verb === "register"
            ? elb.call(new v1.RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: lb.name, Instances }), what, idempotent)
            : elb.call(new v1.DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: lb.name, Instances }), what, idempotent)
        } else {
          const Targets = ids.map((Id) => ({ Id }))
          yield* verb === "register"
            ? elbv2.call(new v2.RegisterTargetsCommand({ TargetGroupArn: group.arn, Targets }), what, idempotent)
            : elbv2.call(new v2.DeregisterTargetsCommand({ TargetGroupArn: group.arn, Targets }), what, idempotent)
        }
        return { loadBalancer: lb.name, targetGroup: group?.name, ids }
      })

    // --- creating --------------------------------------------------------------------------------

    const planCreate = (request: LoadBalancerRequest) =>
      Effect.gen(function*() {
        const existing = yield* describe(request.name).pipe(
          Effect.map((lb) => [lb]),
          Effect.catchTag("ResourceNotFound", () => Effect.succeed([] as Array<LoadBalancer>))
        )
        if (existing.length > 0) {
          return yield* new UsageError({
            message: `a load balancer named ${request.name} already exists`,
            hint: "Choose another name, or run 'aegea elb register' to add instances to it"
          })
        }
        const network = yield* use(ec2Client, (m, ec2) =>
          Effect.gen(function*() {
            if (request.subnetIds !== undefined && request.subnetIds.length > 0) {
              const r = yield* ec2.call(new m.DescribeSubnetsCommand({ SubnetIds: [...request.subnetIds] }), "look up the subnets", idempotent)
                .pipe(Effect.catchTag("AwsNotFound", () => Effect.succeed({ Subnets: [] })), Effect.catchIf((e) => e.code === "InvalidSubnetID.NotFound", () => Effect.succeed({ Subnets: [] })))
              const subnets = r.Subnets ?? []
              const missing = request.subnetIds.filter((id) => !subnets.some((s) => s.SubnetId === id))
              if (missing.length > 0) {
                return yield* new ResourceNotFound({ kind: "subnet", name: missing.join(", "), region, hint: "Run 'aegea subnets' to see the subnets" })
              }
              const vpcIds = [...new Set(subnets.map((s) => s.VpcId ?? ""))]
              if (vpcIds.length !== 1) {
                return yield* new UsageError({ message: `the subnets are in ${vpcIds.length} VPCs (${vpcIds.join(", ")})`, hint: "Name subnets of one VPC" })
              }
              return { vpcId: vpcIds[0]!, subnetIds: [...request.subnetIds] }
            }
            const vpcs = yield* ec2.call(new m.DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }), "find the default VPC", idempotent)
            const vpcId = vpcs.Vpcs?.[0]?.VpcId
            if (vpcId === undefined) {
              return yield* new ResourceNotFound({
                kind: "VPC",
                name: "default",
                region,
                hint: "Run 'aegea elb create NAME --subnets SUBNET,SUBNET' with subnets of two availability zones, or create a default VPC with 'aws ec2 create-default-vpc'"
              })
            }
            const subnets = yield* ec2.call(
              new m.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
              `list the subnets of ${vpcId}`,
              idempotent
            )
            const all = subnets.Subnets ?? []
            const preferred = all.filter((s) => s.DefaultForAz)
            return { vpcId, subnetIds: defined((preferred.length > 0 ? preferred : all).map((s) => s.SubnetId)).sort() }
          })
        )
        const groupName = elbSecurityGroupName(request.name)
        const certificateArn = request.certificateDomain === undefined ? undefined : yield* use(acmClient, (m, acm) =>
          Effect.gen(function*() {
            const all = yield* Stream.runCollect(acm.pages(
              (NextToken) => new m.ListCertificatesCommand({ CertificateStatuses: ["ISSUED"], ...(NextToken ? { NextToken } : {}) }),
              "list the ACM certificates",
              (r) => [r.CertificateSummaryList, r.NextToken]
            ))
            const certificates = all.map((c) => ({
              arn: c.CertificateArn ?? "",
              domains: defined([c.DomainName, ...(c.SubjectAlternativeNameSummaries ?? [])])
            }))
            const found = certificateForDomain(certificates, request.certificateDomain!)
            if (found === undefined) {
              return yield* new ResourceNotFound({
                kind: "issued ACM certificate",
                name: request.certificateDomain!,
                region,
                hint: `Request one with 'aws acm request-certificate --domain-name ${request.certificateDomain!} --validation-method DNS'`
              })
            }
            return found.arn
          })
        )
        const alias = request.dnsAlias === undefined ? undefined : yield* use(route53Client, (m, r53) =>
          Effect.gen(function*() {
            const zones = yield* Stream.runCollect(r53.pages(
              (Marker) => new m.ListHostedZonesCommand({ ...(Marker ? { Marker } : {}) }),
              "list the Route 53 hosted zones",
              (r) => [r.HostedZones, r.IsTruncated ? r.NextMarker : undefined]
            ))
            const publicZones = zones.filter((z) => z.Config?.PrivateZone !== true).map((z) => ({
              id: (z.Id ?? "").replace(/^\/hostedzone\//, ""),
              name: (z.Name ?? "").replace(/\.$/, "")
            }))
            const zone = aliasZoneFor(publicZones, request.dnsAlias!)
            if (zone === undefined) {
              return yield* new ResourceNotFound({
                kind: "public Route 53 zone",
                name: request.dnsAlias!,
                hint: `No public zone holds ${request.dnsAlias}: create a public zone for its domain first`
              })
            }
            return { name: request.dnsAlias!.replace(/\.$/, ""), zoneId: zone.id, zoneName: zone.name }
          })
        )
        const https = certificateArn !== undefined
        const plan: LoadBalancerPlan = {
          name: request.name,
          vpcId: network.vpcId,
          subnetIds: network.subnetIds,
          securityGroupIds: request.securityGroupIds ?? [],
          createSecurityGroup: request.securityGroupIds && request.securityGroupIds.length > 0 ? undefined : groupName,
          targetGroup: { name: request.name, port: request.port, healthCheckPath: request.healthCheckPath },
          listener: https ? { protocol: "HTTPS", port: 443, certificateArn } : { protocol: "HTTP", port: 80 },
          instanceIds: request.instanceIds,
          ...(alias !== undefined ? { dnsAlias: alias } : {})
        }
        return plan
      })

    const ensureSecurityGroup = (name: string, vpcId: string, port: number) =>
      use(ec2Client, (m, ec2) =>
        Effect.gen(function*() {
          const lookup = ec2.call(
            new m.DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [name] }, { Name: "vpc-id", Values: [vpcId] }] }),
            `look up security group ${name}`,
            idempotent
          ).pipe(Effect.map((r) => r.SecurityGroups?.[0]?.GroupId))
          const id = (yield* lookup) ?? (yield* ec2.call(
            new m.CreateSecurityGroupCommand({ GroupName: name, VpcId: vpcId, Description: `Load balancer ${name.replace(/^aegea-elb-/, "")} (aegea elb create)` }),
            `create security group ${name} in ${vpcId}`,
            once
          ).pipe(
            Effect.map((r) => r.GroupId),
            // Made meanwhile (or by an attempt whose answer was lost): use that one.
            Effect.catchIf((e: AwsError) => e.code === "InvalidGroup.Duplicate", () => lookup)
          )) ?? ""
          yield* ec2.call(
            new m.AuthorizeSecurityGroupIngressCommand({
              GroupId: id,
              IpPermissions: [{ IpProtocol: "tcp", FromPort: port, ToPort: port, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "clients of the load balancer" }] }]
            }),
            `allow port ${port} in security group ${id}`,
            idempotent
          ).pipe(Effect.catchIf((e: AwsError) => e.code === "InvalidPermission.Duplicate", () => Effect.void))
          return id
        })
      )

    /** Let the load balancer's group reach the instances on the target port (for traffic and health checks). */
    const allowFromLoadBalancer = (plan: LoadBalancerPlan, source: string) =>
      use(ec2Client, (m, ec2) =>
        Effect.gen(function*() {
          const described = yield* ec2.call(
            new m.DescribeInstancesCommand({ InstanceIds: [...plan.instanceIds] }),
            `look up the security groups of ${plan.instanceIds.join(", ")}`,
            idempotent
          )
          const groups = [...new Set(
            (described.Reservations ?? []).flatMap((r) => (r.Instances ?? []).flatMap((i) => defined((i.SecurityGroups ?? []).map((g) => g.GroupId))))
          )].filter((id) => id !== source)
          yield* Effect.forEach(groups, (GroupId) =>
            ec2.call(
              new m.AuthorizeSecurityGroupIngressCommand({
                GroupId,
                IpPermissions: [{
                  IpProtocol: "tcp",
                  FromPort: plan.targetGroup.port,
                  ToPort: plan.targetGroup.port,
                  UserIdGroupPairs: [{ GroupId: source, Description: `load balancer ${plan.name}` }]
                }]
              }),
              `allow port ${plan.targetGroup.port} from ${source} in security group ${GroupId}`,
              idempotent
            ).pipe(Effect.catchIf((e: AwsError) => e.code === "InvalidPermission.Duplicate", () => Effect.void)), { concurrency: 4 })
        })
      )

    const create = (plan: LoadBalancerPlan) =>
      Effect.gen(function*() {
        const securityGroups = plan.createSecurityGroup === undefined
          ? plan.securityGroupIds
          : [yield* ensureSecurityGroup(plan.createSecurityGroup, plan.vpcId, plan.listener.port)]
        if (plan.instanceIds.length > 0 && securityGroups[0] !== undefined) yield* allowFromLoadBalancer(plan, securityGroups[0])
        // CreateTargetGroup, CreateLoadBalancer and CreateListener with the same settings answer with
        // what exists: the same twice.
        const group = yield* elbv2.call(
          new v2.CreateTargetGroupCommand({
            Name: plan.targetGroup.name,
            Protocol: "HTTP",
            Port: plan.targetGroup.port,
            VpcId: plan.vpcId,
            TargetType: "instance",
            HealthCheckPath: plan.targetGroup.healthCheckPath
          }),
          `create target group ${plan.targetGroup.name}`,
          idempotent
        )
        const groupArn = group.TargetGroups?.[0]?.TargetGroupArn ?? ""
        const made = yield* elbv2.call(
          new v2.CreateLoadBalancerCommand({
            Name: plan.name,
            Subnets: [...plan.subnetIds],
            SecurityGroups: [...securityGroups],
            Scheme: "internet-facing",
            Type: "application"
          }),
          `create load balancer ${plan.name}`,
          idempotent
        )
        const lb = made.LoadBalancers?.[0]
        const lbArn = lb?.LoadBalancerArn ?? ""
        yield* elbv2.call(
          new v2.CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Protocol: plan.listener.protocol,
            Port: plan.listener.port,
            ...(plan.listener.certificateArn ? { Certificates: [{ CertificateArn: plan.listener.certificateArn }] } : {}),
            DefaultActions: [{ Type: "forward", TargetGroupArn: groupArn }]
          }),
          `create the ${plan.listener.protocol} listener of ${plan.name}`,
          idempotent
        )
        if (plan.instanceIds.length > 0) {
          yield* elbv2.call(
            new v2.RegisterTargetsCommand({ TargetGroupArn: groupArn, Targets: plan.instanceIds.map((Id) => ({ Id })) }),
            `register ${plan.instanceIds.join(", ")} with target group ${plan.targetGroup.name}`,
            idempotent
          )
        }
        if (plan.dnsAlias !== undefined && lb?.DNSName !== undefined) {
          const alias = plan.dnsAlias
          yield* use(route53Client, (m, r53) =>
            r53.call(
              new m.ChangeResourceRecordSetsCommand({
                HostedZoneId: alias.zoneId,
                ChangeBatch: {
                  Comment: `aegea elb create ${plan.name}`,
                  Changes: [{
                    Action: "UPSERT",
                    ResourceRecordSet: {
                      Name: alias.name,
                      Type: "A",
                      AliasTarget: { HostedZoneId: lb.CanonicalHostedZoneId ?? "", DNSName: lb.DNSName!, EvaluateTargetHealth: false }
                    }
                  }]
                }
              }),
              `point ${alias.name} at ${plan.name} in zone ${alias.zoneName}`,
              // UPSERT sets the record to the same value however often it is sent.
              idempotent
            ))
        }
        return yield* describe(lbArn === "" ? plan.name : lbArn)
      })

    // --- deleting --------------------------------------------------------------------------------

    const deleteLoadBalancer = (name: string) =>
      Effect.gen(function*() {
        const lb = yield* describe(name)
        if (lb.type === "classic") {
          yield* elb.call(new v1.DeleteLoadBalancerCommand({ LoadBalancerName: lb.name }), `delete load balancer ${lb.name}`, idempotent)
          return { loadBalancer: lb.name, listeners: lb.listeners, targetGroups: [] }
        }
        const arn = lb.arn ?? ""
        const listeners = yield* elbv2.call(new v2.DescribeListenersCommand({ LoadBalancerArn: arn }), `list the listeners of ${lb.name}`, idempotent)
        yield* Effect.forEach(defined((listeners.Listeners ?? []).map((l) => l.ListenerArn)), (ListenerArn) =>
          elbv2.call(new v2.DeleteListenerCommand({ ListenerArn }), `delete a listener of ${lb.name}`, idempotent).pipe(
            Effect.catchTag("AwsNotFound", () => Effect.void)
          ), { concurrency: 4 })
        yield* elbv2.call(new v2.DeleteLoadBalancerCommand({ LoadBalancerArn: arn }), `delete load balancer ${lb.name}`, idempotent).pipe(
          Effect.catchTag("AwsNotFound", () => Effect.void)
        )
        // A target group stays "in use" for a moment after its load balancer is gone: a few tries.
        yield* Effect.forEach(lb.targetGroups, (g) =>
          elbv2.call(new v2.DeleteTargetGroupCommand({ TargetGroupArn: g.arn }), `delete target group ${g.name}`, idempotent).pipe(
            Effect.retry(statePoll.pipe(
              Schedule.setInputType<AwsError>(),
              Schedule.while(({ attempt, input }) => input.code === "ResourceInUse" && attempt <= 15)
            )),
            Effect.catchTag("AwsNotFound", () => Effect.void)
          ))
        return { loadBalancer: lb.name, listeners: lb.listeners, targetGroups: lb.targetGroups.map((g) => g.name) }
      })

    return LoadBalancers.of({
      region,
      list,
      describe,
      targets,
      register: change("register"),
      deregister: change("deregister"),
      planCreate,
      create,
      delete: (name) => deleteLoadBalancer(name).pipe(Effect.catchTag("AwsNotFound", () => Effect.fail(loadBalancerNotFound(name, region))))
    })
  })
)
