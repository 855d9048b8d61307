/**
 * An in-memory Inventory for tests: each listing returns the rows it was seeded with (account
 * attributes and a service's quotas sorted by name, as the live layer gives them; a service without
 * seeded quotas fails with AwsNotFound, as AWS answers an unknown service code). EC2 filters are judged on the rows
 * (`matchesFilters`: `tag:KEY` against the tags, any other name against the field of that name in
 * camelCase, `vpc-id` -> vpcId), which is how AWS reads the common ones.
 */
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { AwsNotFound } from "../errors.ts"
import {
  type AccountAttribute,
  type Certificate,
  type Ec2Filters,
  Inventory,
  matchesFilters,
  type KmsKey,
  type NetworkAcl,
  type ServiceQuota,
  type SpotFleetRequest,
  type SpotInstanceRequest,
  type Subscription,
  type Table
} from "../services/Inventory.ts"

/** What each listing of `InventoryMemory` returns. */
export interface InventorySeed {
  readonly networkAcls?: ReadonlyArray<NetworkAcl>
  readonly spotInstanceRequests?: ReadonlyArray<SpotInstanceRequest>
  readonly spotFleetRequests?: ReadonlyArray<SpotFleetRequest>
  readonly accountAttributes?: ReadonlyArray<AccountAttribute>
  /** Service Quotas of any services (each row names its service); a service with none is unknown. */
  readonly serviceQuotas?: ReadonlyArray<ServiceQuota>
  readonly kmsKeys?: ReadonlyArray<KmsKey>
  readonly certificates?: ReadonlyArray<Certificate>
  readonly tables?: ReadonlyArray<Table>
  readonly subscriptions?: ReadonlyArray<Subscription>
}

/** `Inventory` in memory, answering from the seed (EC2 filters applied as EC2 does). */
export const InventoryMemory = {
  layer: (options: { readonly region?: string } & InventorySeed = {}): Layer.Layer<Inventory> =>
    Layer.succeed(
      Inventory,
      Inventory.of({
        region: options.region ?? "us-east-1",
        networkAcls: (filters?: Ec2Filters) => Stream.fromIterable((options.networkAcls ?? []).filter((r) => matchesFilters(r, filters))),
        spotInstanceRequests: (filters?: Ec2Filters) =>
          Stream.fromIterable((options.spotInstanceRequests ?? []).filter((r) => matchesFilters(r, filters))),
        spotFleetRequests: () => Stream.fromIterable(options.spotFleetRequests ?? []),
        accountAttributes: () => Stream.fromIterable([...(options.accountAttributes ?? [])].sort((a, b) => a.name.localeCompare(b.name))),
        serviceQuotas: (service: string) => {
          const rows = (options.serviceQuotas ?? []).filter((q) => q.service === service)
          return rows.length === 0
            ? Stream.fail(
              new AwsNotFound({
                action: `list the Service Quotas of ${service}`,
                service: "Service Quotas",
                operation: "ListAWSDefaultServiceQuotas",
                code: "NoSuchResourceException",
                awsMessage: "This service is not available in the current Region. Choose a different Region or a different service.",
                region: options.region ?? "us-east-1"
              })
            )
            : Stream.fromIterable([...rows].sort((a, b) => a.name.localeCompare(b.name) || a.code.localeCompare(b.code)))
        },
        kmsKeys: () => Stream.fromIterable(options.kmsKeys ?? []),
        certificates: () => Stream.fromIterable(options.certificates ?? []),
        tables: () => Stream.fromIterable(options.tables ?? []),
        subscriptions: () => Stream.fromIterable(options.subscriptions ?? [])
      })
    )
}
