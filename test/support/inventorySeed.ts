// Seeds moto with one of each thing the small listings show (test/contract/inventory.ts's scenario).
import { ACMClient, RequestCertificateCommand } from "@aws-sdk/client-acm"
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateVpcCommand,
  RequestSpotFleetCommand,
  RequestSpotInstancesCommand
} from "@aws-sdk/client-ec2"
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms"
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns"
import { ec2Client, sdkConfig, TEST_AMI } from "./moto.ts"

/** Creates the contract's scenario in moto; returns the ids AWS gave. */
export const seedInventory = async (tag: string) => {
  const ec2 = ec2Client()
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16" }))
  const vpcId = vpc.Vpc!.VpcId!
  const acl = await ec2.send(new CreateNetworkAclCommand({
    VpcId: vpcId,
    TagSpecifications: [{ ResourceType: "network-acl", Tags: [{ Key: "Name", Value: tag }] }]
  }))
  const aclId = acl.NetworkAcl!.NetworkAclId!
  await ec2.send(new CreateNetworkAclEntryCommand({
    NetworkAclId: aclId,
    RuleNumber: 100,
    Protocol: "6",
    RuleAction: "allow",
    Egress: false,
    CidrBlock: "10.0.0.0/8",
    PortRange: { From: 22, To: 22 }
  }))
  const sir = await ec2.send(new RequestSpotInstancesCommand({
    SpotPrice: "0.05",
    InstanceCount: 1,
    LaunchSpecification: { ImageId: TEST_AMI, InstanceType: "t3.micro" }
  }))
  const fleet = await ec2.send(new RequestSpotFleetCommand({
    SpotFleetRequestConfig: {
      IamFleetRole: "arn:aws:iam::123456789012:role/fleet",
      AllocationStrategy: "lowestPrice",
      TargetCapacity: 1,
      SpotPrice: "0.05",
      LaunchSpecifications: [{ ImageId: TEST_AMI, InstanceType: "t3.micro" }]
    }
  }))
  const kms = new KMSClient(sdkConfig())
  const key = await kms.send(new CreateKeyCommand({ Description: `key ${tag}`, KeyUsage: "ENCRYPT_DECRYPT" }))
  const keyId = key.KeyMetadata!.KeyId!
  await kms.send(new CreateAliasCommand({ AliasName: `alias/${tag}`, TargetKeyId: keyId }))
  await new ACMClient(sdkConfig()).send(new RequestCertificateCommand({
    DomainName: `${tag}.example.com`,
    SubjectAlternativeNames: [`${tag}.example.com`, `www.${tag}.example.com`]
  }))
  await new DynamoDBClient(sdkConfig()).send(new CreateTableCommand({
    TableName: tag,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }]
  }))
  const sns = new SNSClient(sdkConfig())
  const topic = await sns.send(new CreateTopicCommand({ Name: tag }))
  await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: "email", Endpoint: `${tag}@example.com` }))
  return {
    aclId,
    vpcId,
    spotRequestId: sir.SpotInstanceRequests![0]!.SpotInstanceRequestId!,
    fleetId: fleet.SpotFleetRequestId!,
    keyId
  }
}
