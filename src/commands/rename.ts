/** `aegea rename OLD NEW`: set an instance's Name tag. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { OperationFailed, UsageError } from "../errors.ts"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { Ec2ResourcesLive } from "../layers/Ec2ResourcesLive.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Ec2Resources } from "../services/Ec2Resources.ts"
import { Output } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"
import { dnsFlag, dnsSettings, dnsStep, InstanceDnsLayer } from "./instanceDns.ts"
import { moveInstanceRecord, registerByHand } from "../workflows/instanceDns.ts"

const RenameLayer = Layer.mergeAll(awsService(Ec2, Ec2Live), awsService(Ec2Resources, Ec2ResourcesLive), InstanceDnsLayer).pipe(
  Layer.provideMerge(BaseLayer)
)

/** As launch's names: a host name (letters, digits, hyphens, at most 63), not an instance id. */
export const isInstanceName = (name: string) =>
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(name) && !/^i-[0-9a-f]+$/.test(name)

export const renameCommand = Command.make(
  "rename",
  {
    old: Argument.String("name-or-id").pipe(Argument.withDescription("The instance: its name (the Name tag), id or DNS name.")),
    name: Argument.String("new-name").pipe(
      Argument.withDescription("The new name: a host name (letters, digits and hyphens, at most 63 characters).")
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription(
        "Ask AWS whether the rename would succeed (CreateTags DryRun, permissions included), print one line saying so (text, on stderr), and change nothing."
      ),
      Flag.withDefault(false)
    ),
    dns: dnsFlag.pipe(
      Flag.withDescription(
        "Move the instance's NAME.<private zone> record (config dns.private_zone) to the new name when it points at the instance (the default); --no-dns leaves DNS alone."
      )
    )
  },
  Effect.fn("rename")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rename"), raw)
    if (!isInstanceName(input.name)) {
      return yield* new UsageError({
        message: `invalid instance name ${JSON.stringify(input.name)}`,
        hint: "Use a host name: letters, digits and hyphens, at most 63 characters, not an instance id"
      })
    }
    const ec2 = yield* Ec2
    const resources = yield* Ec2Resources
    const output = yield* Output
    const instance = yield* ec2.resolveInstance(input.old)
    const taken = (yield* Stream.runCollect(
      ec2.instances({ names: [input.name], states: ["pending", "running", "stopping", "stopped", "shutting-down"] })
    )).filter((i) => i.id !== instance.id)
    if (taken.length > 0) {
      return yield* new OperationFailed({
        message: `an instance named ${input.name} already exists (${taken.map((i) => `${i.id}, ${i.state}`).join("; ")})`,
        hint: "Choose another name"
      })
    }
    yield* resources.setInstanceName(instance.id, input.name, { dryRun: input.dryRun })
    if (input.dryRun) {
      yield* output.info(`dry run: renaming ${instance.id} to ${input.name} would succeed; nothing was changed`)
      return
    }
    const dns = yield* dnsSettings("rename", input.dns)
    if (dns.on && instance.name !== undefined && instance.privateIp !== undefined && instance.name !== input.name) {
      yield* dnsStep(
        `move ${instance.name}.${dns.zone} to ${input.name}.${dns.zone}`,
        moveInstanceRecord(instance.name, input.name, instance.privateIp, dns.zone),
        registerByHand(input.name, instance.privateIp, dns.zone)
      )
    }
    yield* output.table([{ id: instance.id, previousName: instance.name, name: input.name }], {
      columns: [{ key: "id", kind: "id" }, { key: "previousName", header: "WAS", kind: "name" }, { key: "name", kind: "name" }]
    })
  })
).pipe(
  Command.withDescription(
    "Rename an instance: set its Name tag (refused when a live instance already has the new name) and move its DNS record in the private zone, if it has one. Prints a table: ID, WAS, NAME."
  ),
  Command.withShortDescription("Rename an instance (its Name tag)."),
  Command.withExamples([
    { command: "aegea rename web-1 web-old", description: "Rename the instance named web-1" },
    { command: "aegea rename i-0123456789abcdef0 db-1 --dry-run", description: "Check permissions without changing anything" }
  ]),
  Command.provide(RenameLayer)
)
