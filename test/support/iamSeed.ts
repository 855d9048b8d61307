// Seeds moto's IAM for test/integration/iamAdmin.test.ts and test/cli/iam.test.ts.
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand
} from "@aws-sdk/client-iam"
import { trustPolicy } from "../../src/services/Iam.ts"
import type { IamAdminSeed } from "../../src/testing/IamAdminMemory.ts"
import { sdkConfig } from "./moto.ts"

const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }] })

/** Make `seed` in moto's IAM with the SDK. */
export const seedIam = async (seed: IamAdminSeed) => {
  const iam = new IAMClient(sdkConfig())
  try {
    for (const name of seed.groups ?? []) await iam.send(new CreateGroupCommand({ GroupName: name }))
    for (const role of seed.roles ?? []) {
      await iam.send(new CreateRoleCommand({ RoleName: role.name, AssumeRolePolicyDocument: JSON.stringify(trustPolicy(role.trustedService)) }))
    }
    for (const user of seed.users ?? []) {
      await iam.send(new CreateUserCommand({ UserName: user.name }))
      for (const group of user.groups ?? []) await iam.send(new AddUserToGroupCommand({ UserName: user.name, GroupName: group }))
      for (let i = 0; i < (user.accessKeys ?? 0); i++) await iam.send(new CreateAccessKeyCommand({ UserName: user.name }))
    }
    for (const policy of seed.managedPolicies ?? []) {
      const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: policy.name, PolicyDocument: document }))).Policy?.Arn
      for (const p of policy.attachedTo ?? []) {
        if (p.kind === "user") await iam.send(new AttachUserPolicyCommand({ UserName: p.name, PolicyArn: arn }))
        else if (p.kind === "group") await iam.send(new AttachGroupPolicyCommand({ GroupName: p.name, PolicyArn: arn }))
        else await iam.send(new AttachRolePolicyCommand({ RoleName: p.name, PolicyArn: arn }))
      }
    }
    for (const { principal: p, name } of seed.inlinePolicies ?? []) {
      if (p.kind === "user") await iam.send(new PutUserPolicyCommand({ UserName: p.name, PolicyName: name, PolicyDocument: document }))
      else if (p.kind === "group") await iam.send(new PutGroupPolicyCommand({ GroupName: p.name, PolicyName: name, PolicyDocument: document }))
      else await iam.send(new PutRolePolicyCommand({ RoleName: p.name, PolicyName: name, PolicyDocument: document }))
    }
  } finally {
    iam.destroy()
  }
}
