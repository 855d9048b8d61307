/** `aegea rm ID...`: delete EC2 resources by the prefix of their id; a dry run unless --force. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { OperationFailed, UsageError } from "../errors.ts"
import { Ec2ResourcesLive } from "../layers/Ec2ResourcesLive.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ec2Resources, kindOfId, type NamedKind, nounOf, type Removable, removableKinds } from "../services/Ec2Resources.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { confirmDestruction } from "./confirm.ts"
import { awsService, BaseLayer } from "./global.ts"

export const Ec2ResourcesLayer = awsService(Ec2Resources, Ec2ResourcesLive).pipe(Layer.provideMerge(BaseLayer))

const knownPrefixes = removableKinds.map((k) => `${k.prefix} (${k.noun})`).join(", ")

const rmTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "kind" },
    { key: "name", kind: "name" },
    { key: "alsoDeletes", header: "ALSO DELETES" },
    { key: "result" }
  ]
}

const label = (r: Removable) => {
  const named = r.name !== undefined && r.name !== r.id ? `${r.id} (${r.name})` : r.id
  const what = r.kind === "file-system" ? "mount targets" : "snapshots"
  return r.alsoDeletes.length > 0 ? `${named} and its ${what} ${r.alsoDeletes.join(", ")}` : named
}

export const rmCommand = Command.make(
  "rm",
  {
    ids: Argument.String("id").pipe(
      Argument.withDescription(`Ids of the resources to delete; the prefix says what each is: ${knownPrefixes}.`),
      Argument.atLeast(1)
    ),
    force: Flag.Boolean("force").pipe(
      Flag.withAlias("f"),
      Flag.withDescription("Really delete (asks first at a terminal; with no terminal, refuses unless --yes). Without it, rm is a dry run."),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription(
        "Ask AWS whether each deletion would succeed (DryRun, permissions included), print the table (text, or JSON/YAML/CSV/TSV with --output) with RESULT \"would delete\", and change nothing. The default without --force."
      ),
      Flag.withDefault(false)
    ),
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("With --force, delete without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    ),
    keyPair: Flag.Boolean("key-pair").pipe(
      Flag.withDescription("The arguments are key pair names (not ids): delete those key pairs."),
      Flag.withDefault(false)
    ),
    elb: Flag.Boolean("elb").pipe(
      Flag.withDescription(
        "The arguments are load balancer names (ELBv2, else Classic; ELBv2 ARNs need no flag): delete those load balancers."
      ),
      Flag.withDefault(false)
    ),
    lambda: Flag.Boolean("lambda").pipe(
      Flag.withDescription("The arguments are Lambda function names (ARNs need no flag): delete those functions."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("rm")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rm"), raw)
    if (input.force && input.dryRun) {
      return yield* new UsageError({ message: "--force conflicts with --dry-run", hint: "Give only one of them" })
    }
    const named: ReadonlyArray<NamedKind> = [
      ...(input.keyPair ? ["key-pair" as const] : []),
      ...(input.elb ? ["load-balancer" as const] : []),
      ...(input.lambda ? ["lambda-function" as const] : [])
    ]
    if (named.length > 1) {
      return yield* new UsageError({ message: "give only one of --key-pair, --elb and --lambda", hint: "Run aegea rm once for each kind" })
    }
    const byName = named[0]
    const kinds = input.ids.map((id) => byName ?? kindOfId(id))
    const unknown = input.ids.filter((_, i) => kinds[i] === undefined)
    if (unknown.length > 0) {
      return yield* new UsageError({
        message: `cannot tell what ${unknown.map((id) => JSON.stringify(id)).join(", ")} ${unknown.length === 1 ? "is" : "are"} from the id`,
        hint: `Known prefixes: ${knownPrefixes}; pass --key-pair, --elb or --lambda to delete key pairs, load balancers or Lambda functions by name`
      })
    }
    const resources = yield* Ec2Resources
    const output = yield* Output
    const targets = yield* Effect.forEach(input.ids, (id, i) => resources.find(kinds[i]!, id, { byName: byName !== undefined }), { concurrency: 4 })
    const blocked = targets.filter((t) => t.blockers.length > 0)
    if (blocked.length > 0) {
      return yield* new OperationFailed({
        message: blocked.map((t) => `${nounOf(t.kind)} ${t.id} cannot be deleted while it has ${t.blockers.join(", ")}`).join("; "),
        hint: "Delete or move those first (aegea rm takes their ids), then run aegea rm again"
      })
    }
    const dryRun = !input.force
    if (!dryRun) {
      yield* confirmDestruction({ verb: "delete", noun: ["resource", "resources"], items: targets.map(label) }, input.yes)
    }
    const rows = []
    for (const target of targets) {
      yield* resources.remove(target, { dryRun })
      rows.push({
        id: target.id,
        kind: nounOf(target.kind),
        name: target.name,
        alsoDeletes: target.alsoDeletes.length > 0 ? target.alsoDeletes.join(", ") : undefined,
        result: dryRun ? "would delete" : "deleted"
      })
    }
    yield* output.table(rows, rmTable)
    if (dryRun) yield* output.info("dry run: nothing was deleted; run again with --force (-f) to delete")
  })
).pipe(
  Command.withDescription(
    `Delete EC2 resources (and EFS file systems, load balancers, Lambda functions, IAM access keys) by id: ${knownPrefixes}; key pairs, load balancers and Lambda functions by name with --key-pair, --elb, --lambda. An AMI is deregistered and its snapshots deleted; an EFS file system's mount targets are deleted first (rm waits, at most 5 minutes, until they are gone); a VPC that still has subnets, instances, internet gateways or security groups is refused, naming them. Without --force this is a dry run: AWS checks each EC2 deletion (DryRun; EFS file systems, load balancers, Lambda functions and access keys are only looked up) and nothing changes. Prints a table: ID, KIND, NAME, ALSO DELETES, RESULT.`
  ),
  Command.withShortDescription("Delete EC2 resources, EFS file systems, load balancers, Lambda functions and access keys by id (a dry run unless --force)."),
  Command.withExamples([
    { command: "aegea rm vol-0123456789abcdef0 sg-0123456789abcdef0", description: "Check that both would be deleted; change nothing" },
    { command: "aegea rm ami-0123456789abcdef0 --force --yes", description: "Deregister an AMI and delete its snapshots" },
    { command: "aegea rm --key-pair old-laptop -f -y", description: "Delete the key pair named old-laptop" }
  ]),
  Command.provide(Ec2ResourcesLayer)
)
