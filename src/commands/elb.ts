/**
 * `aegea elb ls | targets | register | deregister | replace | create | delete`: classic and
 * application/network load balancers, their targets, and moving instances in and out of them.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { LoadBalancersLive } from "../layers/LoadBalancersLive.ts"
import { UsageError } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ec2, type Instance, isInstanceId } from "../services/Ec2.ts"
import { chooseTargetGroup, isDrained, LoadBalancer, LoadBalancers, type TargetGroupAdvice, type TargetGroupRef, type TargetHealth } from "../services/LoadBalancers.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import { waitForTargets } from "../workflows/elbWait.ts"
import { progressThroughOutput } from "./progressOutput.ts"
import { confirmDestruction } from "./confirm.ts"
import { awsService, BaseLayer } from "./global.ts"
import { commaList } from "./parse.ts"

export const ElbLayer = Layer.mergeAll(awsService(LoadBalancers, LoadBalancersLive), awsService(Ec2, Ec2Live)).pipe(
  Layer.provideMerge(BaseLayer)
)

export const loadBalancerTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "type" },
    { key: "scheme", keep: 1 },
    { key: "dnsName", header: "DNS NAME", noTruncate: true },
    { key: "state", kind: "state" },
    { key: "listeners", keep: 2 },
    { key: "healthy", kind: "number", align: "right" },
    { key: "unhealthy", kind: "number", align: "right" }
  ],
  kinds: { arn: "id", vpcId: "id", created: "time", canonicalHostedZoneId: "id", targetGroups: "text" },
  fields: Object.keys(LoadBalancer.fields),
  aliases: { dns_name: "dnsName", load_balancer_name: "name", vpc: "vpcId" }
}

export const targetTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "instance", kind: "name" },
    { key: "targetGroup", header: "TARGET GROUP", keep: 1 },
    { key: "port", kind: "number" },
    { key: "state", kind: "state" },
    { key: "reason", keep: 2 }
  ],
  kinds: { loadBalancer: "name" },
  fields: ["id", "instance", "loadBalancer", "targetGroup", "port", "state", "reason"],
  aliases: { target_group: "targetGroup", health: "state" }
}

/** JSON and YAML keep lists whole; the other formats get "HTTP:80, HTTPS:443". */
const loadBalancerRow = (lb: LoadBalancer, format: string): Row =>
  format === "json" || format === "yaml"
    ? lb
    : { ...lb, listeners: lb.listeners.join(", "), targetGroups: lb.targetGroups.map((g) => g.name).join(", ") }

const nameArgument = Argument.String("name").pipe(Argument.withDescription("The load balancer's name (or an ELBv2 ARN)."))
const targetGroupFlag = Flag.String("target-group").pipe(
  Flag.withDescription("The target group (name or ARN) of an application or network load balancer; needed for changes when it has several."),
  Flag.optional
)
const waitFlag = (goal: string) =>
  Flag.Boolean("wait").pipe(Flag.withDescription(`Wait until the instances are ${goal} (at most 15 minutes), showing their health as it changes.`), Flag.withDefault(false))
const dryRunFlag = (what: string) =>
  Flag.Boolean("dry-run").pipe(
    Flag.withDescription(`Print one line of text on stderr saying ${what}, after checking the load balancer and instances exist; change nothing.`),
    Flag.withDefault(false)
  )

/** The hints of target group errors, naming the flag of the commands that have it. */
const targetGroupAdvice: TargetGroupAdvice = { several: "Pass --target-group NAME to choose one", classic: "Leave out --target-group" }

/** `--instances a,b --instances c` -> [a, b, c]. */

/** Instances by name or id, each once, with "i-0abc (web-1)" labels. */
const resolveInstances = (targets: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const found = yield* Effect.forEach(targets, ec2.resolveInstance, { concurrency: 4 })
    const unique = [...new Map(found.map((i) => [i.id, i])).values()]
    return {
      ids: unique.map((i) => i.id),
      labels: Object.fromEntries(unique.map((i) => [i.id, i.name ? `${i.id} (${i.name})` : i.id])) as Record<string, string>
    }
  })

/** Instance names for target rows (instances only; other targets keep an empty name). */
const targetRows = (targets: ReadonlyArray<TargetHealth>) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const ids = [...new Set(targets.map((t) => t.id).filter(isInstanceId))]
    const instances: ReadonlyArray<Instance> = ids.length === 0 ? [] : yield* Stream.runCollect(ec2.instances({ ids })).pipe(
      Effect.catchTag("AwsNotFound", () => Effect.succeed([] as ReadonlyArray<Instance>))
    )
    return targets.map((t): Row => ({ ...t, instance: instances.find((i) => i.id === t.id)?.name }))
  })

const ls = Command.make(
  "ls",
  {},
  Effect.fn("elb.ls")(function*() {
    const lbs = yield* LoadBalancers
    const output = yield* Output
    const all = yield* lbs.list()
    yield* output.table(all.map((lb) => loadBalancerRow(lb, output.settings.format)), loadBalancerTable, { empty: `no load balancers in ${lbs.region}` })
  })
).pipe(
  Command.withDescription(listingDescription(
    "List classic, application and network load balancers with their listeners and how many targets are healthy and unhealthy (UNHEALTHY: any state but healthy, initial and draining).",
    loadBalancerTable
  )),
  Command.withShortDescription("List load balancers (classic, application, network) with target health counts."),
  Command.withExamples([
    { command: "aegea elb ls", description: "Every load balancer of the region" },
    { command: "aegea elb ls --columns name,arn,targetGroups --json", description: "Names, ARNs and target groups as JSON" }
  ])
)

const targets = Command.make(
  "targets",
  { name: nameArgument, targetGroup: targetGroupFlag },
  Effect.fn("elb.targets")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("elb targets"), raw)
    const lbs = yield* LoadBalancers
    const output = yield* Output
    // A chosen target group is checked here, so that a wrong choice is explained with this command's flag.
    const choice = Option.getOrUndefined(input.targetGroup)
    const group = choice !== undefined
      ? yield* Effect.flatMap(lbs.describe(input.name), (lb) => chooseTargetGroup(lb, choice, targetGroupAdvice))
      : undefined
    const list = yield* lbs.targets(input.name, { targetGroup: group?.arn })
    yield* output.table(yield* targetRows(list), targetTable, { empty: `no targets registered with ${input.name}` })
  })
).pipe(
  Command.withDescription(listingDescription("List a load balancer's targets and their health (every target group unless --target-group).", targetTable)),
  Command.withShortDescription("List a load balancer's targets and their health."),
  Command.withExamples([
    { command: "aegea elb targets web", description: "Each target of web: instance, port, health and why" },
    { command: "aegea elb targets web --target-group web-blue", description: "Only one target group" }
  ])
)

/** The rows after a change: each instance's health now, "deregistered" when it is no longer there. */
const changedRows = (name: string, ids: ReadonlyArray<string>, group: TargetGroupRef | undefined, gone: string) =>
  Effect.gen(function*() {
    const lbs = yield* LoadBalancers
    const now = yield* lbs.targets(name, { targetGroup: group?.arn })
    const rows: Array<TargetHealth> = ids.map((id) => {
      const t = now.find((x) => x.id === id)
      return t !== undefined && !isDrained(t) ? t : { id, loadBalancer: name, ...(group ? { targetGroup: group.name } : {}), state: gone }
    })
    return yield* targetRows(rows)
  })

const changeCommand = (verb: "register" | "deregister") =>
  Command.make(
    verb,
    {
      name: nameArgument,
      instances: Argument.String("instance").pipe(Argument.withDescription("Instances by Name tag or id."), Argument.atLeast(1)),
      targetGroup: targetGroupFlag,
      wait: waitFlag(verb === "register" ? "healthy" : "drained (no longer registered)"),
      dryRun: dryRunFlag(`which instances would be ${verb}ed with which target group`)
    },
    Effect.fn(`elb.${verb}`)(function*(raw) {
      const input = withConfigDefaults((yield* AegeaConfig).section(`elb ${verb}`), raw)
      const lbs = yield* LoadBalancers
      const output = yield* Output
      const choice = Option.getOrUndefined(input.targetGroup)
      const { ids, labels } = yield* resolveInstances(input.instances)
      const lb = yield* lbs.describe(input.name)
      const group = yield* chooseTargetGroup(lb, choice, targetGroupAdvice)
      const where = group ? `target group ${group.name} of ${lb.name}` : `classic load balancer ${lb.name}`
      if (input.dryRun) {
        yield* output.info(`dry run: would ${verb} ${ids.map((id) => labels[id]).join(", ")} ${verb === "register" ? "with" : "from"} ${where}; nothing was changed`)
        return
      }
      const target = lb.arn ?? lb.name
      yield* (verb === "register" ? lbs.register : lbs.deregister)(target, ids, { targetGroup: group?.arn })
      if (input.wait) yield* progressThroughOutput(waitForTargets(target, ids, verb === "register" ? "healthy" : "drained", { targetGroup: group?.arn, labels }))
      yield* output.table(yield* changedRows(target, ids, group, verb === "register" ? "not registered" : "deregistered"), targetTable)
    })
  ).pipe(
    Command.withDescription(
      verb === "register"
        ? "Register instances with a load balancer: a classic one, or the target group of an application or network load balancer (--target-group when it has several). Prints a table of the instances' health: ID, INSTANCE, TARGET GROUP, PORT, STATE, REASON."
        : "Deregister instances from a load balancer (its target group, or --target-group). With --wait, until they are drained. Prints a table: ID, INSTANCE, TARGET GROUP, PORT, STATE, REASON."
    ),
    Command.withShortDescription(verb === "register" ? "Register instances with a load balancer." : "Deregister instances from a load balancer."),
    Command.withExamples([
      { command: `aegea elb ${verb} web web-3${verb === "register" ? " --wait" : ""}`, description: `${verb === "register" ? "Add" : "Remove"} the instance named web-3` },
      { command: `aegea elb ${verb} web i-0123456789abcdef0 --target-group web-blue --dry-run`, description: "Check without changing anything" }
    ])
  )

const replace = Command.make(
  "replace",
  {
    name: nameArgument,
    old: Argument.String("old").pipe(Argument.withDescription("The instance to take out (Name tag or id).")),
    new: Argument.String("new").pipe(Argument.withDescription("The instance to put in (Name tag or id).")),
    targetGroup: targetGroupFlag,
    dryRun: dryRunFlag("which instance would replace which")
  },
  Effect.fn("elb.replace")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("elb replace"), raw)
    const lbs = yield* LoadBalancers
    const output = yield* Output
    const old = yield* resolveInstances([input.old])
    const fresh = yield* resolveInstances([input.new])
    const oldId = old.ids[0]!
    const newId = fresh.ids[0]!
    if (oldId === newId) return yield* new UsageError({ message: `${input.old} and ${input.new} are the same instance (${oldId})`, hint: "Name two different instances" })
    const lb = yield* lbs.describe(input.name)
    const group = yield* chooseTargetGroup(lb, Option.getOrUndefined(input.targetGroup), targetGroupAdvice)
    const where = group ? `target group ${group.name} of ${lb.name}` : `classic load balancer ${lb.name}`
    const labels = { ...old.labels, ...fresh.labels }
    const target = lb.arn ?? lb.name
    const registered = yield* lbs.targets(target, { targetGroup: group?.arn })
    if (isDrained(registered.find((t) => t.id === oldId))) {
      return yield* new UsageError({
        message: `${labels[oldId]} is not registered with ${where}: nothing to replace`,
        hint: `Run 'aegea elb register ${lb.name} ${input.new}' to add ${input.new} alone`
      })
    }
    if (input.dryRun) {
      yield* output.info(`dry run: would register ${labels[newId]} with ${where}, wait until it is healthy, then deregister ${labels[oldId]} and wait until it is drained; nothing was changed`)
      return
    }
    const options = { targetGroup: group?.arn, labels }
    yield* lbs.register(target, [newId], options)
    yield* progressThroughOutput(waitForTargets(target, [newId], "healthy", options))
    yield* output.info(`${labels[newId]} is healthy in ${where}; deregistering ${labels[oldId]}`)
    yield* lbs.deregister(target, [oldId], options)
    yield* progressThroughOutput(waitForTargets(target, [oldId], "drained", options))
    const rows = [...(yield* changedRows(target, [newId], group, "not registered")), ...(yield* changedRows(target, [oldId], group, "deregistered"))]
    yield* output.table(rows, targetTable)
  })
).pipe(
  Command.withDescription(
    "Replace one instance by another behind a load balancer: register NEW, wait until it is healthy, then deregister OLD and wait until it is drained. Prints a table: ID, INSTANCE, TARGET GROUP, PORT, STATE, REASON."
  ),
  Command.withShortDescription("Swap an instance for another behind a load balancer, without downtime."),
  Command.withExamples([
    { command: "aegea elb replace web web-1 web-4", description: "Put web-4 in, then take web-1 out" },
    { command: "aegea elb replace web web-1 web-4 --dry-run", description: "Say what would happen" }
  ])
)

const create = Command.make(
  "create",
  {
    name: nameArgument,
    instances: Flag.String("instances").pipe(
      Flag.withDescription("Register these instances (Name tag or id; repeat or separate with commas)."),
      Flag.atLeast(0)
    ),
    port: Flag.Int("port").pipe(Flag.withDescription("The instances' port the load balancer sends traffic to (default 80)."), Flag.withDefault(80)),
    healthCheckPath: Flag.String("health-check-path").pipe(
      Flag.withDescription("The path the health check asks for on each instance (default /)."),
      Flag.withDefault("/")
    ),
    certificateDomain: Flag.String("certificate-domain").pipe(
      Flag.withDescription("Listen on HTTPS (443) with the issued ACM certificate for this domain (or its wildcard); default HTTP on 80."),
      Flag.optional
    ),
    dnsAlias: Flag.String("dns-alias").pipe(
      Flag.withDescription("Point this DNS name at the load balancer: a Route 53 alias A record (UPSERT) in the public zone that holds it."),
      Flag.optional
    ),
    subnets: Flag.String("subnets").pipe(
      Flag.withDescription("Put the load balancer in these subnets (two or more zones; repeat or separate with commas; default: the default VPC's)."),
      Flag.atLeast(0)
    ),
    securityGroup: Flag.String("security-group").pipe(
      Flag.withDescription("Give the load balancer this security group (repeatable; default: aegea-elb-NAME, made to allow the listener's port from anywhere)."),
      Flag.atLeast(0)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print what would be created, as YAML (JSON with --json), after one line on stderr; change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("elb.create")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("elb create"), raw)
    const lbs = yield* LoadBalancers
    const output = yield* Output
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(input.name) || input.name.startsWith("internal-")) {
      return yield* new UsageError({
        message: `invalid load balancer name '${input.name}'`,
        hint: "Use 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen"
      })
    }
    if (input.port < 1 || input.port > 65535) return yield* new UsageError({ message: `invalid --port ${input.port}`, hint: "Use a port from 1 to 65535" })
    const { ids, labels } = yield* resolveInstances(commaList(input.instances))
    const plan = yield* lbs.planCreate({
      name: input.name,
      instanceIds: ids,
      port: input.port,
      healthCheckPath: input.healthCheckPath,
      subnetIds: commaList(input.subnets),
      securityGroupIds: commaList(input.securityGroup),
      certificateDomain: Option.getOrUndefined(input.certificateDomain),
      dnsAlias: Option.getOrUndefined(input.dnsAlias)
    })
    if (input.dryRun) {
      yield* output.info(`dry run: nothing was changed; this is what 'elb create ${input.name}' would do in ${lbs.region}`)
      yield* output.document({
        loadBalancer: { name: plan.name, type: "application", scheme: "internet-facing", vpc: plan.vpcId, subnets: plan.subnetIds },
        securityGroups: plan.createSecurityGroup === undefined
          ? plan.securityGroupIds
          : [`${plan.createSecurityGroup} (made when missing; TCP ${plan.listener.port} from 0.0.0.0/0)`],
        targetGroup: { ...plan.targetGroup, protocol: "HTTP" },
        ...(plan.instanceIds.length > 0
          ? { instanceSecurityGroups: `each instance's security groups allow TCP ${plan.targetGroup.port} from the load balancer's security group` }
          : {}),
        listener: plan.listener,
        instances: plan.instanceIds.map((id) => labels[id] ?? id),
        ...(plan.dnsAlias !== undefined ? { dnsAlias: plan.dnsAlias } : {})
      })
      return
    }
    const lb = yield* lbs.create(plan)
    if (plan.dnsAlias !== undefined) yield* output.info(`${plan.dnsAlias.name} now points at ${lb.dnsName ?? lb.name} (zone ${plan.dnsAlias.zoneName})`)
    yield* output.table([loadBalancerRow(lb, output.settings.format)], loadBalancerTable)
  })
).pipe(
  Command.withDescription(
    "Create an application load balancer: in the default VPC's subnets (or --subnets), with a security group (the instances' groups are opened to it on --port), a target group on --port checked at --health-check-path, an HTTP listener on 80 (or HTTPS on 443 with --certificate-domain), the --instances registered, and with --dns-alias a Route 53 alias record. Prints the load balancer's row (the columns of 'elb ls')."
  ),
  Command.withShortDescription("Create an application load balancer for instances."),
  Command.withExamples([
    { command: "aegea elb create web --instances web-1,web-2 --port 8080 --health-check-path /health", description: "HTTP on 80 to port 8080" },
    { command: "aegea elb create web --instances web-1 --certificate-domain example.com --dns-alias www.example.com", description: "HTTPS with the ACM certificate, and www pointing at it" },
    { command: "aegea elb create web --instances web-1 --dry-run", description: "Show the plan" }
  ])
)

const del = Command.make(
  "delete",
  {
    name: nameArgument,
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Delete without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print one line of text on stderr naming the load balancer, listeners and target groups that would be deleted; change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("elb.delete")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("elb delete"), raw)
    const lbs = yield* LoadBalancers
    const output = yield* Output
    const lb = yield* lbs.describe(input.name)
    const items = [
      `load balancer ${lb.name} (${lb.type})`,
      ...lb.listeners.map((l) => `listener ${l}`),
      ...lb.targetGroups.map((g) => `target group ${g.name}`)
    ]
    if (input.dryRun) {
      yield* output.info(`dry run: would delete ${items.join(", ")}; nothing was changed`)
      return
    }
    yield* confirmDestruction({ verb: "delete", noun: ["resource", "resources"], items }, input.yes)
    const result = yield* lbs.delete(lb.arn ?? lb.name)
    yield* output.table([{ name: result.loadBalancer, type: lb.type, listeners: result.listeners.join(", "), targetGroups: result.targetGroups.join(", "), result: "deleted" }], {
      columns: [
        { key: "name", kind: "name" },
        { key: "type" },
        { key: "listeners" },
        { key: "targetGroups", header: "TARGET GROUPS" },
        { key: "result", kind: "state" }
      ]
    })
  })
).pipe(
  Command.withDescription(
    "Delete a load balancer with its listeners and target groups (asks on a terminal; with no terminal, refuses unless --yes). Prints a table: NAME, TYPE, LISTENERS, TARGET GROUPS, RESULT. The security group and DNS records 'elb create' made are kept."
  ),
  Command.withShortDescription("Delete a load balancer with its listeners and target groups."),
  Command.withExamples([
    { command: "aegea elb delete web", description: "Asks first, listing what goes" },
    { command: "aegea elb delete web --yes", description: "Without asking" }
  ])
)

export const elbCommand = Command.make("elb").pipe(
  Command.withDescription("Load balancers (classic, application, network): list them and their targets, move instances in and out, create and delete."),
  Command.withSubcommands([
    ls.pipe(Command.provide(ElbLayer)),
    targets.pipe(Command.provide(ElbLayer)),
    changeCommand("register").pipe(Command.provide(ElbLayer)),
    changeCommand("deregister").pipe(Command.provide(ElbLayer)),
    replace.pipe(Command.provide(ElbLayer)),
    create.pipe(Command.provide(ElbLayer)),
    del.pipe(Command.provide(ElbLayer))
  ])
)
