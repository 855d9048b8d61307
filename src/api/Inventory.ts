/**
 * The account's small listings: network ACLs, spot requests, account attributes, KMS keys, ACM
 * certificates, DynamoDB tables, SNS subscriptions and service quotas.
 */
export { InventoryLive as layer } from "../layers/InventoryLive.ts"
export {
  AccountAttribute,
  Certificate,
  Inventory,
  KmsKey,
  NetworkAcl,
  ServiceQuota,
  SpotFleetRequest,
  SpotInstanceRequest,
  Subscription,
  Table
} from "../services/Inventory.ts"
