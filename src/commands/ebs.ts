/**
 * `aegea ebs`: list EBS volumes (as `aegea volumes`), and create, attach, detach, modify and snapshot
 * them. `ebs ls` and `ebs snapshots` are the Python aegea's spellings of `volumes` and `snapshots`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { OperationFailed, UsageError } from "../errors.ts"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { Ec2ResourcesLive } from "../layers/Ec2ResourcesLive.ts"
import { listingDescription } from "../lib/table.ts"
import { boundedPoll, pollEvery, statePoll } from "../lib/schedules.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ec2, type Snapshot, type Volume } from "../services/Ec2.ts"
import { Ec2Resources } from "../services/Ec2Resources.ts"
import { Output } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"
import { snapshotsCommand, volumeTable } from "./resources.ts"

const EbsLayer = Layer.mergeAll(awsService(Ec2, Ec2Live), awsService(Ec2Resources, Ec2ResourcesLive)).pipe(
  Layer.provideMerge(BaseLayer)
)

const volumeId = Argument.String("volume-id").pipe(Argument.withDescription("The volume's id (vol-...)."))
const dryRun = (what: string) =>
  Flag.Boolean("dry-run").pipe(
    Flag.withDescription(
      `Ask AWS whether ${what} would succeed (DryRun, permissions included), print one line saying so (text, on stderr), and change nothing.`
    ),
    Flag.withDefault(false)
  )
const wait = (state: string) =>
  Flag.Boolean("wait").pipe(Flag.withDescription(`Wait until the volume is ${state} (at most 10 minutes).`), Flag.withDefault(false))
const sizeGb = (what: string) => Flag.Int("size-gb").pipe(Flag.withDescription(what), Flag.optional)
const volumeType = (what: string) => Flag.String("volume-type").pipe(Flag.withDescription(what), Flag.optional)
const iops = Flag.Int("iops").pipe(Flag.withDescription("Provisioned IOPS (gp3, io1, io2)."), Flag.optional)
const throughput = Flag.Int("throughput").pipe(Flag.withDescription("Throughput in MiB/s (gp3)."), Flag.optional)

const tableNote = "Prints the volume as `aegea volumes` does."

const listVolumes = Effect.gen(function*() {
  const ec2 = yield* Ec2
  const output = yield* Output
  yield* output.table(yield* Stream.runCollect(ec2.volumes()), volumeTable, { empty: `no volumes in ${ec2.region}` })
})

const showVolume = (id: string) =>
  Effect.gen(function*() {
    const volume = yield* (yield* Ec2Resources).volume(id)
    yield* (yield* Output).table([volume], volumeTable)
  })

/** Poll the volume until it is `state` (every 2 s, at most 10 minutes). */
const waitForVolume = (id: string, state: "available" | "in-use") =>
  Effect.gen(function*() {
    const resources = yield* Ec2Resources
    const output = yield* Output
    yield* output.info(`waiting for ${id} to be ${state}`)
    return yield* resources.volume(id).pipe(
      Effect.repeat({ schedule: statePoll, until: (v: Volume) => v.state === state }),
      Effect.timeoutOrElse({
        duration: "10 minutes",
        orElse: () =>
          Effect.fail(new OperationFailed({ message: `timed out waiting for ${id} to be ${state}`, hint: "Check it with 'aegea ebs ls'" }))
      })
    )
  })

/** Polls of a snapshot, 5 s apart: at most 2 hours (a large volume's first snapshot takes a while). */
const snapshotPolls = 1440

/** Poll a new snapshot until it is no longer pending, its progress on the status line; error -> exit 1. */
const waitForSnapshot = (created: Snapshot) =>
  Effect.gen(function*() {
    if (created.state !== "pending") return created
    const resources = yield* Ec2Resources
    const output = yield* Output
    const line = (s: Snapshot) => `waiting for snapshot ${s.id} of ${s.volumeId ?? "its volume"}: ${s.state}${s.progress ? ` ${s.progress}` : ""}`
    yield* output.status(line(created))
    const last = yield* resources.snapshot(created.id).pipe(
      Effect.tap((s) => output.status(line(s))),
      Effect.repeat({ schedule: boundedPoll(pollEvery("5 seconds"), snapshotPolls), while: (s) => s.state === "pending" }),
      Effect.ensuring(output.statusDone)
    )
    if (last.state === "pending") {
      return yield* new OperationFailed({
        message: `snapshot ${last.id} is still pending after 2 hours (${last.progress ?? "no progress"})`,
        hint: "Check it later with 'aegea snapshots'"
      })
    }
    if (last.state !== "completed") {
      return yield* new OperationFailed({
        message: `snapshot ${last.id} of ${last.volumeId ?? "the volume"} ended in state ${last.state}`,
        hint: "Check the volume, then snapshot it again"
      })
    }
    return last
  })

const deviceLetters = "fghijklmnop"

/** The first of /dev/xvdf../dev/xvdp that neither /dev/sdX nor /dev/xvdX uses on the instance. */
export const nextFreeDevice = (inUse: ReadonlyArray<string>): string | undefined => {
  const used = new Set(inUse.map((d) => d.replace(/^\/dev\/(xvd|sd)/, "")))
  const letter = [...deviceLetters].find((l) => !used.has(l))
  return letter === undefined ? undefined : `/dev/xvd${letter}`
}

const attachTo = (volume: string, instanceId: string, device: Option.Option<string>, dry: boolean) =>
  Effect.gen(function*() {
    const resources = yield* Ec2Resources
    const chosen = Option.isSome(device) ? device.value : nextFreeDevice(yield* resources.devicesInUse(instanceId))
    if (chosen === undefined) {
      return yield* new OperationFailed({
        message: `${instanceId} has no free device from /dev/xvdf to /dev/xvdp`,
        hint: "Detach one, or choose the device with 'aegea ebs attach VOLUME_ID INSTANCE --device /dev/sdq'"
      })
    }
    yield* resources.attachVolume(volume, instanceId, chosen, { dryRun: dry })
    return chosen
  })

const create = Command.make(
  "create",
  {
    sizeGb: sizeGb("Size in GiB (default: the snapshot's size with --snapshot-id)."),
    volumeType: volumeType("gp3 (the default), gp2, io1, io2, st1, sc1 or standard."),
    iops,
    throughput,
    snapshotId: Flag.String("snapshot-id").pipe(Flag.withDescription("Create the volume from this snapshot."), Flag.optional),
    instance: Flag.String("instance").pipe(
      Flag.withDescription("Create the volume in this instance's availability zone (its name or id)."),
      Flag.optional
    ),
    availabilityZone: Flag.String("availability-zone").pipe(
      Flag.withDescription("Create the volume in this availability zone (instead of --instance)."),
      Flag.optional
    ),
    name: Flag.String("name").pipe(Flag.withDescription("Set the volume's Name tag."), Flag.optional),
    attach: Flag.Boolean("attach").pipe(
      Flag.withDescription("Attach the new volume to --instance at the next free device (waits until the volume is available)."),
      Flag.withDefault(false)
    ),
    wait: wait("available (in-use with --attach)"),
    dryRun: dryRun("creating the volume")
  },
  Effect.fn("ebs create")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ebs_create"), raw)
    const ec2 = yield* Ec2
    const resources = yield* Ec2Resources
    const output = yield* Output
    if (Option.isSome(input.instance) === Option.isSome(input.availabilityZone)) {
      return yield* new UsageError({
        message: "ebs create needs one of --instance and --availability-zone",
        hint: "Pass --instance NAME to use that instance's availability zone, or --availability-zone"
      })
    }
    if (Option.isNone(input.sizeGb) && Option.isNone(input.snapshotId)) {
      return yield* new UsageError({ message: "ebs create needs --size-gb or --snapshot-id", hint: "Pass --size-gb 100" })
    }
    if (input.attach && Option.isNone(input.instance)) {
      return yield* new UsageError({ message: "--attach needs --instance", hint: "Pass --instance NAME" })
    }
    const instance = Option.isSome(input.instance) ? yield* ec2.resolveInstance(input.instance.value) : undefined
    const zone = instance?.availabilityZone ?? Option.getOrUndefined(input.availabilityZone)
    if (zone === undefined) {
      return yield* new OperationFailed({ message: `${instance?.id} has no availability zone`, hint: "Pass --availability-zone" })
    }
    const volume = yield* resources.createVolume({
      availabilityZone: zone,
      sizeGiB: Option.getOrUndefined(input.sizeGb),
      type: Option.getOrElse(input.volumeType, () => "gp3"),
      iops: Option.getOrUndefined(input.iops),
      throughput: Option.getOrUndefined(input.throughput),
      snapshotId: Option.getOrUndefined(input.snapshotId),
      name: Option.getOrUndefined(input.name),
      dryRun: input.dryRun
    })
    if (volume === undefined) {
      yield* output.info(`dry run: creating a volume in ${zone} would succeed; nothing was changed`)
      return
    }
    if (input.attach && instance !== undefined) {
      yield* waitForVolume(volume.id, "available")
      const device = yield* attachTo(volume.id, instance.id, Option.none(), false)
      yield* output.info(`attached ${volume.id} to ${instance.id} at ${device}`)
    }
    if (input.wait) yield* waitForVolume(volume.id, input.attach ? "in-use" : "available")
    yield* showVolume(volume.id)
  })
).pipe(
  Command.withDescription(`Create an EBS volume in an instance's availability zone (or a given one), optionally attached. ${tableNote}`),
  Command.withExamples([
    { command: "aegea ebs create --size-gb 100 --instance web-1 --attach --wait", description: "A 100 GiB gp3 volume attached to web-1" }
  ])
)

const attach = Command.make(
  "attach",
  {
    volumeId,
    instance: Argument.String("instance").pipe(Argument.withDescription("The instance: its name, id or DNS name.")),
    device: Flag.String("device").pipe(
      Flag.withDescription("Attach at this device (default: the first free of /dev/xvdf to /dev/xvdp)."),
      Flag.optional
    ),
    wait: wait("in-use"),
    dryRun: dryRun("attaching the volume")
  },
  Effect.fn("ebs attach")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ebs_attach"), raw)
    const instance = yield* (yield* Ec2).resolveInstance(input.instance)
    const device = yield* attachTo(input.volumeId, instance.id, input.device, input.dryRun)
    if (input.dryRun) {
      yield* (yield* Output).info(`dry run: attaching ${input.volumeId} to ${instance.id} at ${device} would succeed; nothing was changed`)
      return
    }
    if (input.wait) yield* waitForVolume(input.volumeId, "in-use")
    yield* showVolume(input.volumeId)
  })
).pipe(
  Command.withDescription(`Attach a volume to an instance, at the next free device unless --device. ${tableNote}`),
  Command.withExamples([{ command: "aegea ebs attach vol-0123456789abcdef0 web-1 --wait", description: "Attach to web-1 and wait" }])
)

const detach = Command.make(
  "detach",
  {
    volumeId,
    force: Flag.Boolean("force").pipe(
      Flag.withDescription("Force the detachment (the instance gets no chance to flush; data may be lost)."),
      Flag.withDefault(false)
    ),
    wait: wait("available"),
    dryRun: dryRun("detaching the volume")
  },
  Effect.fn("ebs detach")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ebs_detach"), raw)
    yield* (yield* Ec2Resources).detachVolume(input.volumeId, { force: input.force, dryRun: input.dryRun })
    if (input.dryRun) {
      yield* (yield* Output).info(`dry run: detaching ${input.volumeId} would succeed; nothing was changed`)
      return
    }
    if (input.wait) yield* waitForVolume(input.volumeId, "available")
    yield* showVolume(input.volumeId)
  })
).pipe(
  Command.withDescription(`Detach a volume from its instance. ${tableNote}`),
  Command.withExamples([{ command: "aegea ebs detach vol-0123456789abcdef0 --wait", description: "Detach and wait until available" }])
)

const modify = Command.make(
  "modify",
  {
    volumeId,
    sizeGb: sizeGb("The new size in GiB (only larger)."),
    volumeType: volumeType("The new type: gp3, gp2, io1, io2, st1, sc1 or standard."),
    iops,
    throughput,
    dryRun: dryRun("the modification")
  },
  Effect.fn("ebs modify")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ebs_modify"), raw)
    if (Option.isNone(input.sizeGb) && Option.isNone(input.volumeType) && Option.isNone(input.iops) && Option.isNone(input.throughput)) {
      return yield* new UsageError({
        message: "ebs modify needs something to change",
        hint: "Pass --size-gb, --volume-type, --iops or --throughput"
      })
    }
    yield* (yield* Ec2Resources).modifyVolume(input.volumeId, {
      sizeGiB: Option.getOrUndefined(input.sizeGb),
      type: Option.getOrUndefined(input.volumeType),
      iops: Option.getOrUndefined(input.iops),
      throughput: Option.getOrUndefined(input.throughput),
      dryRun: input.dryRun
    })
    if (input.dryRun) {
      yield* (yield* Output).info(`dry run: modifying ${input.volumeId} would succeed; nothing was changed`)
      return
    }
    yield* showVolume(input.volumeId)
  })
).pipe(
  Command.withDescription(`Change a volume's size, type, IOPS or throughput (AWS applies it in the background). ${tableNote}`),
  Command.withExamples([{ command: "aegea ebs modify vol-0123456789abcdef0 --size-gb 200", description: "Grow a volume to 200 GiB" }])
)

const snapshot = Command.make(
  "snapshot",
  {
    volumeId,
    description: Flag.String("description").pipe(Flag.withDescription("The snapshot's description."), Flag.optional),
    name: Flag.String("name").pipe(Flag.withDescription("Set the snapshot's Name tag."), Flag.optional),
    dryRun: dryRun("the snapshot"),
    wait: Flag.Boolean("wait").pipe(
      Flag.withDescription("Wait until the snapshot is completed (at most 2 hours), showing its progress; an error state exits 1."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("ebs snapshot")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ebs_snapshot"), raw)
    const output = yield* Output
    const created = yield* (yield* Ec2Resources).createSnapshot(input.volumeId, {
      description: Option.getOrUndefined(input.description),
      name: Option.getOrUndefined(input.name),
      dryRun: input.dryRun
    })
    if (created === undefined) {
      yield* output.info(`dry run: snapshotting ${input.volumeId} would succeed; nothing was changed`)
      return
    }
    yield* output.table([input.wait ? yield* waitForSnapshot(created) : created], {
      columns: [
        { key: "name", kind: "name" },
        { key: "id", kind: "id" },
        { key: "state", kind: "state" },
        { key: "volumeId", header: "VOLUME", kind: "id" },
        { key: "sizeGiB", header: "SIZE (GiB)", kind: "number" },
        { key: "progress" },
        { key: "description" }
      ]
    })
  })
).pipe(
  Command.withDescription(
    "Start a snapshot of a volume (with --wait, wait until it is completed). Prints a table: NAME, ID, STATE, VOLUME, SIZE (GiB), PROGRESS, DESCRIPTION."
  ),
  Command.withExamples([
    { command: "aegea ebs snapshot vol-0123456789abcdef0 --name before-upgrade", description: "Snapshot a volume" },
    { command: "aegea ebs snapshot vol-0123456789abcdef0 --wait", description: "Snapshot it and wait until the snapshot is completed" }
  ])
)

const ls = Command.make("ls", {}, () => listVolumes).pipe(
  Command.withDescription(listingDescription("List EBS volumes (the same as aegea volumes).", volumeTable)),
  Command.withShortDescription("List EBS volumes (as aegea volumes).")
)

export const ebsCommand = Command.make("ebs", {}, () => listVolumes).pipe(
  Command.withDescription(
    listingDescription(
      "EBS volumes: with no subcommand, list them (as aegea volumes); create, attach, detach, modify and snapshot them.",
      volumeTable
    )
  ),
  Command.withShortDescription("List, create, attach, detach, modify and snapshot EBS volumes."),
  Command.withExamples([
    { command: "aegea ebs", description: "List the volumes" },
    { command: "aegea ebs create --size-gb 100 --instance web-1 --attach", description: "Add a volume to web-1" }
  ]),
  Command.provide(EbsLayer),
  Command.withSubcommands([
    ls.pipe(Command.provide(EbsLayer)),
    snapshotsCommand,
    create.pipe(Command.provide(EbsLayer)),
    attach.pipe(Command.provide(EbsLayer)),
    detach.pipe(Command.provide(EbsLayer)),
    modify.pipe(Command.provide(EbsLayer)),
    snapshot.pipe(Command.provide(EbsLayer))
  ])
)
