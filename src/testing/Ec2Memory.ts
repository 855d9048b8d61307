/**
 * An in-memory EC2 for tests: seedable, deterministic, paginated like the real API, with state
 * changes that settle after `settleAfter` on Effect's Clock (so `--wait` is tested with TestClock).
 * Held to the EC2 contract (test/contract/ec2.ts) against moto: filter values take EC2's wildcards
 * (`*`, `?`, and a backslash to escape), `tag-key`/`tag-value` filters work, reboot reports no state change,
 * and seeded instances carry the fields a live one has (private and public addresses and DNS names,
 * subnet, VPC, image, architecture, launch time).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { Ec2, type Image, type Instance, type InstanceFilter, type InstanceState, type KeyPair, type ListingFilter, resolveInstanceWith, type SecurityGroupRule, type Snapshot, type StateAction, type Subnet, targetState, type Volume, type Vpc, type Zone } from "../services/Ec2.ts"
import { AwsInvalidRequest, AwsNotFound, ResourceNotFound } from "../errors.ts"
import { matchesFilters } from "../lib/ec2Filters.ts"

/**
 * What `Ec2Memory` starts with: instances (fields not given are filled in), images, volumes, snapshots, security
 * group rules, subnets, VPCs, key pairs, console output; paging and deterministic ids.
 */
export interface Ec2Seed {
  readonly region?: string
  readonly instances?: ReadonlyArray<Partial<Instance> & { readonly name?: string }>
  readonly images?: ReadonlyArray<Image>
  readonly volumes?: ReadonlyArray<Volume>
  readonly snapshots?: ReadonlyArray<Snapshot>
  readonly securityGroupRules?: ReadonlyArray<SecurityGroupRule>
  readonly subnets?: ReadonlyArray<Subnet>
  readonly vpcs?: ReadonlyArray<Vpc>
  readonly keyPairs?: ReadonlyArray<KeyPair>
  readonly consoleOutput?: Readonly<Record<string, string>>
  /** How long a state change takes to settle (default 5 seconds). */
  readonly settleAfter?: Duration.Input
  /** Page size of listings (default 100, as small pages exercise pagination). */
  readonly pageSize?: number
  /**
   * Generated instance ids count from this number in this layer (default 0: the first generated id
   * is i-0000000000a000001). Ids do not depend on other layers or on test order.
   */
  readonly idSeed?: number
}

interface Stored {
  readonly instance: Instance
  /** When set, the instance becomes `to` at this time (ms on Effect's Clock). */
  readonly pending?: { readonly to: InstanceState; readonly at: number }
}

/** Inspect and change the in-memory state from a test. */
export class Ec2MemoryState extends Context.Service<Ec2MemoryState, {
  readonly instances: Effect.Effect<ReadonlyArray<Instance>>
  readonly addInstance: (seed: Partial<Instance>) => Effect.Effect<Instance>
  /** Every API-like call made, e.g. "DescribeInstances", "StopInstances". */
  readonly calls: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/Ec2MemoryState") {}

const transitional: Record<StateAction, InstanceState> = {
  start: "pending",
  stop: "stopping",
  reboot: "running",
  terminate: "shutting-down"
}

/** The `n`th generated instance id (1-based): i-0000000000a000001, i-0000000000a000002, ... */
export const instanceIdOf = (n: number) => `i-${(0x0a000000 + n).toString(16).padStart(17, "0")}`

/**
 * A full instance from a partial seed, with the fields a live instance has filled with realistic
 * defaults: the `n`th instance (1-based) gets id {@link instanceIdOf}(n) and private address
 * 172.31.{n/250}.{10+n%250} in the default VPC's subnet of its zone; running and pending instances
 * also get a public address and DNS name, as on AWS (a stopped instance has none).
 */
export const makeInstance = (seed: Partial<Instance>, n = 1, region = "us-east-1"): Instance => {
  const state = seed.state ?? "running"
  const az = seed.availabilityZone ?? `${region}a`
  const privateIp = seed.privateIp ?? `172.31.${Math.floor(n / 250) % 256}.${10 + (n % 250)}`
  const publicIp = seed.publicIp ?? (state === "running" || state === "pending" ? `54.${160 + (Math.floor(n / 65536) % 90)}.${Math.floor(n / 256) % 256}.${n % 256}` : undefined)
  const domain = region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`
  const publicDomain = region === "us-east-1" ? "compute-1.amazonaws.com" : `${region}.compute.amazonaws.com`
  const tags = { ...(seed.name !== undefined ? { Name: seed.name } : {}), ...seed.tags }
  return {
    ...seed,
    id: seed.id ?? instanceIdOf(n),
    ...(tags.Name !== undefined ? { name: tags.Name } : {}),
    state,
    type: seed.type ?? "t3a.micro",
    availabilityZone: az,
    privateIp,
    privateDns: seed.privateDns ?? `ip-${privateIp.replaceAll(".", "-")}.${domain}`,
    ...(publicIp !== undefined ? { publicIp, publicDns: seed.publicDns ?? `ec2-${publicIp.replaceAll(".", "-")}.${publicDomain}` } : {}),
    launchTime: seed.launchTime ?? new Date(0),
    lifecycle: seed.lifecycle ?? "on-demand",
    imageId: seed.imageId ?? "ami-0123456789abcdef0",
    vpcId: seed.vpcId ?? "vpc-0a1b2c3d4e5f60718",
    subnetId: seed.subnetId ?? `subnet-0a1b2c3d4e5f6071${az.slice(-1)}`,
    architecture: seed.architecture ?? (/^[a-z]\d+g/.test(seed.type ?? "") ? "arm64" : "x86_64"),
    securityGroups: seed.securityGroups ?? ["default"],
    tags
  }
}

/** An EC2 filter value against an actual one: `*` is any run of characters, `?` one, a backslash escapes the next. */
export const matchesFilterValue = (pattern: string, actual: string): boolean => {
  let source = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === "\\" && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    else if (c === "*") source += "[\\s\\S]*"
    else if (c === "?") source += "[\\s\\S]"
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  }
  return new RegExp(`^${source}$`).test(actual)
}

const anyMatches = (patterns: ReadonlyArray<string>, actual: string | undefined) =>
  actual !== undefined && patterns.some((p) => matchesFilterValue(p, actual))

const matches = (i: Instance, f: InstanceFilter): Effect.Effect<boolean, AwsInvalidRequest> =>
  Effect.gen(function*() {
    if (f.ids && f.ids.length > 0 && !f.ids.includes(i.id)) return false
    if (f.names && f.names.length > 0 && !anyMatches(f.names, i.tags.Name)) return false
    if (f.states && f.states.length > 0 && !f.states.includes(i.state)) return false
    for (const [k, values] of Object.entries(f.tags ?? {})) if (!anyMatches(values, i.tags[k])) return false
    for (const [name, values] of Object.entries(f.filters ?? {})) {
      if (name === "tag-key") {
        if (!Object.keys(i.tags).some((k) => anyMatches(values, k))) return false
      } else if (name === "tag-value") {
        if (!Object.values(i.tags).some((v) => anyMatches(values, v))) return false
      } else if (name === "instance.group-id" || name === "instance.group-name" || name === "group-name") {
        if (!i.securityGroups.some((g) => anyMatches(values, g))) return false
      } else {
        const actual = name.startsWith("tag:") ? i.tags[name.slice(4)] : yield* filterValue(i, name)
        if (!anyMatches(values, actual)) return false
      }
    }
    return true
  })

const filterFields: Record<string, (i: Instance) => string | undefined> = {
  "instance-id": (i) => i.id,
  "instance-type": (i) => i.type,
  "instance-state-name": (i) => i.state,
  "availability-zone": (i) => i.availabilityZone,
  "vpc-id": (i) => i.vpcId,
  "subnet-id": (i) => i.subnetId,
  "image-id": (i) => i.imageId,
  "key-name": (i) => i.keyName,
  "dns-name": (i) => i.publicDns,
  "private-dns-name": (i) => i.privateDns,
  "ip-address": (i) => i.publicIp,
  "private-ip-address": (i) => i.privateIp,
  "instance-lifecycle": (i) => (i.lifecycle === "on-demand" ? undefined : i.lifecycle),
  "iam-instance-profile.arn": (i) => i.iamProfile,
  architecture: (i) => i.architecture
}

const supportedFilters = ["tag:KEY", "tag-key", "tag-value", "instance.group-name", ...Object.keys(filterFields)]

const filterValue = (i: Instance, name: string) => {
  const field = filterFields[name]
  return field
    ? Effect.succeed(field(i))
    : Effect.fail(
      new AwsInvalidRequest({
        action: "list instances",
        service: "EC2",
        operation: "DescribeInstances",
        code: "InvalidParameterValue",
        awsMessage: `The filter '${name}' is invalid or not supported in memory (the in-memory EC2 supports ${supportedFilters.join(", ")})`
      })
    )
}

/**
 * `Ec2` in memory, with `Ec2MemoryState` to seed and inspect instances; state changes take their time on
 * Effect's Clock.
 */
export const Ec2Memory = {
  layer: (seed: Ec2Seed = {}): Layer.Layer<Ec2 | Ec2MemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const settleMs = Duration.toMillis(Duration.fromInputUnsafe(seed.settleAfter ?? "5 seconds"))
        const pageSize = seed.pageSize ?? 100
        let counter = seed.idSeed ?? 0
        const newInstance = (s: Partial<Instance>) => makeInstance(s, ++counter, region)
        const store = yield* Ref.make<ReadonlyArray<Stored>>((seed.instances ?? []).map((s) => ({ instance: newInstance(s) })))
        const calls = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (op: string) => Ref.update(calls, (c) => [...c, op])

        /** Settle due transitions, then read. */
        const current = Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          return yield* Ref.updateAndGet(store, (all) =>
            all.map((s) =>
              s.pending && s.pending.at <= now ? { instance: { ...s.instance, state: s.pending.to } } : s
            ))
        })

        const pages = <A>(op: string, items: Effect.Effect<ReadonlyArray<A>, AwsInvalidRequest | AwsNotFound>) =>
          Stream.unwrap(
            Effect.map(items, (all) =>
              Stream.paginate(0, (offset: number) =>
                record(op).pipe(
                  Effect.as([
                    all.slice(offset, offset + pageSize),
                    offset + pageSize < all.length ? Option.some(offset + pageSize) : Option.none()
                  ] as const)
                ))
            )
          )

        const notFound = (ids: ReadonlyArray<string>, operation: string) =>
          new AwsNotFound({
            action: `find ${ids.join(", ")}`,
            service: "EC2",
            operation,
            code: "InvalidInstanceID.NotFound",
            awsMessage: `The instance IDs '${ids.join(", ")}' do not exist`,
            region
          })

        const instances = (filter: InstanceFilter = {}) =>
          pages(
            "DescribeInstances",
            Effect.gen(function*() {
              const all = (yield* current).map((s) => s.instance)
              const missing = (filter.ids ?? []).filter((id) => !all.some((i) => i.id === id))
              if (missing.length > 0) return yield* notFound(missing, "DescribeInstances")
              return yield* Effect.filter(all, (i) => matches(i, filter))
            })
          )

        const changeState = (action: StateAction, ids: ReadonlyArray<string>, options: { dryRun?: boolean } = {}) =>
          Effect.gen(function*() {
            // Nothing to change: no call, as the live layer makes none.
            if (ids.length === 0) return []
            yield* record(`${action}:${options.dryRun ? "dry-run" : "do"}`)
            const all = yield* current
            const missing = ids.filter((id) => !all.some((s) => s.instance.id === id))
            if (missing.length > 0) return yield* notFound(missing, action)
            if (options.dryRun) return []
            // RebootInstances reports no state change and the instance stays running, as on AWS.
            if (action === "reboot") return []
            const now = yield* Clock.currentTimeMillis
            const changes = all.filter((s) => ids.includes(s.instance.id)).map((s) => ({
              id: s.instance.id,
              previousState: s.instance.state,
              currentState: s.instance.state === "terminated" ? "terminated" as const : transitional[action]
            }))
            yield* Ref.set(
              store,
              all.map((s) =>
                ids.includes(s.instance.id) && s.instance.state !== "terminated"
                  ? {
                    instance: { ...s.instance, state: transitional[action] },
                    pending: { to: targetState[action], at: now + settleMs }
                  }
                  : s
              )
            )
            return changes
          })

        const list = <A>(op: string, items: ReadonlyArray<A> | undefined) => pages(op, Effect.succeed(items ?? []))
        /** A listing with EC2 filters, judged on the rows (`tag:KEY`, other names as fields: vpc-id -> vpcId). */
        const filtered = <A extends Readonly<Record<string, unknown>>>(op: string, items: ReadonlyArray<A> | undefined, options?: ListingFilter) =>
          list(op, (items ?? []).filter((row) => matchesFilters(row, options?.filters)))
        const zones: ReadonlyArray<Zone> = ["a", "b", "c"].map((z) => ({
          name: `${region}${z}`,
          id: `use1-az${z}`,
          region,
          state: "available",
          type: "availability-zone"
        }))

        const ec2 = Ec2.of({
          region,
          instances,
          resolveInstance: resolveInstanceWith(instances, region),
          changeState,
          consoleOutput: (id) =>
            Effect.gen(function*() {
              yield* record("GetConsoleOutput")
              if (!(yield* current).some((s) => s.instance.id === id)) return yield* notFound([id], "GetConsoleOutput")
              return seed.consoleOutput?.[id]
            }),
          images: (options) => filtered("DescribeImages", seed.images, options),
          volumes: (options) => filtered("DescribeVolumes", seed.volumes, options),
          snapshots: (options) => filtered("DescribeSnapshots", seed.snapshots, options),
          securityGroupRules: (options) => filtered("DescribeSecurityGroups", seed.securityGroupRules, options),
          subnets: (options) => filtered("DescribeSubnets", seed.subnets, options),
          vpcs: (options) => filtered("DescribeVpcs", seed.vpcs, options),
          keyPairs: () => list("DescribeKeyPairs", seed.keyPairs),
          regions: () => list("DescribeRegions", [{ name: region }]),
          zones: () => list("DescribeAvailabilityZones", zones)
        })
        const state = Ec2MemoryState.of({
          instances: Effect.map(current, (all) => all.map((s) => s.instance)),
          addInstance: (s) =>
            Effect.gen(function*() {
              const instance = newInstance(s)
              yield* Ref.update(store, (all) => [...all, { instance }])
              return instance
            }),
          calls: Ref.get(calls)
        })
        return Context.make(Ec2, ec2).pipe(Context.add(Ec2MemoryState, state))
      })
    )
}
