// Seeding moto with Lambda functions (an IAM role and a zip each), a DynamoDB stream to map, and
// Step Functions state machines with executions, for test/integration and test/cli.
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { CreateRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam"
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn"
import { sdkConfig } from "./moto.ts"

import { zipV1 } from "./lambdaZips.ts"

export { zipV1, zipV2 } from "./lambdaZips.ts"

const roleName = "aegea-test-lambda"

const lambdaRole = async (): Promise<string> => {
  const iam = new IAMClient(sdkConfig())
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.Arn!
  } catch {
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }
    return (await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!
  }
}

export interface MotoFunction {
  readonly name: string
  readonly memoryMiB?: number
  readonly environment?: Record<string, string>
}

/** Create the functions (python3.12, index.handler, zipV1); returns their ARNs. */
export const createFunctions = async (functions: ReadonlyArray<MotoFunction>): Promise<Array<string>> => {
  const role = await lambdaRole()
  const lambda = new LambdaClient(sdkConfig())
  const arns: Array<string> = []
  for (const f of functions) {
    const r = await lambda.send(new CreateFunctionCommand({
      FunctionName: f.name,
      Runtime: "python3.12",
      Role: role,
      Handler: "index.handler",
      Code: { ZipFile: zipV1 },
      MemorySize: f.memoryMiB ?? 128,
      Timeout: 3,
      ...(f.environment ? { Environment: { Variables: f.environment } } : {})
    }))
    arns.push(r.FunctionArn!)
  }
  return arns
}

/** A DynamoDB table with a stream, mapped to the function; returns the stream ARN. */
export const mapStreamTo = async (functionName: string, table: string): Promise<string> => {
  const ddb = new DynamoDBClient(sdkConfig())
  const created = await ddb.send(new CreateTableCommand({
    TableName: table,
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    BillingMode: "PAY_PER_REQUEST",
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" }
  }))
  const streamArn = created.TableDescription!.LatestStreamArn!
  await new LambdaClient(sdkConfig()).send(
    new CreateEventSourceMappingCommand({ FunctionName: functionName, EventSourceArn: streamArn, StartingPosition: "LATEST", BatchSize: 10 })
  )
  return streamArn
}

const passDefinition = JSON.stringify({ StartAt: "Pass", States: { Pass: { Type: "Pass", End: true } } })

/** A state machine with one Pass state; returns its ARN. */
export const createStateMachine = async (name: string): Promise<string> => {
  const sfn = new SFNClient(sdkConfig())
  const r = await sfn.send(new CreateStateMachineCommand({
    name,
    definition: passDefinition,
    roleArn: "arn:aws:iam::123456789012:role/aegea-test-sfn"
  }))
  return r.stateMachineArn!
}

export const startExecution = async (stateMachineArn: string, name: string): Promise<string> =>
  (await new SFNClient(sdkConfig()).send(new StartExecutionCommand({ stateMachineArn, name, input: "{}" }))).executionArn!
