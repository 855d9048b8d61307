/**
 * The live layer of the small listings. Each AWS client (EC2, Service Quotas, CloudWatch, KMS, ACM, DynamoDB, SNS) is imported
 * and made only when a listing first needs it, and destroyed with the layer's scope: `aegea tables`
 * loads the DynamoDB client and nothing else.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { AwsClients } from "./AwsClients.ts"
import { type Aws, idempotent, makeAws, type SdkClient } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import { toSdkFilters } from "../lib/ec2Filters.ts"
import {
  aclEntryLine,
  type Certificate,
  type Ec2Filters,
  Inventory,
  type KmsKey,
  type NetworkAcl,
  type SpotFleetRequest,
  type ServiceQuota,
  type SpotInstanceRequest,
  type Table,
  topicName
} from "../services/Inventory.ts"

type SdkTags = ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }> | undefined
const toTags = (tags: SdkTags): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]))
const defined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== "")) as T
const date = (d: unknown): Date | undefined => (d instanceof Date ? d : undefined)
const next = (token: string | undefined) => (token ? { NextToken: token } : {})

/** A quota's CloudWatch usage metric, as Service Quotas describes it. */
interface UsageMetric {
  readonly MetricNamespace: string
  readonly MetricName: string
  readonly MetricDimensions?: Record<string, string> | undefined
  readonly MetricStatisticRecommendation?: string | undefined
}


/** A quota as Service Quotas answers it (ListAWSDefaultServiceQuotas, ListServiceQuotas). */
export interface SdkQuota {
  readonly ServiceCode?: string | undefined
  readonly QuotaCode?: string | undefined
  readonly QuotaName?: string | undefined
  readonly Value?: number | undefined
  readonly Unit?: string | undefined
  readonly Adjustable?: boolean | undefined
  readonly GlobalQuota?: boolean | undefined
  readonly UsageMetric?: {
    readonly MetricNamespace?: string | undefined
    readonly MetricName?: string | undefined
    readonly MetricDimensions?: Record<string, string> | undefined
    readonly MetricStatisticRecommendation?: string | undefined
  } | undefined
}

/** The quotas (by code, each once) that have a CloudWatch usage metric. */
export const quotasWithUsageMetric = (quotas: ReadonlyArray<SdkQuota>): Array<{ readonly code: string; readonly metric: UsageMetric }> => {
  const seen = new Set<string>()
  return quotas.flatMap((q) => {
    if (q.QuotaCode === undefined || seen.has(q.QuotaCode)) return []
    seen.add(q.QuotaCode)
    const m = q.UsageMetric
    return m?.MetricNamespace !== undefined && m.MetricName !== undefined
      ? [{ code: q.QuotaCode, metric: { ...m, MetricNamespace: m.MetricNamespace, MetricName: m.MetricName } }]
      : []
  })
}

/**
 * One row per quota code: the default's fields, the applied value where there is one (a quota only
 * ListServiceQuotas knows is kept too), the latest usage by code; sorted by name, then code.
 */
export const mergeQuotas = (
  service: string,
  defaults: ReadonlyArray<SdkQuota>,
  applied: ReadonlyArray<SdkQuota>,
  usage: ReadonlyMap<string, number>
): Array<ServiceQuota> => {
  const appliedByCode = new Map(applied.flatMap((q) => (q.QuotaCode !== undefined ? [[q.QuotaCode, q] as const] : [])))
  const defaultByCode = new Map(defaults.flatMap((q) => (q.QuotaCode !== undefined ? [[q.QuotaCode, q] as const] : [])))
  const all = new Map<string, SdkQuota>()
  for (const q of [...defaults, ...applied]) if (q.QuotaCode !== undefined && !all.has(q.QuotaCode)) all.set(q.QuotaCode, q)
  return [...all.entries()].map(([code, q]): ServiceQuota => ({
    service: q.ServiceCode ?? service,
    code,
    name: q.QuotaName ?? code,
    ...defined({
      value: appliedByCode.get(code)?.Value ?? defaultByCode.get(code)?.Value,
      defaultValue: defaultByCode.get(code)?.Value,
      usage: usage.get(code),
      unit: q.Unit,
      adjustable: q.Adjustable,
      global: q.GlobalQuota
    })
  })).sort((a, b) => a.name.localeCompare(b.name) || a.code.localeCompare(b.code))
}

/**
 * `Inventory` against EC2, Service Quotas, CloudWatch, KMS, ACM, DynamoDB and SNS, with the region, credentials
 * and endpoint of `AwsClients`.
 */
export const InventoryLive: Layer.Layer<Inventory, never, AwsClients> = Layer.effect(
  Inventory,
  Effect.gen(function*() {
    const scope = yield* Scope.Scope
    const context = yield* Effect.context<AwsClients>()
    /** The client of one service, made on first use (then shared) and destroyed with the layer. */
    const lazy = <S>(load: () => Promise<S>, service: string, make: (sdk: S, config: Aws["env"]["clientConfig"]) => SdkClient) =>
      Effect.cached(
        Effect.gen(function*() {
          const sdk = yield* Effect.promise(load)
          const aws = yield* makeAws(service, (config) => make(sdk, config))
          return { sdk, aws }
        }).pipe(Scope.provide(scope), Effect.provideContext(context))
      )
    const ec2 = yield* lazy(() => import("./sdk/ec2.ts"), "EC2", (sdk, config) => new sdk.EC2Client(config))
    const kms = yield* lazy(() => import("@aws-sdk/client-kms"), "KMS", (sdk, config) => new sdk.KMSClient(config))
    const acm = yield* lazy(() => import("@aws-sdk/client-acm"), "ACM", (sdk, config) => new sdk.ACMClient(config))
    const dynamodb = yield* lazy(() => import("@aws-sdk/client-dynamodb"), "DynamoDB", (sdk, config) => new sdk.DynamoDBClient(config))
    const sns = yield* lazy(() => import("@aws-sdk/client-sns"), "SNS", (sdk, config) => new sdk.SNSClient(config))
    const quotas = yield* lazy(() => import("@aws-sdk/client-service-quotas"), "Service Quotas", (sdk, config) => new sdk.ServiceQuotasClient(config))
    const cloudwatch = yield* lazy(() => import("@aws-sdk/client-cloudwatch"), "CloudWatch", (sdk, config) => new sdk.CloudWatchClient(config))
    const stream = <C, A>(client: Effect.Effect<C>, f: (c: C) => Stream.Stream<A, AwsError>): Stream.Stream<A, AwsError> =>
      Stream.unwrap(Effect.map(client, f))

    const networkAcls = (filters?: Ec2Filters) =>
      stream(ec2, ({ sdk, aws }) =>
        aws.pages(
          (t) => new sdk.DescribeNetworkAclsCommand({ MaxResults: 1000, ...toSdkFilters(filters), ...next(t) }),
          "list network ACLs",
          (r) => [
            (r.NetworkAcls ?? []).map((a): NetworkAcl => {
              const tags = toTags(a.Tags)
              const entries = [...(a.Entries ?? [])].sort((x, y) =>
                Number(x.Egress ?? false) - Number(y.Egress ?? false) || (x.RuleNumber ?? 0) - (y.RuleNumber ?? 0)
              )
              return {
                ...defined({ name: tags["Name"], vpcId: a.VpcId }),
                id: a.NetworkAclId ?? "",
                isDefault: a.IsDefault === true,
                subnets: (a.Associations ?? []).flatMap((s) => (s.SubnetId ? [s.SubnetId] : [])),
                entries: entries.map((e) =>
                  aclEntryLine({
                    egress: e.Egress === true,
                    ruleNumber: e.RuleNumber,
                    action: e.RuleAction,
                    protocol: e.Protocol,
                    from: e.PortRange?.From,
                    to: e.PortRange?.To,
                    cidr: e.CidrBlock ?? e.Ipv6CidrBlock
                  })
                ),
                tags
              }
            }),
            r.NextToken
          ]
        ))

    const spotInstanceRequests = (filters?: Ec2Filters) =>
      stream(ec2, ({ sdk, aws }) =>
        aws.pages(
          (t) => new sdk.DescribeSpotInstanceRequestsCommand({ MaxResults: 1000, ...toSdkFilters(filters), ...next(t) }),
          "list spot instance requests",
          (r) => [
            (r.SpotInstanceRequests ?? []).map((s): SpotInstanceRequest => ({
              ...defined({
                status: s.Status?.Code,
                type: s.Type,
                instanceType: s.LaunchSpecification?.InstanceType,
                instanceId: s.InstanceId,
                maxPrice: s.SpotPrice,
                availabilityZone: s.LaunchedAvailabilityZone ?? s.LaunchSpecification?.Placement?.AvailabilityZone,
                created: date(s.CreateTime)
              }),
              id: s.SpotInstanceRequestId ?? "",
              state: s.State ?? "unknown",
              tags: toTags(s.Tags)
            })),
            r.NextToken
          ]
        ))

    const spotFleetRequests = () =>
      stream(ec2, ({ sdk, aws }) =>
        aws.pages(
          (t) => new sdk.DescribeSpotFleetRequestsCommand({ MaxResults: 1000, ...next(t) }),
          "list spot fleet requests",
          (r) => [
            (r.SpotFleetRequestConfigs ?? []).map((f): SpotFleetRequest => ({
              ...defined({
                activityStatus: f.ActivityStatus,
                targetCapacity: f.SpotFleetRequestConfig?.TargetCapacity,
                fulfilledCapacity: f.SpotFleetRequestConfig?.FulfilledCapacity,
                allocationStrategy: f.SpotFleetRequestConfig?.AllocationStrategy,
                type: f.SpotFleetRequestConfig?.Type,
                created: date(f.CreateTime)
              }),
              id: f.SpotFleetRequestId ?? "",
              state: f.SpotFleetRequestState ?? "unknown",
              tags: toTags(f.Tags)
            })),
            r.NextToken
          ]
        ))

    const accountAttributes = () =>
      stream(ec2, ({ sdk, aws }) =>
        Stream.fromIterableEffect(
          aws.call(new sdk.DescribeAccountAttributesCommand({}), "read the EC2 account attributes", idempotent).pipe(
            Effect.map((r) =>
              (r.AccountAttributes ?? [])
                .map((a) => ({
                  name: a.AttributeName ?? "",
                  value: (a.AttributeValues ?? []).map((v) => v.AttributeValue ?? "").join(", ")
                }))
                .sort((x, y) => x.name.localeCompare(y.name))
            )
          )
        ))

    const kmsKeys = () =>
      stream(kms, ({ sdk, aws }) => {
        const marker = (m: string | undefined) => (m ? { Marker: m } : {})
        const aliases = Stream.runCollect(
          aws.pages(
            (t) => new sdk.ListAliasesCommand({ Limit: 100, ...marker(t) }),
            "list KMS aliases",
            (r) => [r.Aliases ?? [], r.Truncated === true ? r.NextMarker : undefined]
          )
        )
        return Stream.unwrap(Effect.map(aliases, (all) => {
          const byKey = new Map<string, Array<string>>()
          for (const a of all) {
            if (a.TargetKeyId !== undefined && a.AliasName !== undefined) byKey.set(a.TargetKeyId, [...(byKey.get(a.TargetKeyId) ?? []), a.AliasName])
          }
          return aws.pages(
            (t) => new sdk.ListKeysCommand({ Limit: 100, ...marker(t) }),
            "list KMS keys",
            (r) => [r.Keys ?? [], r.Truncated === true ? r.NextMarker : undefined]
          ).pipe(
            Stream.mapEffect(
              (k) =>
                aws.call(new sdk.DescribeKeyCommand({ KeyId: k.KeyId }), `describe KMS key ${k.KeyId}`, idempotent).pipe(
                  Effect.map((d): KmsKey => {
                    const m = d.KeyMetadata
                    const id = m?.KeyId ?? k.KeyId ?? ""
                    return {
                      ...defined({
                        alias: (byKey.get(id) ?? []).sort().join(", "),
                        state: m?.KeyState,
                        usage: m?.KeyUsage,
                        manager: m?.KeyManager,
                        description: m?.Description,
                        created: date(m?.CreationDate)
                      }),
                      id,
                      arn: m?.Arn ?? k.KeyArn ?? ""
                    }
                  })
                ),
              { concurrency: 4 }
            )
          )
        }))
      })

    const certificates = () =>
      stream(acm, ({ sdk, aws }) =>
        aws.pages(
          (t) => new sdk.ListCertificatesCommand({ MaxItems: 1000, ...next(t) }),
          "list ACM certificates",
          (r) => [
            (r.CertificateSummaryList ?? []).map((c): Certificate => ({
              ...defined({ status: c.Status, type: c.Type, expires: date(c.NotAfter), inUse: c.InUse }),
              domain: c.DomainName ?? "",
              arn: c.CertificateArn ?? "",
              alternativeNames: (c.SubjectAlternativeNameSummaries ?? []).filter((n) => n !== c.DomainName)
            })),
            r.NextToken
          ]
        ))

    const tables = () =>
      stream(dynamodb, ({ sdk, aws }) =>
        aws.pages(
          (t) => new sdk.ListTablesCommand({ Limit: 100, ...(t ? { ExclusiveStartTableName: t } : {}) }),
          "list DynamoDB tables",
          (r) => [r.TableNames ?? [], r.LastEvaluatedTableName]
        ).pipe(
          Stream.mapEffect(
            (name) =>
              aws.call(new sdk.DescribeTableCommand({ TableName: name }), `describe DynamoDB table ${name}`, idempotent).pipe(
                Effect.map((d): Table => {
                  const t = d.Table
                  return {
                    ...defined({
                      status: t?.TableStatus,
                      items: t?.ItemCount,
                      sizeBytes: t?.TableSizeBytes,
                      created: date(t?.CreationDateTime),
                      arn: t?.TableArn
                    }),
                    // A table created without a billing mode has no summary: it is provisioned.
                    billingMode: t?.BillingModeSummary?.BillingMode ?? "PROVISIONED",
                    name
                  }
                })
              ),
            { concurrency: 4 }
          )
        ))

    const subscriptions = () =>
      stream(sns, ({ sdk, aws }) =>
        aws.pages(
          (t) => new sdk.ListSubscriptionsCommand({ ...next(t) }),
          "list SNS subscriptions",
          (r) => [
            (r.Subscriptions ?? []).map((s) => ({
              ...defined({ endpoint: s.Endpoint, owner: s.Owner }),
              topic: topicName(s.TopicArn ?? ""),
              protocol: s.Protocol ?? "",
              topicArn: s.TopicArn ?? "",
              arn: s.SubscriptionArn ?? ""
            })),
            r.NextToken
          ]
        ))

    /** The latest value of each usage metric (by quota code), read in one GetMetricData per 500 quotas. */
    const latestUsage = (metrics: ReadonlyArray<{ readonly code: string; readonly metric: UsageMetric }>) =>
      Effect.gen(function*() {
        if (metrics.length === 0) return new Map<string, number>()
        const { sdk, aws } = yield* cloudwatch
        const end = new Date()
        const start = new Date(end.getTime() - 3_600_000)
        const found = new Map<string, number>()
        for (let i = 0; i < metrics.length; i += 500) {
          const batch = metrics.slice(i, i + 500)
          const results = yield* Stream.runCollect(aws.pages(
            (t) =>
              new sdk.GetMetricDataCommand({
                StartTime: start,
                EndTime: end,
                ScanBy: "TimestampDescending",
                MetricDataQueries: batch.map(({ metric }, j) => ({
                  Id: `q${j}`,
                  ReturnData: true,
                  MetricStat: {
                    Metric: {
                      Namespace: metric.MetricNamespace,
                      MetricName: metric.MetricName,
                      Dimensions: Object.entries(metric.MetricDimensions ?? {}).map(([Name, Value]) => ({ Name, Value }))
                    },
                    Period: 300,
                    Stat: metric.MetricStatisticRecommendation ?? "Maximum"
                  }
                })),
                ...next(t)
              }),
            "read the quotas' usage metrics",
            (r) => [r.MetricDataResults ?? [], r.NextToken]
          ))
          for (const r of results) {
            const index = Number((r.Id ?? "").slice(1))
            const value = r.Values?.[0]
            const quota = batch[index]
            if (quota !== undefined && value !== undefined && !found.has(quota.code)) found.set(quota.code, value)
          }
        }
        return found
      })

    const serviceQuotas = (service: string) =>
      stream(quotas, ({ sdk, aws }) =>
        Stream.unwrap(Effect.gen(function*() {
          const defaults = yield* Stream.runCollect(aws.pages(
            (t) => new sdk.ListAWSDefaultServiceQuotasCommand({ ServiceCode: service, MaxResults: 100, ...next(t) }),
            `list the Service Quotas of ${service}`,
            (r) => [r.Quotas ?? [], r.NextToken]
          ))
          // Applied values (raised quotas) come from another call; without them the defaults still tell a lot.
          const applied = yield* Stream.runCollect(aws.pages(
            (t) => new sdk.ListServiceQuotasCommand({ ServiceCode: service, MaxResults: 100, ...next(t) }),
            `read the applied quota values of ${service}`,
            (r) => [r.Quotas ?? [], r.NextToken]
          )).pipe(
            Effect.catch((e: AwsError) =>
              Effect.logWarning(`showing AWS's default values, not the account's: ${e.summary.split("\n")[0]}`).pipe(Effect.as([] as ReadonlyArray<never>))
            )
          )
          const withMetric = quotasWithUsageMetric([...defaults, ...applied])
          const usage = yield* latestUsage(withMetric).pipe(
            Effect.catch((e: AwsError) =>
              Effect.logWarning(`showing no usage: ${e.summary.split("\n")[0]}`).pipe(Effect.as(new Map<string, number>()))
            )
          )
          const rows = mergeQuotas(service, defaults, applied, usage)
          return Stream.fromIterable(rows)
        })))

    return Inventory.of({
      region: (yield* AwsClients).region,
      networkAcls,
      spotInstanceRequests,
      spotFleetRequests,
      accountAttributes,
      serviceQuotas,
      kmsKeys,
      certificates,
      tables,
      subscriptions
    })
  })
)
