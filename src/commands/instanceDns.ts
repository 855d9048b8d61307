/**
 * The DNS side of launch, terminate and rename (src/workflows/instanceDns.ts), for their handlers:
 * the Route 53 layer, the --dns/--no-dns flag, and running a DNS step so that it never fails the
 * command: what it did is shown (stderr), a failure is one warning line naming the command to run.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Flag from "effect/cli/Flag"
import { type AwsError, type ResourceNotFound } from "../errors.ts"
import { Route53Live } from "../layers/Route53Live.ts"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Output } from "../services/Output.ts"
import { Route53 } from "../services/Route53.ts"
import { privateZoneName } from "../workflows/instanceDns.ts"
import { AwsLayer } from "./global.ts"

/**
 * Route 53 for instance records: the one provided (a test's in-memory layer, a program's own), else
 * the live one, except when EC2 itself was provided without Route 53 (a test or a program on its own
 * EC2 layer gets no DNS rather than calls to real AWS). Handlers ask for it with
 * `Effect.serviceOption(Route53)`: absent means DNS is off.
 */
const Route53Layer = Route53Live.pipe(Layer.provide(AwsLayer))

// Typed as the live layer (its needs: the config and global flags); it may provide nothing.
export const InstanceDnsLayer: typeof Route53Layer = Layer.unwrap(
  Effect.gen(function*() {
    const provided = yield* Effect.serviceOption(Route53)
    if (Option.isSome(provided)) return Layer.succeed(Route53, provided.value) as typeof Route53Layer
    if (Option.isSome(yield* Effect.serviceOption(Ec2))) return Layer.empty as unknown as typeof Route53Layer
    return Route53Layer
  })
)

/** --dns/--no-dns (its description added by each command). */
export const dnsFlag = Flag.Boolean("dns").pipe(Flag.optional)

/**
 * Whether DNS is on (the flag, else the command's config key `dns`, else on; and Route 53 at hand,
 * see InstanceDnsLayer) and the private zone's name.
 */
export const dnsSettings = (section: string, flag: Option.Option<boolean>) =>
  Effect.gen(function*() {
    const config = yield* AegeaConfig
    const configured = config.section(section).dns
    const wanted = Option.getOrElse(flag, () => (typeof configured === "boolean" ? configured : true))
    const available = Option.isSome(yield* Effect.serviceOption(Route53))
    return { on: wanted && available, zone: privateZoneName(config.section("dns")) }
  })

/**
 * Run a DNS step when Route 53 is available: its lines as info, a failure as one warning naming
 * `byHand` (what to run once it works). Never fails.
 */
export const dnsStep = (
  what: string,
  step: Effect.Effect<ReadonlyArray<string>, AwsError | ResourceNotFound, Route53>,
  byHand: string
) =>
  Effect.gen(function*() {
    const route53 = yield* Effect.serviceOption(Route53)
    if (Option.isNone(route53)) return
    const output = yield* Output
    yield* step.pipe(
      Effect.provideService(Route53, route53.value),
      Effect.flatMap((lines) => Effect.forEach(lines, (line) => output.info(line), { discard: true })),
      Effect.catch((e) => output.warn(`DNS: ${e.summary.replace(/[.!?]?$/, "")}; ${what} by hand with '${byHand}' once that works`))
    )
  })
