/**
 * `aegea launch` as data and effects: a `LaunchSpec` (what the user asked for) becomes a
 * `LaunchPlan` (the exact requests: the security group and IAM role to ensure, the RunInstances
 * request with its cloud-init user data) without changing anything, which is all --dry-run does;
 * `executeLaunch` then ensures, launches, and `waitForLaunch` waits for running and for the SSM agent.
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import {
  type CloudConfig,
  credentialLeaks,
  encodeUserData,
  extraVolumeDevice,
  launchCloudConfig,
  redactCloudConfig,
  renderCloudConfig
} from "../lib/cloudInit.ts"
import { generateHostKey, type HostKey, hostKeyTagNames, hostKeyTags } from "../lib/hostKey.ts"
import { type Architecture, architectureOf } from "../lib/instanceTypes.ts"
import { provisionedUser, provisionedUserTag } from "../lib/linuxUser.ts"
import { instanceProfileBackoff } from "../lib/schedules.ts"
import { waitingLine, waitingPlain } from "../lib/progress.ts"
import { emitProgress } from "../services/Progress.ts"
import { Ec2, type Instance } from "../services/Ec2.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { type BlockDevice, Ec2Launch, type LaunchImage, type RunInstanceRequest } from "../services/Ec2Launch.ts"
import { chooseSubnet, securityGroupIds } from "./launchNetwork.ts"
import { type AwsError, exitCodeOf, OperationFailed, ResourceNotFound, UsageError } from "../errors.ts"
import { Iam, IamIdentity, launchRole } from "../services/Iam.ts"
import { resolveImage } from "./launchImage.ts"
import { Ssm } from "../services/Ssm.ts"
import type { LaunchSpec, StorageRequest } from "./launchSpec.ts"
import { pollUntil } from "../services/Polling.ts"

export { type AmiSource } from "./launchImage.ts"

export { launchSecurityGroup } from "./launchNetwork.ts"
export type { LaunchSpec, StorageRequest } from "./launchSpec.ts"

/** The default role and instance profile, named as the Python aegea names them. */
export const defaultLaunchRole = "aegea.launch"

/**
 * A launch worked out by `planLaunch` and carried out by `executeLaunch`: image, network, role,
 * security group and the RunInstances request.
 */
export interface LaunchPlan {
  readonly name: string
  readonly architecture: Architecture
  readonly image: LaunchImage
  readonly vpcId: string
  /** Ensured before launching (idempotent); its id is added to the request's groups. */
  readonly ensureSecurityGroup?: { readonly name: string; readonly vpcId: string; readonly exists: boolean }
  /** The role and instance profile ensured before launching. */
  readonly ensureRole?: { readonly name: string; readonly managedPolicyArns: ReadonlyArray<string> }
  readonly hostKey: HostKey
  /** The user data as a document, the host private key redacted (for showing). */
  readonly cloudConfig: CloudConfig
  /** The exact request (its user data holds the host private key: never print it as is). */
  readonly request: RunInstanceRequest
  /** Why this zone: a spot price, a flag, or the first subnet. */
  readonly zoneReason: string
}

const liveStates = ["pending", "running", "stopping", "stopped"] as const
const reservedTags = new Set<string>(["Name", provisionedUserTag, ...hostKeyTagNames])

/** Instance names are host names (the instance sets its hostname to it): letters, digits, hyphens. */
const checkName = (name: string) =>
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(name) && !/^i-[0-9a-f]+$/.test(name)
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `invalid instance name ${JSON.stringify(name)}`,
        hint: "Use a host name: letters, digits and hyphens, at most 63 characters, not an instance id"
      })
    )

/** Fail when a live instance already has this name (exit 1: the launch is refused, nothing is missing). */
export const checkNameIsFree = (name: string) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const existing = yield* Stream.runCollect(ec2.instances({ names: [name], states: [...liveStates] }))
    if (existing.length > 0) {
      return yield* new OperationFailed({
        message: `an instance named ${name} already exists (${existing.map((i) => `${i.id}, ${i.state}`).join("; ")})`,
        hint: `Choose another name, or terminate it first with 'aegea terminate ${name}'`
      })
    }
  })

const blockDevices = (storage: ReadonlyArray<StorageRequest>, image: LaunchImage) =>
  Effect.gen(function*() {
    const devices: Array<BlockDevice> = []
    const volumes: Array<{ mountPoint: string; device: string }> = []
    for (const s of storage) {
      if (s.mountPoint === "/") {
        if (image.rootDeviceName === undefined) {
          return yield* new UsageError({ message: `cannot resize the root volume: image ${image.id} does not name its root device` })
        }
        devices.push({ deviceName: image.rootDeviceName, sizeGiB: s.sizeGiB, volumeType: "gp3", deleteOnTermination: true })
      } else {
        const device = extraVolumeDevice(volumes.length)
        volumes.push({ mountPoint: s.mountPoint, device })
        devices.push({ deviceName: device, sizeGiB: s.sizeGiB, volumeType: "gp3", encrypted: true, deleteOnTermination: true })
      }
    }
    return { devices, volumes }
  })

/** The secrets a user data must never contain (the caller's own, from the environment). */
const callerSecrets = Effect.gen(function*() {
  const read = (name: string) => Config.option(Config.Redacted(name))
  const values = yield* Effect.all([read("AWS_SECRET_ACCESS_KEY"), read("AWS_SESSION_TOKEN")])
  return values.flatMap((v) => (Option.isSome(v) ? [v.value] : []))
}).pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<Redacted.Redacted<string>>))

/** Everything a launch will do, decided without changing anything. */
export const planLaunch = (spec: LaunchSpec) =>
  Effect.gen(function*() {
    yield* checkName(spec.name)
    const clash = Object.keys(spec.tags).filter((k) => reservedTags.has(k))
    if (clash.length > 0) {
      return yield* new UsageError({ message: `--tags cannot set ${clash.join(", ")}: aegea sets them (the name, the host key and the provisioned user)` })
    }
    yield* checkNameIsFree(spec.name)
    const ec2 = yield* Ec2
    const architecture = architectureOf(spec.instanceType)
    const image = yield* resolveImage(spec.ami, {
      instanceType: spec.instanceType,
      architecture,
      prefixes: spec.amiParameterPrefixes,
      region: ec2.region
    })
    const { subnet, reason } = yield* chooseSubnet(spec)
    const groups = yield* securityGroupIds(spec, subnet.vpcId)
    const { devices, volumes } = yield* blockDevices(spec.storage, image)
    const hostKey = generateHostKey(`root@${spec.name}`)
    const callerName = (yield* (yield* IamIdentity).caller).name
    const user = spec.provisionUser !== undefined
      ? { ...provisionedUser(callerName), authorizedKeys: spec.provisionUser.authorizedKeys }
      : undefined
    const cloudConfig = launchCloudConfig({ hostname: spec.name, hostKey, volumes, user, userConfigs: spec.userConfigs })
    const text = yield* renderCloudConfig(cloudConfig)
    const leaks = credentialLeaks(text, yield* callerSecrets)
    if (leaks.length > 0) {
      return yield* new UsageError({
        message: `the user data would contain ${leaks.join(" and ")}; aegea never sends AWS credentials to an instance`,
        hint: "Remove them from the cloud config; the instance gets its permissions from its IAM role",
        remedy: "iam-role"
      })
    }
    const userData = yield* encodeUserData(text)
    const owner = callerName
    const now = yield* Clock.currentTimeMillis
    const request: RunInstanceRequest = {
      imageId: image.id,
      instanceType: spec.instanceType,
      subnetId: subnet.id,
      ...(subnet.availabilityZone !== undefined ? { availabilityZone: subnet.availabilityZone } : {}),
      securityGroupIds: groups.ids,
      ...(spec.iamRole !== undefined ? { iamInstanceProfile: spec.iamRole } : {}),
      ...(spec.sshKeyName !== undefined ? { keyName: spec.sshKeyName } : {}),
      userData: userData.base64,
      blockDevices: devices,
      tags: {
        Owner: owner,
        ...spec.tags,
        Name: spec.name,
        ...hostKeyTags(hostKey.publicKey),
        [provisionedUserTag]: user?.name ?? "false",
        ...(spec.sshKeyName !== undefined ? { OwnerSSHKeyName: spec.sshKeyName } : {})
      },
      ...(spec.spot !== undefined ? { spot: spec.spot } : {}),
      clientToken: spec.clientToken ?? `${now}.aegea.launch.${spec.name}`.slice(0, 64)
    }
    return {
      name: spec.name,
      architecture,
      image,
      vpcId: subnet.vpcId,
      ...(groups.ensure !== undefined ? { ensureSecurityGroup: groups.ensure } : {}),
      ...(spec.iamRole !== undefined && spec.manageIam
        ? { ensureRole: { name: spec.iamRole, managedPolicyArns: (spec.iamPolicies ?? []).map(managedPolicyArn) } }
        : {}),
      hostKey,
      cloudConfig: redactCloudConfig(cloudConfig),
      request,
      zoneReason: reason
    } satisfies LaunchPlan
  })

/** `ReadOnlyAccess` -> `arn:aws:iam::aws:policy/ReadOnlyAccess`; an ARN (or a path like service-role/X) as given. */
export const managedPolicyArn = (nameOrArn: string) =>
  nameOrArn.startsWith("arn:") ? nameOrArn : `arn:aws:iam::aws:policy/${nameOrArn.replace(/^\/+/, "")}`

/** IAM takes seconds to make a new instance profile usable by EC2: retry that one rejection, boundedly. */
const isProfileNotYetVisible = (e: AwsError) =>
  e._tag === "AwsInvalidRequest" && /iamInstanceProfile|Invalid IAM Instance Profile/i.test(e.awsMessage)

export const instanceProfileRetry = instanceProfileBackoff.pipe(
  Schedule.setInputType<AwsError>(),
  Schedule.while(({ input }) => isProfileNotYetVisible(input))
)

/**
 * Ensure the security group and IAM role/profile, then launch. Each of them created is reported to
 * `Progress` as a `Created` event and listed in `ensured`.
 */
export const executeLaunch = (plan: LaunchPlan) =>
  Effect.gen(function*() {
    const ensured: Array<string> = []
    if (plan.ensureSecurityGroup !== undefined) {
      const { name, vpcId } = plan.ensureSecurityGroup
      const group = yield* (yield* Ec2Network).ensureSecurityGroup(name, vpcId, "Instances launched by aegea: no inbound traffic (ssh goes through SSM)")
      if (group.created) {
        ensured.push(`security group ${name} (${group.id})`)
        yield* emitProgress({ _tag: "Created", kind: "security group", id: group.id, message: `created security group ${name} (${group.id})` })
      }
      if (!plan.request.securityGroupIds.includes(group.id)) {
        plan = { ...plan, request: { ...plan.request, securityGroupIds: [...plan.request.securityGroupIds, group.id] } }
      }
    }
    if (plan.ensureRole !== undefined) {
      const iam = yield* Iam
      const role = yield* iam.ensureRole({ ...launchRole(plan.ensureRole.name), managedPolicyArns: plan.ensureRole.managedPolicyArns })
      const profile = yield* iam.ensureInstanceProfile(plan.ensureRole.name, plan.ensureRole.name)
      if (role.created) {
        ensured.push(`IAM role ${role.value.name}`)
        yield* emitProgress({ _tag: "Created", kind: "IAM role", id: role.value.arn, message: `created IAM role ${role.value.name}` })
      }
      if (profile.created) {
        ensured.push(`instance profile ${profile.value.name}`)
        yield* emitProgress({ _tag: "Created", kind: "instance profile", id: profile.value.arn, message: `created instance profile ${profile.value.name}` })
      }
    }
    const instance = yield* (yield* Ec2Launch).runInstance(plan.request).pipe(Effect.retry(instanceProfileRetry))
    return { instance, ensured }
  })

const stillStarting = (i: Instance | undefined) => i === undefined || i.state === "pending"

/**
 * Wait until the instance runs (every 2 s, at most 10 minutes), then, with `agent`, until its SSM
 * agent reports Online (every 5 s, at most 15 minutes): what `aegea ssh` needs. An instance that
 * stops or terminates while starting (spot capacity, a bad image) fails the wait at once.
 */
export const waitForLaunch = (instance: Instance, options: { readonly agent: boolean }) =>
  waitShowing(instance, options, { latest: instance })

/** `waitSeeing` with its status line erased at the end, however it ends. */
const waitShowing = (instance: Instance, options: { readonly agent: boolean }, seen: { latest: Instance }) =>
  waitSeeing(instance, options, seen).pipe(Effect.ensuring(emitProgress({ _tag: "StatusDone" })))

/** `waitForLaunch`, noting in `seen` each state the instance is seen in. */
const waitSeeing = (instance: Instance, options: { readonly agent: boolean }, seen: { latest: Instance }) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const label = instance.name ? `${instance.id} (${instance.name})` : instance.id
    const describe = Effect.map(Stream.runCollect(ec2.instances({ ids: [instance.id] })), (list) => {
      const found = list[0]
      if (found !== undefined) seen.latest = found
      return found
    }).pipe(Effect.tap((found) => {
      const waited = [{ label, state: found?.state ?? "not visible yet" }]
      return emitProgress({ _tag: "Status", line: waitingLine(waited, "running", "instances"), plain: waitingPlain(waited) })
    }))
    const latest = yield* describe.pipe(
      (e) => pollUntil(e, "state", (i) => !stillStarting(i)),
      Effect.timeoutOrElse({
        duration: "10 minutes",
        orElse: () => Effect.fail(new OperationFailed({ message: `${instance.id} was still pending after 10 minutes`, hint: `Check it with 'aegea console ${instance.id}'` }))
      })
    )
    if (latest === undefined || latest.state !== "running") {
      return yield* new OperationFailed({
        message: `${instance.id} did not start: it is ${latest?.state ?? "gone"}`,
        hint: `Its boot log may say why: 'aegea console ${instance.id}'`
      })
    }
    if (!options.agent) return latest
    const ssm = yield* Ssm
    yield* ssm.agentInfo(instance.id).pipe(
      Effect.tap((info) => {
        const waited = [{ label: `${label} SSM agent`, state: Option.isSome(info) ? info.value.pingStatus : "not registered" }]
        return emitProgress({ _tag: "Status", line: waitingLine(waited, "Online", "agents"), plain: waitingPlain(waited) })
      }),
      (e) => pollUntil(e, "agent", (info) => Option.isSome(info) && info.value.pingStatus === "Online"),
      Effect.timeoutOrElse({
        duration: "15 minutes",
        orElse: () =>
          Effect.fail(
            new OperationFailed({
              message: `${instance.id} is running, but its SSM agent did not come online within 15 minutes`,
              hint: "The image needs the SSM agent (Ubuntu and Amazon Linux have it) and the instance a route to SSM; launch without waiting for it to skip this check",
              remedy: "no-wait"
            })
          )
      })
    )
    return latest
  })

/** Why a launch's wait failed. */
export type LaunchWaitFailure = AwsError | OperationFailed

/** How a launch's wait ended: the instance (as it is now, or as last seen) and why the wait failed, if it did. */
export interface LaunchWaitOutcome {
  readonly instance: Instance
  readonly failure: Option.Option<LaunchWaitFailure>
}

/**
 * `waitForLaunch` that keeps the instance when the wait fails (the instance was launched: its row is
 * still owed): after a failure the instance is described once more, and if that fails too the state
 * last seen (at worst RunInstances' answer) is what the outcome holds.
 */
export const awaitLaunch = (instance: Instance, options: { readonly agent: boolean }) =>
  Effect.suspend(() => {
    const seen = { latest: instance }
    return waitShowing(instance, options, seen).pipe(
      Effect.map((ready): LaunchWaitOutcome => ({ instance: ready, failure: Option.none() })),
      Effect.catch((failure: LaunchWaitFailure) =>
        Effect.gen(function*() {
          const ec2 = yield* Ec2
          const now = yield* Stream.runCollect(ec2.instances({ ids: [instance.id] })).pipe(
            Effect.map((list) => list[0]),
            Effect.orElseSucceed(() => undefined)
          )
          return { instance: now ?? seen.latest, failure: Option.some(failure) } satisfies LaunchWaitOutcome
        })
      )
    )
  })

const liveStateSet = new Set<string>(liveStates)

/**
 * The error of a launch whose wait failed: it says the instance was launched and what failed after,
 * with the failure's exit code (1 for a wait that gave up, 6 for AWS unavailable...).
 */
export const launchWaitFailed = (name: string, instance: Instance, failure: LaunchWaitFailure) =>
  new OperationFailed({
    message: `launched ${name} (${instance.id}), but ${failure.summary}`,
    ...(liveStateSet.has(instance.state)
      ? { hint: `It is ${instance.state}: 'aegea ls ${name}' shows it, 'aegea terminate ${name}' removes it` }
      : {}),
    exitCode: exitCodeOf(failure),
    cause: failure
  })
