/** `aegea ls`: list EC2 instances. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ec2, Instance, type InstanceFilter, InstanceState, isInstanceId } from "../services/Ec2.ts"
import { UsageError } from "../errors.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { listingDescription } from "../lib/table.ts"
import { Ec2QueryLive } from "../layers/Ec2QueryLive.ts"
import { awsService, BaseLayer } from "./global.ts"
import { instanceFilterNames } from "./ec2Filters.ts"
import { commaList, keyValues } from "./parse.ts"

/** The Python aegea's filter names, as DescribeInstances spells them (values of a renamed name merged). */
const renameKeys = (filters: Record<string, Array<string>>, names: Readonly<Record<string, string>>) => {
  const out: Record<string, Array<string>> = {}
  for (const [k, v] of Object.entries(filters)) (out[names[k] ?? k] ??= []).push(...v)
  return out
}

export const instanceTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "type" },
    { key: "availabilityZone", header: "AZ" },
    { key: "privateIp", header: "PRIVATE IP" },
    // A DNS name cut to a stub is of no use: left out first, whole or not at all (PUBLIC IP says as much).
    { key: "publicDns", header: "PUBLIC DNS", keep: -1, noTruncate: true },
    { key: "publicIp", header: "PUBLIC IP" },
    { key: "launchTime", header: "LAUNCHED", kind: "time" },
    { key: "lifecycle" },
    { key: "iamProfile", header: "IAM PROFILE" }
  ],
  kinds: { tags: "tags", imageId: "id", vpcId: "id", subnetId: "id" },
  fields: Object.keys(Instance.fields),
  // The Python aegea's names (boto3 attributes) where ours differ by more than snake_case.
  aliases: {
    instance_id: "id",
    instance_type: "type",
    placement: "availabilityZone",
    private_ip_address: "privateIp",
    public_ip_address: "publicIp",
    public_dns_name: "publicDns",
    private_dns_name: "privateDns",
    iam_instance_profile: "iamProfile",
    instance_lifecycle: "lifecycle"
  }
}

const lsSummary = "List EC2 instances (all states), one row each."

const states = InstanceState.literals

const nameOrId = Argument.String("name-or-id").pipe(
  Argument.withDescription("Instance names (the Name tag) or ids to list; all instances when none is given."),
  Argument.variadic()
)
const tag = Flag.String("tag").pipe(
  Flag.withAlias("t"),
  Flag.withDescription("Only instances with this tag, as KEY=VALUE; repeat to require several."),
  Flag.atLeast(0)
)
const filter = Flag.String("filter").pipe(
  Flag.withAlias("f"),
  Flag.withDescription(
    "An EC2 DescribeInstances filter, as NAME=VALUE (e.g. instance-type=t3.micro; state=running means instance-state-name=running); repeatable."
  ),
  Flag.atLeast(0)
)
const state = Flag.String("state").pipe(
  Flag.withDescription(`Only instances in these states (comma-separated): ${states.join(", ")}.`),
  Flag.atLeast(0)
)

/** "no instances in eu-west-1 matching state=running, tag env=prod": what an empty `ls` searched. */
const emptyInstances = (
  region: string,
  input: { readonly nameOrId: ReadonlyArray<string>; readonly tag: ReadonlyArray<string>; readonly filter: ReadonlyArray<string>; readonly state: ReadonlyArray<string> }
): string => {
  const criteria = [
    ...(input.nameOrId.length > 0 ? [`name or id ${input.nameOrId.join(", ")}`] : []),
    ...(input.state.length > 0 ? [`state=${input.state.join(",")}`] : []),
    ...input.tag.map((t) => `tag ${t}`),
    ...input.filter.map((f) => `filter ${f}`)
  ]
  return `no instances in ${region}${criteria.length > 0 ? ` matching ${criteria.join(", ")}` : ""}`
}

export const lsCommand = Command.make(
  "ls",
  { nameOrId, tag, filter, state },
  Effect.fn("ls")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ls"), raw)
    const ec2 = yield* Ec2
    const output = yield* Output
    const wanted = commaList(input.state)
    const bad = wanted.filter((s) => !(states as ReadonlyArray<string>).includes(s))
    if (bad.length > 0) {
      return yield* new UsageError({
        message: `invalid value for --state: ${bad.join(", ")}`,
        hint: `Use one of ${states.join(", ")}`
      })
    }
    const ids = input.nameOrId.filter(isInstanceId)
    const names = input.nameOrId.filter((n) => !isInstanceId(n))
    const query: InstanceFilter = {
      tags: yield* keyValues("tag", input.tag),
      filters: renameKeys(yield* keyValues("filter", input.filter), instanceFilterNames),
      states: wanted as ReadonlyArray<InstanceState>,
      ...(ids.length > 0 && names.length === 0 ? { ids } : {}),
      ...(names.length > 0 && ids.length === 0 ? { names } : {})
    }
    let rows = yield* Stream.runCollect(ec2.instances(query))
    if (ids.length > 0 && names.length > 0) {
      rows = rows.filter((i) => ids.includes(i.id) || (i.name !== undefined && names.includes(i.name)))
    }
    yield* output.table(rows, instanceTable, { empty: emptyInstances(ec2.region, input) })
  })
).pipe(
  Command.withDescription(listingDescription(lsSummary, instanceTable)),
  Command.withShortDescription(lsSummary),
  Command.withExamples([
    { command: "aegea ls", description: "All instances in the region" },
    { command: "aegea ls --state running --tag env=prod --json", description: "Running prod instances as JSON" },
    { command: "aegea ls web-1 --columns id,state,tags.Owner", description: "Chosen columns of one instance" }
  ]),
  // instances through the hand-signed DescribeInstances (no EC2 SDK client at start-up), as the ssh
  // family looks them up; here, not in global.ts, so that no other command's chunk carries it
  Command.provide(awsService(Ec2, Ec2QueryLive).pipe(Layer.provideMerge(BaseLayer)))
)
