import { InventoryMemory } from "../../src/testing/InventoryMemory.ts"
import { inventoryContract } from "../contract/inventory.ts"

inventoryContract("in-memory", {
  make: async ({ tag }) => {
    const ids = { aclId: `acl-${tag}`, vpcId: `vpc-${tag}`, spotRequestId: `sir-${tag}`, fleetId: `sfr-${tag}`, keyId: `key-${tag}` }
    const layer = InventoryMemory.layer({
      networkAcls: [
        { id: ids.aclId, name: tag, vpcId: ids.vpcId, isDefault: false, subnets: [], entries: ["in 100 allow tcp 22 10.0.0.0/8"], tags: { Name: tag } },
        { id: `acl-default-${tag}`, vpcId: ids.vpcId, isDefault: true, subnets: [], entries: [], tags: {} }
      ],
      spotInstanceRequests: [{ id: ids.spotRequestId, state: "open", instanceType: "t3.micro", maxPrice: "0.05", tags: {} }],
      spotFleetRequests: [{ id: ids.fleetId, state: "active", targetCapacity: 1, tags: {} }],
      accountAttributes: [{ name: "max-instances", value: "20" }, { name: "default-vpc", value: "none" }],
      serviceQuotas: [
        { service: "vpc", code: "L-F678F1CE", name: "VPCs per Region", value: 5, defaultValue: 5, unit: "None", adjustable: true, global: false },
        { service: "vpc", code: "L-A4707A72", name: "Internet gateways per Region", value: 5, defaultValue: 5, unit: "None", adjustable: true, global: false },
        { service: "ec2", code: "L-1216C47A", name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", value: 64, defaultValue: 5, usage: 12, unit: "None", adjustable: true }
      ],
      kmsKeys: [{ id: ids.keyId, arn: `arn:aws:kms:us-east-1:123456789012:key/${ids.keyId}`, alias: `alias/${tag}`, state: "Enabled", usage: "ENCRYPT_DECRYPT", description: `key ${tag}` }],
      certificates: [{ domain: `${tag}.example.com`, arn: `arn:aws:acm:us-east-1:123456789012:certificate/${tag}`, status: "PENDING_VALIDATION", type: "AMAZON_ISSUED", alternativeNames: [`www.${tag}.example.com`] }],
      tables: [{ name: tag, status: "ACTIVE", items: 0, billingMode: "PAY_PER_REQUEST" }],
      subscriptions: [{ topic: tag, protocol: "email", endpoint: `${tag}@example.com`, topicArn: `arn:aws:sns:us-east-1:123456789012:${tag}`, arn: "PendingConfirmation" }]
    })
    return { layer, ids }
  }
})
