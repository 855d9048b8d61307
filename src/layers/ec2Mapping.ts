/** SDK shapes -> aegea's EC2 domain types. The only place that knows the SDK's optional-everything shapes. */
import type * as Sdk from "@aws-sdk/client-ec2"
import type { Image, Instance, InstanceState, KeyPair, Region, SecurityGroupRule, Snapshot, Subnet, Volume, Vpc, Zone } from "../services/Ec2.ts"

export const tagsOf = (tags: ReadonlyArray<Sdk.Tag> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? ""
  return out
}

const opt = <K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } =>
  (value === undefined || value === null || value === "" ? {} : { [key]: value }) as { [P in K]?: V }

/**
 * The fields of `Sdk.Instance` that toInstance reads, and only those: Ec2Live has the SDK decode
 * DescribeInstances with just these (src/layers/sdk/projection.ts). test/unit/ec2Mapping.test.ts
 * checks that toInstance gives the same instance from these fields as from all of them.
 */
export const instanceFields = {
  InstanceId: true,
  Tags: { Key: true, Value: true },
  State: { Name: true },
  InstanceType: true,
  Placement: { AvailabilityZone: true },
  PrivateIpAddress: true,
  PublicIpAddress: true,
  PublicDnsName: true,
  PrivateDnsName: true,
  LaunchTime: true,
  InstanceLifecycle: true,
  IamInstanceProfile: { Arn: true },
  ImageId: true,
  VpcId: true,
  SubnetId: true,
  KeyName: true,
  Architecture: true,
  SecurityGroups: { GroupName: true, GroupId: true }
} as const

/** Sets `key` to `value` unless it is missing (undefined, null or ""): what `...opt(key, value)` does, in place. */
const setPresent = (target: Record<string, unknown>, key: string, value: unknown): void => {
  if (value !== undefined && value !== null && value !== "") target[key] = value
}

export const toInstance = (i: Sdk.Instance): Instance => {
  // Runs once per instance (thousands for a big `ls`): keys set in place, in the order of the type,
  // rather than through a spread of a new object for each optional one.
  const tags = tagsOf(i.Tags)
  const out: Record<string, unknown> = { id: i.InstanceId ?? "" }
  setPresent(out, "name", tags.Name)
  out.state = (i.State?.Name ?? "pending") as InstanceState
  out.type = i.InstanceType ?? ""
  setPresent(out, "availabilityZone", i.Placement?.AvailabilityZone)
  setPresent(out, "privateIp", i.PrivateIpAddress)
  setPresent(out, "publicIp", i.PublicIpAddress)
  setPresent(out, "publicDns", i.PublicDnsName)
  setPresent(out, "privateDns", i.PrivateDnsName)
  setPresent(out, "launchTime", i.LaunchTime)
  out.lifecycle = i.InstanceLifecycle ?? "on-demand"
  setPresent(out, "iamProfile", i.IamInstanceProfile?.Arn?.split("/").pop())
  setPresent(out, "imageId", i.ImageId)
  setPresent(out, "vpcId", i.VpcId)
  setPresent(out, "subnetId", i.SubnetId)
  setPresent(out, "keyName", i.KeyName)
  setPresent(out, "architecture", i.Architecture)
  out.securityGroups = (i.SecurityGroups ?? []).map((g) => g.GroupName ?? g.GroupId ?? "")
  out.tags = tags
  return out as unknown as Instance
}

/**
 * The texts of an EC2 Query DescribeInstances item that `toInstance` reads, by their XML names
 * (undefined where the element is absent): what the hand-signed call's two readers find, the plan
 * parser's (Ec2QueryLive.ts) and the WebAssembly one's (ec2Bytes.ts), made into an instance here.
 */
export interface QueryInstanceTexts {
  readonly instanceId: string | undefined
  readonly instanceType: string | undefined
  readonly privateIpAddress: string | undefined
  readonly ipAddress: string | undefined
  readonly dnsName: string | undefined
  readonly privateDnsName: string | undefined
  readonly launchTime: string | undefined
  readonly instanceLifecycle: string | undefined
  readonly imageId: string | undefined
  readonly vpcId: string | undefined
  readonly subnetId: string | undefined
  readonly keyName: string | undefined
  readonly architecture: string | undefined
  /** instanceState's name */
  readonly stateName: string | undefined
  /** placement's availabilityZone */
  readonly availabilityZone: string | undefined
  /** iamInstanceProfile (undefined without one) and its arn */
  readonly profile: { readonly arn: string | undefined } | undefined
  readonly tags: ReadonlyArray<{ readonly key: string | undefined; readonly value: string | undefined }>
  readonly groups: ReadonlyArray<{ readonly groupName: string | undefined; readonly groupId: string | undefined }>
}

/** An instance from its DescribeInstances texts, through the SDK's shape as the SDK's client would give it. */
export const queryInstance = (t: QueryInstanceTexts): Instance =>
  toInstance({
    InstanceId: t.instanceId,
    Tags: t.tags.map((tag) => ({ Key: tag.key, Value: tag.value })),
    State: { Name: t.stateName },
    InstanceType: t.instanceType,
    Placement: { AvailabilityZone: t.availabilityZone },
    PrivateIpAddress: t.privateIpAddress,
    PublicIpAddress: t.ipAddress,
    PublicDnsName: t.dnsName,
    PrivateDnsName: t.privateDnsName,
    LaunchTime: t.launchTime === undefined || t.launchTime === "" ? undefined : new Date(t.launchTime),
    InstanceLifecycle: t.instanceLifecycle,
    IamInstanceProfile: t.profile === undefined ? undefined : { Arn: t.profile.arn },
    ImageId: t.imageId,
    VpcId: t.vpcId,
    SubnetId: t.subnetId,
    KeyName: t.keyName,
    Architecture: t.architecture,
    SecurityGroups: t.groups.map((g) => ({ GroupName: g.groupName, GroupId: g.groupId }))
  } as Parameters<typeof toInstance>[0])

const date = (s: string | Date | undefined) => (s === undefined ? undefined : new Date(s))

/** The fields of `Sdk.Image` that toImage reads (as instanceFields for toInstance). */
export const imageFields = {
  ImageId: true,
  Name: true,
  State: true,
  Architecture: true,
  CreationDate: true,
  Public: true,
  OwnerId: true,
  Description: true,
  RootDeviceType: true,
  Tags: { Key: true, Value: true }
} as const

export const toImage = (i: Sdk.Image): Image => ({
  id: i.ImageId ?? "",
  ...opt("name", i.Name),
  state: i.State ?? "",
  ...opt("architecture", i.Architecture),
  ...opt("created", date(i.CreationDate)),
  public: i.Public ?? false,
  ...opt("ownerId", i.OwnerId),
  ...opt("description", i.Description),
  ...opt("rootDevice", i.RootDeviceType),
  tags: tagsOf(i.Tags)
})

/** The fields of `Sdk.Volume` that toVolume reads. */
export const volumeFields = {
  VolumeId: true,
  Tags: { Key: true, Value: true },
  State: true,
  Size: true,
  VolumeType: true,
  AvailabilityZone: true,
  Encrypted: true,
  Attachments: { InstanceId: true, Device: true },
  CreateTime: true
} as const

export const toVolume = (v: Sdk.Volume): Volume => {
  const tags = tagsOf(v.Tags)
  const attachment = v.Attachments?.[0]
  return {
    id: v.VolumeId ?? "",
    ...opt("name", tags.Name),
    state: v.State ?? "",
    sizeGiB: v.Size ?? 0,
    ...opt("type", v.VolumeType),
    ...opt("availabilityZone", v.AvailabilityZone),
    encrypted: v.Encrypted ?? false,
    ...opt("attachedTo", attachment?.InstanceId),
    ...opt("device", attachment?.Device),
    ...opt("created", v.CreateTime),
    tags
  }
}

/** The fields of `Sdk.Snapshot` that toSnapshot reads. */
export const snapshotFields = {
  SnapshotId: true,
  Tags: { Key: true, Value: true },
  State: true,
  VolumeId: true,
  VolumeSize: true,
  Progress: true,
  StartTime: true,
  Description: true,
  Encrypted: true
} as const

export const toSnapshot = (s: Sdk.Snapshot): Snapshot => {
  const tags = tagsOf(s.Tags)
  return {
    id: s.SnapshotId ?? "",
    ...opt("name", tags.Name),
    state: s.State ?? "",
    ...opt("volumeId", s.VolumeId),
    sizeGiB: s.VolumeSize ?? 0,
    ...opt("progress", s.Progress),
    ...opt("started", s.StartTime),
    ...opt("description", s.Description),
    encrypted: s.Encrypted ?? false,
    tags
  }
}

const portRange = (p: Sdk.IpPermission): string | undefined => {
  if (p.IpProtocol === "-1") return "all"
  if (p.FromPort === undefined) return undefined
  return p.FromPort === p.ToPort ? String(p.FromPort) : `${p.FromPort}-${p.ToPort}`
}

const sourcesOf = (p: Sdk.IpPermission): ReadonlyArray<{ source: string; description?: string | undefined }> => [
  ...(p.IpRanges ?? []).map((r) => ({ source: r.CidrIp ?? "", description: r.Description })),
  ...(p.Ipv6Ranges ?? []).map((r) => ({ source: r.CidrIpv6 ?? "", description: r.Description })),
  ...(p.UserIdGroupPairs ?? []).map((g) => ({ source: g.GroupName ?? g.GroupId ?? "", description: g.Description })),
  ...(p.PrefixListIds ?? []).map((l) => ({ source: l.PrefixListId ?? "", description: l.Description }))
]

/** One row per rule and source; a group with no rules is one row. */
export const toSecurityGroupRules = (g: Sdk.SecurityGroup): ReadonlyArray<SecurityGroupRule> => {
  const base = { id: g.GroupId ?? "", name: g.GroupName ?? "", ...opt("vpcId", g.VpcId), tags: tagsOf(g.Tags) }
  const rules = (["ingress", "egress"] as const).flatMap((direction) =>
    ((direction === "ingress" ? g.IpPermissions : g.IpPermissionsEgress) ?? []).flatMap((p) => {
      const sources = sourcesOf(p)
      return (sources.length > 0 ? sources : [{ source: "" }]).map((s): SecurityGroupRule => ({
        ...base,
        direction,
        protocol: p.IpProtocol === "-1" ? "all" : (p.IpProtocol ?? ""),
        ...opt("ports", portRange(p)),
        ...opt("source", s.source),
        ...opt("description", s.description)
      }))
    })
  )
  return rules.length > 0 ? rules : [base]
}

export const toSubnet = (s: Sdk.Subnet): Subnet => {
  const tags = tagsOf(s.Tags)
  return {
    id: s.SubnetId ?? "",
    ...opt("name", tags.Name),
    vpcId: s.VpcId ?? "",
    cidr: s.CidrBlock ?? "",
    ...opt("availabilityZone", s.AvailabilityZone),
    availableIps: s.AvailableIpAddressCount ?? 0,
    defaultForAz: s.DefaultForAz ?? false,
    mapPublicIp: s.MapPublicIpOnLaunch ?? false,
    state: s.State ?? "",
    tags
  }
}

export const toVpc = (v: Sdk.Vpc): Vpc => {
  const tags = tagsOf(v.Tags)
  return {
    id: v.VpcId ?? "",
    ...opt("name", tags.Name),
    cidr: v.CidrBlock ?? "",
    isDefault: v.IsDefault ?? false,
    state: v.State ?? "",
    tags
  }
}

export const toKeyPair = (k: Sdk.KeyPairInfo): KeyPair => ({
  ...opt("id", k.KeyPairId),
  name: k.KeyName ?? "",
  ...opt("type", k.KeyType),
  ...opt("fingerprint", k.KeyFingerprint),
  ...opt("created", k.CreateTime),
  tags: tagsOf(k.Tags)
})

export const toRegion = (r: Sdk.Region): Region => ({
  name: r.RegionName ?? "",
  ...opt("endpoint", r.Endpoint),
  ...opt("optIn", r.OptInStatus)
})

export const toZone = (z: Sdk.AvailabilityZone): Zone => ({
  name: z.ZoneName ?? "",
  ...opt("id", z.ZoneId),
  region: z.RegionName ?? "",
  state: z.State ?? "",
  ...opt("type", z.ZoneType)
})
