/** `aegea launch NAME`: start an instance reachable with `aegea ssh NAME`, its host key known before first use. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { instanceTable } from "./ls.ts"
import { checkRequestedColumns } from "../lib/table.ts"
import * as Command from "effect/cli/Command"
import { renderCloudConfig } from "../lib/cloudInit.ts"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { Ec2NetworkLive } from "../layers/Ec2NetworkLive.ts"
import { Ec2LaunchLive, runInstancesInput } from "../layers/Ec2LaunchLive.ts"
import { IamIdentityLive, IamLive } from "../layers/IamLive.ts"
import { SsmLive } from "../layers/SsmLive.ts"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { Ec2, type Instance } from "../services/Ec2.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { Ec2Launch } from "../services/Ec2Launch.ts"
import { Iam, IamIdentity } from "../services/Iam.ts"
import { awaitLaunch, executeLaunch, type LaunchPlan, launchWaitFailed, type LaunchWaitOutcome, planLaunch } from "../workflows/launch.ts"
import { progressThroughOutput } from "./progressOutput.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { Ssm } from "../services/Ssm.ts"
import { AwsLayer, BaseLayer, preferProvided } from "./global.ts"
import { launchFlags, launchSpec } from "./launchFlags.ts"
import { dnsSettings, dnsStep, InstanceDnsLayer } from "./instanceDns.ts"
import { registerByHand, registerInstance } from "../workflows/instanceDns.ts"

/** Every service launch uses; each one taken from the context when a test or program provides it. */
export const LaunchLayer = Layer.mergeAll(
  preferProvided(Ec2, Ec2Live.pipe(Layer.provide(AwsLayer))),
  preferProvided(Ec2Launch, Ec2LaunchLive.pipe(Layer.provide(AwsLayer))),
  preferProvided(Ec2Network, Ec2NetworkLive.pipe(Layer.provide(AwsLayer))),
  preferProvided(Iam, IamLive.pipe(Layer.provide(AwsLayer))),
  preferProvided(IamIdentity, IamIdentityLive.pipe(Layer.provide(AwsLayer))),
  preferProvided(Ssm, SsmLive.pipe(Layer.provide(AwsLayer))),
  InstanceDnsLayer
).pipe(Layer.provideMerge(BaseLayer))

const launchedColumns = new Set(["name", "id", "state", "type", "availabilityZone", "privateIp", "publicDns", "lifecycle"])

/** The `aegea ls` columns that matter right after a launch, plus the image and the host key. */
export const launchedTable: TableSpec = {
  columns: [
    ...instanceTable.columns.filter((c) => launchedColumns.has(c.key)),
    { key: "imageId", header: "IMAGE", kind: "id" },
    { key: "hostKeyFingerprint", header: "HOST KEY" }
  ],
  kinds: { tags: "tags" }
}

const launchedRow = (instance: Instance, plan: LaunchPlan) => ({
  name: instance.name ?? plan.name,
  id: instance.id,
  state: instance.state,
  type: instance.type,
  availabilityZone: instance.availabilityZone,
  privateIp: instance.privateIp,
  publicDns: instance.publicDns,
  lifecycle: instance.lifecycle,
  imageId: instance.imageId ?? plan.image.id,
  hostKeyFingerprint: plan.hostKey.fingerprint,
  tags: instance.tags
})

/** What --dry-run prints: the ensures and the RunInstances input, user data decoded, private key redacted (build-ami's too). */
export const launchDryRunDocument = (plan: LaunchPlan) => dryRunDocument(plan)

/** What --dry-run prints: the ensures and the RunInstances input, user data decoded, private key redacted. */
const dryRunDocument = (plan: LaunchPlan) =>
  Effect.map(renderCloudConfig(plan.cloudConfig), (userData) => ({
    dryRun: true,
    image: { id: plan.image.id, name: plan.image.name, architecture: plan.image.architecture },
    zone: { availabilityZone: plan.request.availabilityZone, reason: plan.zoneReason },
    ensure: [
      ...(plan.ensureSecurityGroup && !plan.ensureSecurityGroup.exists
        ? [{ CreateSecurityGroup: { GroupName: plan.ensureSecurityGroup.name, VpcId: plan.ensureSecurityGroup.vpcId, ingress: [] } }]
        : []),
      ...(plan.ensureRole
        ? [{
          EnsureRole: {
            RoleName: plan.ensureRole.name,
            trustedService: "ec2.amazonaws.com",
            inlinePolicy: "aegea.launch.ssm",
            ...(plan.ensureRole.managedPolicyArns.length > 0 ? { AttachRolePolicy: plan.ensureRole.managedPolicyArns } : {})
          }
        }, {
          EnsureInstanceProfile: { InstanceProfileName: plan.ensureRole.name, RoleName: plan.ensureRole.name }
        }]
        : [])
    ],
    hostKey: { publicKey: plan.hostKey.publicKey, fingerprint: plan.hostKey.fingerprint },
    RunInstances: {
      ...runInstancesInput(plan.request),
      ...(plan.ensureSecurityGroup && !plan.ensureSecurityGroup.exists
        ? { SecurityGroupIds: [...plan.request.securityGroupIds, `<id of ${plan.ensureSecurityGroup.name}, created on launch>`] }
        : {}),
      UserData: userData
    }
  }))

export const launchCommand = Command.make(
  "launch",
  launchFlags,
  Effect.fn("launch")(function*(input) {
    const output = yield* Output
    // An unknown --columns/--sort-by is a usage error before anything is created.
    yield* Effect.fromResult(checkRequestedColumns(launchedTable, output.settings))
    const config = yield* AegeaConfig
    const { spec, dryRun, wait } = yield* launchSpec(input, config.section("launch"))
    const plan = yield* planLaunch(spec)
    const dns = yield* dnsSettings("launch", input.dns)
    const vpc = { vpcId: plan.vpcId, region: (yield* Ec2).region }
    if (dryRun) {
      const register = dns.on ? { RegisterDns: { record: `${plan.name}.${dns.zone}`, type: "A", privateZone: dns.zone, vpcId: plan.vpcId } } : {}
      yield* output.document({ ...(yield* dryRunDocument(plan)), ...register })
      yield* output.info(`dry run: nothing was created; ${plan.name} would boot ${plan.image.id} in ${plan.request.availabilityZone ?? "the default zone"}`)
      return
    }
    const { instance } = yield* executeLaunch(plan)
    yield* output.info(`launched ${plan.name} (${instance.id}) from ${plan.image.id} in ${plan.request.availabilityZone ?? "?"} (${plan.zoneReason})`)
    const registerDns = (ip: string | undefined) =>
      !dns.on ? Effect.void : ip === undefined
        ? output.warn(`DNS: ${plan.name} has no private IP yet; register it with '${registerByHand(plan.name, "IP", dns.zone)}' once it has one`)
        : dnsStep(`register ${plan.name}.${dns.zone}`, registerInstance(plan.name, ip, dns.zone, vpc), registerByHand(plan.name, ip, dns.zone))
    // The address is usually in RunInstances' answer; else it is known once the instance runs.
    if (instance.privateIp !== undefined || !wait) yield* registerDns(instance.privateIp)
    let outcome: LaunchWaitOutcome = { instance, failure: Option.none() }
    if (wait) {
      const agent = spec.iamRole !== undefined
      // The wait reports its progress (Status events, rendered by progressThroughOutput): a status line on a terminal, a line per change elsewhere.
      if (!agent) yield* output.warn("the instance has no IAM role, so its SSM agent cannot register: aegea ssh will need --no-ssm")
      outcome = yield* awaitLaunch(instance, { agent })
    }
    // The row is owed even when the wait failed: the instance exists.
    const final = outcome.instance
    if (instance.privateIp === undefined && wait) yield* registerDns(final.privateIp)
    yield* output.table([launchedRow({ ...final, tags: { ...plan.request.tags, ...final.tags } }, plan)], launchedTable)
    if (Option.isSome(outcome.failure)) return yield* launchWaitFailed(plan.name, final, outcome.failure.value)
  }, progressThroughOutput)
).pipe(
  Command.withDescription(
    "Launch an instance by name, with no inbound ports: ssh goes through SSM, and its host key (made here, stored in its tags) is verified on first use."
  ),
  Command.withExamples([
    { command: "aegea launch box --amazon-linux-ami", description: "Launch the latest Amazon Linux 2023 as t3a.micro and wait for SSM" },
    { command: "aegea launch gpu1 --ubuntu-linux-ami -t g5.xlarge --spot --storage /=100 --storage /data=500", description: "A spot GPU box with a larger root and a data volume" },
    { command: "aegea launch arm1 -t t4g.small --amazon-linux-ami --cloud-config-data '{\"packages\": [\"git\"]}'", description: "A Graviton box with git installed by cloud-init" },
    { command: "aegea launch box --ami 'my-image-*' --dry-run", description: "Show the requests for the newest own image named my-image-*, change nothing" }
  ]),
  Command.provide(LaunchLayer)
)
