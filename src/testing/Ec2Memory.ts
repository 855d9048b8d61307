/**
 * An in-memory EC2 for tests: seedable, deterministic, paginated like the real API, with state
 * changes that settle after `settleAfter` on Effect's Clock (so `--wait` is tested with TestClock).
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

let counter = 0
const nextId = () => `i-${(0x0a000000 + ++counter).toString(16).padStart(17, "0")}`

export const makeInstance = (seed: Partial<Instance>): Instance => ({
  ...seed,
  id: seed.id ?? nextId(),
  state: seed.state ?? "running",
  type: seed.type ?? "t3a.micro",
  availabilityZone: seed.availabilityZone ?? "us-east-1a",
  lifecycle: seed.lifecycle ?? "on-demand",
  securityGroups: seed.securityGroups ?? [],
  tags: { ...(seed.name !== undefined ? { Name: seed.name } : {}), ...seed.tags },
  launchTime: seed.launchTime ?? new Date(0)
})

const matches = (i: Instance, f: InstanceFilter): Effect.Effect<boolean, AwsInvalidRequest> =>
  Effect.gen(function*() {
    if (f.ids && f.ids.length > 0 && !f.ids.includes(i.id)) return false
    if (f.names && f.names.length > 0 && !f.names.includes(i.tags.Name ?? "")) return false
    if (f.states && f.states.length > 0 && !f.states.includes(i.state)) return false
    for (const [k, values] of Object.entries(f.tags ?? {})) if (!values.includes(i.tags[k] ?? "\u0000")) return false
    for (const [name, values] of Object.entries(f.filters ?? {})) {
      const actual = name.startsWith("tag:") ? i.tags[name.slice(4)] : yield* filterValue(i, name)
      if (actual === undefined || !values.includes(actual)) return false
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
  architecture: (i) => i.architecture
}

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
        awsMessage: `The filter '${name}' is invalid`
      })
    )
}

export const Ec2Memory = {
  layer: (seed: Ec2Seed = {}): Layer.Layer<Ec2 | Ec2MemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const settleMs = Duration.toMillis(Duration.fromInputUnsafe(seed.settleAfter ?? "5 seconds"))
        const pageSize = seed.pageSize ?? 100
        const store = yield* Ref.make<ReadonlyArray<Stored>>((seed.instances ?? []).map((s) => ({ instance: makeInstance(s) })))
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
            yield* record(`${action}:${options.dryRun ? "dry-run" : "do"}`)
            const all = yield* current
            const missing = ids.filter((id) => !all.some((s) => s.instance.id === id))
            if (missing.length > 0) return yield* notFound(missing, action)
            if (options.dryRun) return []
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
              const instance = makeInstance(s)
              yield* Ref.update(store, (all) => [...all, { instance }])
              return instance
            }),
          calls: Ref.get(calls)
        })
        return Context.make(Ec2, ec2).pipe(Context.add(Ec2MemoryState, state))
      })
    )
}
