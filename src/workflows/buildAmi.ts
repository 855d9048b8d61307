/**
 * `aegea build-ami` as data and effects. `planBuild` resolves a builder exactly as `launch` does
 * (planLaunch) and decides the image's name and tags without changing anything (all --dry-run needs);
 * `executeBuild` launches the builder as a scoped resource (terminated however the build ends, unless
 * kept), waits for its SSM agent and for cloud-init (Run Command `cloud-init status --wait`), images
 * it and waits until the image is available. `snapshotHost` images a running instance instead;
 * `planPrune`/`executePrune` remove old builds.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import {
  builderNameOf,
  cloudInitLog,
  cloudInitLogCommand,
  cloudInitLogLines,
  cloudInitWaitCommand,
  imageNameOf,
  imagesToPrune,
  sha256Hex
} from "../lib/buildAmi.ts"
import { type CloudConfig, mergeCloudConfigs, renderCloudConfig } from "../lib/cloudInit.ts"
import { waitingLine, waitingPlain } from "../lib/progress.ts"
import { version } from "../lib/version.ts"
import { type AwsError, OperationFailed } from "../errors.ts"
import { Ec2, type Instance } from "../services/Ec2.ts"
import { Ec2Launch, type LaunchImage } from "../services/Ec2Launch.ts"
import { IamIdentity } from "../services/Iam.ts"
import { emitProgress } from "../services/Progress.ts"
import { type CommandInvocation, finalCommandStatuses, Ssm } from "../services/Ssm.ts"
import { executeLaunch, type LaunchPlan, planLaunch } from "./launch.ts"
import type { LaunchSpec } from "./launchSpec.ts"
import { pollUntil } from "../services/Polling.ts"

/** The default role and instance profile of builders, named as the Python aegea names it. */
export const defaultBuildRole = "aegea.build_ami"

/** A new image: at most 720 polls, 2 hours at the default `Polling.image` of 10 s (a large root volume's first snapshot takes a while). */
export const imagePolls = 720

/**
 * What `planBuild` takes: the build's name, the builder's launch, the build's cloud config and the
 * image's tags.
 */
export interface BuildSpec {
  /** The build's name: the image's Name tag, and the start of its AMI name. */
  readonly name: string
  /** The builder as `launch` takes it; its name and userConfigs are set by planBuild. */
  readonly launch: LaunchSpec
  /** The build's own cloud config (build_image, build_ami, rootfs.skel files, then --cloud-config-data). */
  readonly buildConfig: CloudConfig
  /** The user's --tags, added to the image's. */
  readonly imageTags: Readonly<Record<string, string>>
  readonly cloudInitTimeoutMillis: number
  readonly keepBuilder: boolean
}

/**
 * An AMI build worked out by `planBuild` and carried out by `executeBuild`: names, the builder's
 * launch plan, tags and time limits.
 */
export interface BuildPlan {
  readonly name: string
  readonly imageName: string
  readonly builderName: string
  readonly launch: LaunchPlan
  readonly configDigest: string
  /** The image's tags (Name, AegeaVersion, Owner, BaseAMI, BuildTime, ConfigDigest, and --tags). */
  readonly imageTags: Readonly<Record<string, string>>
  readonly cloudInitTimeoutMillis: number
  readonly keepBuilder: boolean
}

/** The tags aegea sets on an image it builds (--tags cannot set them). */
export const buildTagNames = ["Name", "AegeaVersion", "Owner", "BaseAMI", "BuildTime", "ConfigDigest"] as const

const iso = (millis: number) => new Date(millis).toISOString()

/** Everything a build will do, decided without changing anything. */
export const planBuild = (spec: BuildSpec) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const builderName = builderNameOf(spec.name, now)
    const configText = yield* renderCloudConfig(mergeCloudConfigs([spec.buildConfig]))
    const launch = yield* planLaunch({ ...spec.launch, name: builderName, userConfigs: [spec.buildConfig] })
    const owner = (yield* (yield* IamIdentity).caller).name
    const configDigest = sha256Hex(configText)
    return {
      name: spec.name,
      imageName: imageNameOf(spec.name, now),
      builderName,
      launch,
      configDigest,
      imageTags: {
        ...spec.imageTags,
        Name: spec.name,
        AegeaVersion: version,
        Owner: owner,
        BaseAMI: launch.image.id,
        BuildTime: iso(now),
        ConfigDigest: configDigest
      },
      cloudInitTimeoutMillis: spec.cloudInitTimeoutMillis,
      keepBuilder: spec.keepBuilder
    } satisfies BuildPlan
  })

const minutes = (millis: number) => (millis % 60_000 === 0 ? `${millis / 60_000}m` : `${Math.round(millis / 1000)}s`)

/** How cloud-init ended on the builder. */
export type CloudInitOutcome =
  | { readonly _tag: "done"; readonly degraded: boolean; readonly output: string }
  /** The agent never came online (no SSM: the log comes from the console output). */
  | { readonly _tag: "unreachable" }
  | { readonly _tag: "failed"; readonly reason: string }
  | { readonly _tag: "timedOut" }

/**
 * Wait for cloud-init on an instance: its SSM agent online (every 5 s), then Run Command
 * `cloud-init status --wait`, polled every 5 s; both bounded by `timeoutMillis` in all.
 */
export const awaitCloudInit = (instance: Instance, label: string, timeoutMillis: number) =>
  Effect.gen(function*() {
    const ssm = yield* Ssm
    const started = yield* Clock.currentTimeMillis
    const agentPolls = Math.max(1, Math.ceil(timeoutMillis / 5000))
    const show = (state: string, target: string, noun: string) => {
      const waited = [{ label, state }]
      return emitProgress({ _tag: "Status", line: waitingLine(waited, target, noun), plain: waitingPlain(waited) })
    }
    const agent = yield* ssm.agentInfo(instance.id).pipe(
      Effect.tap((info) => show(Option.isSome(info) ? `SSM agent ${info.value.pingStatus}` : "SSM agent not registered", "SSM agent Online", "agents")),
      (e) => pollUntil(e, "agent", (info) => Option.isSome(info) && info.value.pingStatus === "Online", agentPolls)
    )
    if (Option.isNone(agent) || agent.value.pingStatus !== "Online") return { _tag: "unreachable" } as CloudInitOutcome
    const left = Math.max(60_000, started + timeoutMillis - (yield* Clock.currentTimeMillis))
    const commandId = yield* ssm.sendCommand(instance.id, [cloudInitWaitCommand], {
      executionTimeoutSeconds: Math.ceil(left / 1000),
      comment: "aegea build-ami: wait for cloud-init"
    })
    const final: CommandInvocation = yield* ssm.commandInvocation(commandId, instance.id).pipe(
      Effect.tap((i) => show(`cloud-init ${i.status === "Success" ? "done" : i.status === "InProgress" || i.status === "Pending" ? "running" : i.status}`, "cloud-init done", "builders")),
      (e) => pollUntil(e, "cloudInit", (i) => finalCommandStatuses.has(i.status), Math.ceil(left / 5000)),
      Effect.onInterrupt(() => ssm.cancelCommand(commandId, instance.id).pipe(Effect.ignore))
    )
    if (!finalCommandStatuses.has(final.status)) return { _tag: "timedOut" } as CloudInitOutcome
    if (final.status === "Success") return { _tag: "done", degraded: false, output: final.stdout } as CloudInitOutcome
    // cloud-init status exits 2 when it finished with recoverable errors (deprecated keys, a warning).
    if (final.status === "Failed" && final.exitCode === 2) return { _tag: "done", degraded: true, output: final.stdout } as CloudInitOutcome
    if (final.status === "TimedOut") return { _tag: "timedOut" } as CloudInitOutcome
    const status = /status:\s*(\S+)/.exec(final.stdout)?.[1]
    return {
      _tag: "failed",
      reason: status !== undefined ? `cloud-init status: ${status}` : `the command ${final.status.toLowerCase()}${final.exitCode !== undefined ? ` with exit status ${final.exitCode}` : ""}`
    } as CloudInitOutcome
  }).pipe(Effect.ensuring(emitProgress({ _tag: "StatusDone" })))

/** The last lines of cloud-init's output log: through SSM when the agent answers, else the console output. */
export const cloudInitLogTail = (instance: Instance, viaSsm: boolean) =>
  Effect.gen(function*() {
    if (viaSsm) {
      const ssm = yield* Ssm
      const tail = yield* ssm.sendCommand(instance.id, [cloudInitLogCommand], { executionTimeoutSeconds: 60, comment: "aegea build-ami: cloud-init log" }).pipe(
        Effect.flatMap((commandId) =>
          ssm.commandInvocation(commandId, instance.id).pipe(
            (e) => pollUntil(e, "command", (i) => finalCommandStatuses.has(i.status), 60)
          )
        ),
        Effect.option
      )
      if (Option.isSome(tail) && tail.value.status === "Success" && tail.value.stdout.trim() !== "") {
        return { source: `${cloudInitLog} (through SSM)`, lines: tail.value.stdout.replace(/\n$/, "").split("\n") }
      }
    }
    const console = yield* (yield* Ec2).consoleOutput(instance.id).pipe(Effect.option)
    const text = Option.getOrUndefined(console) ?? ""
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n").filter((l, i, all) => l !== "" || i < all.length - 1)
    return { source: "the console output", lines: lines.slice(-cloudInitLogLines) }
  })

/** Report the last lines of the builder's cloud-init log (`Notice` events). */
const printLogTail = (instance: Instance, label: string, viaSsm: boolean) =>
  Effect.gen(function*() {
    const tail = yield* cloudInitLogTail(instance, viaSsm)
    if (tail.lines.length === 0 || (tail.lines.length === 1 && tail.lines[0] === "")) {
      yield* emitProgress({ _tag: "Notice", message: `${label}: no log to show (${tail.source} is empty)` })
      return
    }
    yield* emitProgress({ _tag: "Notice", message: `last lines of ${tail.source} on ${label}:` })
    yield* emitProgress({ _tag: "Notice", message: tail.lines.map((l) => `  ${l}`).join("\n") })
  })

/** Wait until an image is no longer pending, with progress; failed or still pending after 2 hours: exit 1. */
export const waitForImage = (imageId: string, label: string) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2Launch
    const describe = Effect.map(ec2.findImages({ ids: [imageId] }), (found) => found[0]).pipe(
      Effect.tap((image) => {
        const waited = [{ label: `image ${imageId} (${label})`, state: image?.state ?? "not visible yet" }]
        return emitProgress({ _tag: "Status", line: waitingLine(waited, "available", "images"), plain: waitingPlain(waited) })
      })
    )
    const last = yield* describe.pipe(
      (e) => pollUntil(e, "image", (i) => !(i === undefined || i.state === "pending"), imagePolls),
      Effect.ensuring(emitProgress({ _tag: "StatusDone" }))
    )
    if (last === undefined || last.state === "pending") {
      return yield* new OperationFailed({
        message: `image ${imageId} (${label}) is still ${last?.state ?? "not visible"} after 2 hours`,
        hint: "Check it later with 'aegea images'"
      })
    }
    if (last.state !== "available") {
      return yield* new OperationFailed({
        message: `image ${imageId} (${label}) ended in state ${last.state}`,
        hint: "Build it again; 'aegea images' shows it"
      })
    }
    return last
  })

/** Wait until the builder runs (every 2 s, at most 10 minutes); one that stops or terminates fails the build. */
export const waitUntilRunning = (instance: Instance, label: string) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const last = yield* Effect.map(Stream.runCollect(ec2.instances({ ids: [instance.id] })), (found) => found[0]).pipe(
      Effect.tap((found) => {
        const waited = [{ label, state: found?.state ?? "not visible yet" }]
        return emitProgress({ _tag: "Status", line: waitingLine(waited, "running", "instances"), plain: waitingPlain(waited) })
      }),
      (e) => pollUntil(e, "state", (i) => !(i === undefined || i.state === "pending"), 300),
      Effect.ensuring(emitProgress({ _tag: "StatusDone" }))
    )
    if (last === undefined || last.state !== "running") {
      return yield* new OperationFailed({
        message: `${label} did not start: it is ${last?.state ?? "not visible"}`,
        hint: `Its boot log may say why: 'aegea console ${instance.id}'`
      })
    }
    return last
  })

/** Terminate the builder (or keep it, saying how to reach it); a failure to terminate is a warning. */
const releaseBuilder = (plan: BuildPlan, instance: Instance) =>
  Effect.gen(function*() {
    const label = `${plan.builderName} (${instance.id})`
    if (plan.keepBuilder) {
      yield* emitProgress({
        _tag: "Notice",
        message: `kept the builder ${label}: 'aegea session ${plan.builderName}' opens a shell on it, 'aegea terminate ${plan.builderName}' removes it`
      })
      return
    }
    yield* (yield* Ec2).changeState("terminate", [instance.id]).pipe(
      Effect.andThen(emitProgress({ _tag: "Deleted", kind: "instance", id: instance.id, message: `terminated the builder ${label}` })),
      Effect.catch((e: AwsError) =>
        emitProgress({ _tag: "Warning", message: `could not terminate the builder ${label}: ${e.summary}; terminate it with 'aegea terminate ${instance.id}'` })
      )
    )
  })

/**
 * Launch the builder, wait for cloud-init, image it and wait until the image is available. The
 * builder is terminated when this ends, whether it succeeds, fails or is interrupted (unless
 * `keepBuilder`).
 */
export const executeBuild = (plan: BuildPlan) =>
  Effect.scoped(
    Effect.gen(function*() {
      // executeLaunch reports the security group, role and profile it creates.
      const instance = yield* Effect.acquireRelease(
        Effect.map(executeLaunch(plan.launch), ({ instance }) => instance),
        (instance) => releaseBuilder(plan, instance)
      )
      const label = `the builder ${plan.builderName} (${instance.id})`
      yield* emitProgress({
        _tag: "Created",
        kind: "instance",
        id: instance.id,
        message: `launched ${label} from ${plan.launch.image.id}; waiting for cloud-init (at most ${minutes(plan.cloudInitTimeoutMillis)})`
      })
      const running = yield* waitUntilRunning(instance, label)
      const outcome = yield* awaitCloudInit(running, label, plan.cloudInitTimeoutMillis)
      if (outcome._tag !== "done") {
        yield* printLogTail(running, label, outcome._tag !== "unreachable")
        const hint = plan.keepBuilder
          ? `Look at it with 'aegea session ${plan.builderName}'`
          : "Fix the build's config (build_ami, build_image, cloud config data) and build again; keeping the builder lets you look at it"
        return yield* new OperationFailed({
          message: outcome._tag === "unreachable"
            ? `the SSM agent of ${label} did not come online within ${minutes(plan.cloudInitTimeoutMillis)}, so cloud-init could not be checked`
            : outcome._tag === "timedOut"
            ? `cloud-init did not finish within ${minutes(plan.cloudInitTimeoutMillis)} on ${label}`
            : `cloud-init failed on ${label}: ${outcome.reason}`,
          hint: outcome._tag === "failed" ? hint : "Allow cloud-init more time, or keep the builder to look at it",
          ...(outcome._tag !== "failed" ? { remedy: "cloud-init-timeout" as const } : plan.keepBuilder ? {} : { remedy: "builder-config" as const })
        })
      }
      if (outcome.degraded) {
        yield* emitProgress({ _tag: "Warning", message: `cloud-init finished with recoverable errors on ${label}: ${outcome.output.trim().split("\n").join("; ")}` })
      }
      // Not cut off by Ctrl-C: the image's id is said before the build stops.
      const imageId = yield* (yield* Ec2Launch).createImage({
        instanceId: instance.id,
        name: plan.imageName,
        description: `${plan.name}, built by aegea ${version} from ${plan.launch.image.id}`,
        tags: plan.imageTags
      }).pipe(
        Effect.tap((id) => emitProgress({ _tag: "Created", kind: "image", id, message: `creating image ${id} (${plan.imageName}) of ${label}` })),
        Effect.uninterruptible
      )
      return yield* waitForImage(imageId, plan.imageName)
    })
  )

/** An image of a running instance (no builder): tagged like a build, without rebooting the instance. */
export const snapshotHost = (options: {
  readonly instance: string
  readonly name: string
  readonly imageTags: Readonly<Record<string, string>>
}) =>
  Effect.gen(function*() {
    const instance = yield* (yield* Ec2).resolveInstance(options.instance)
    const now = yield* Clock.currentTimeMillis
    const owner = (yield* (yield* IamIdentity).caller).name
    const imageName = imageNameOf(options.name, now)
    const imageId = yield* (yield* Ec2Launch).createImage({
      instanceId: instance.id,
      name: imageName,
      description: `${options.name}, an image of ${instance.id} made by aegea ${version}`,
      tags: {
        ...options.imageTags,
        Name: options.name,
        AegeaVersion: version,
        Owner: owner,
        ...(instance.imageId !== undefined ? { BaseAMI: instance.imageId } : {}),
        BuildTime: iso(now),
        SourceInstance: instance.id
      },
      noReboot: true
    }).pipe(
      Effect.tap((id) =>
        emitProgress({ _tag: "Created", kind: "image", id, message: `creating image ${id} (${imageName}) of ${instance.id}${instance.name ? ` (${instance.name})` : ""}` })
      ),
      Effect.uninterruptible
    )
    return yield* waitForImage(imageId, imageName)
  })

/** The aegea-built images (tag AegeaVersion) named `name` (wildcards allowed) that `--prune keep` removes. */
export const planPrune = (name: string, keep: number) =>
  Effect.gen(function*() {
    const images = yield* (yield* Ec2Launch).findImages({ owners: ["self"], filters: { "tag-key": ["AegeaVersion"], "tag:Name": [name] } })
    return imagesToPrune(images.filter((i) => i.state !== "deregistered"), keep) as ReadonlyArray<LaunchImage>
  })

/** Deregister each image, then delete its snapshots (a snapshot cannot go while its image exists). */
export const executePrune = (images: ReadonlyArray<LaunchImage>) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2Launch
    for (const image of images) {
      yield* ec2.deregisterImage(image.id)
      for (const snapshot of image.snapshotIds ?? []) yield* ec2.deleteSnapshot(snapshot)
    }
  })
