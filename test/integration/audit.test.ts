import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail"
import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch"
import { CloudWatchLogsClient, CreateLogGroupCommand, PutMetricFilterCommand } from "@aws-sdk/client-cloudwatch-logs"
import { ConfigServiceClient, PutConfigurationRecorderCommand } from "@aws-sdk/client-config-service"
import { CreateUserCommand, IAMClient, UpdateAccountPasswordPolicyCommand } from "@aws-sdk/client-iam"
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { Layer } from "effect"
import { beforeAll } from "vitest"
import { AuditLive } from "../../src/layers/AuditLive.ts"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { auditContract, rootUsagePattern } from "../contract/audit.ts"
import { motoEndpoint, sdkConfig, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

/** The account the contract describes, made through the AWS SDK. */
export const prepareAuditAccount = async () => {
  const config = sdkConfig()
  await new IAMClient(config).send(new UpdateAccountPasswordPolicyCommand({
    MinimumPasswordLength: 14,
    RequireSymbols: true,
    RequireNumbers: false,
    RequireUppercaseCharacters: false,
    RequireLowercaseCharacters: false,
    MaxPasswordAge: 90,
    PasswordReusePrevention: 24
  }))
  await new IAMClient(config).send(new CreateUserCommand({ UserName: "contract-audit-user" }))
  await new S3Client({ ...config, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: "contract-trail-bucket" }))
  const logs = new CloudWatchLogsClient(config)
  await logs.send(new CreateLogGroupCommand({ logGroupName: "contract-trail-logs" }))
  const trails = new CloudTrailClient(config)
  await trails.send(new CreateTrailCommand({
    Name: "contract-trail",
    S3BucketName: "contract-trail-bucket",
    IsMultiRegionTrail: true,
    EnableLogFileValidation: true,
    CloudWatchLogsLogGroupArn: `arn:aws:logs:${TEST_REGION}:123456789012:log-group:contract-trail-logs:*`,
    CloudWatchLogsRoleArn: "arn:aws:iam::123456789012:role/trail-to-logs"
  }))
  await trails.send(new StartLoggingCommand({ Name: "contract-trail" }))
  await logs.send(new PutMetricFilterCommand({
    logGroupName: "contract-trail-logs",
    filterName: "root-usage",
    filterPattern: rootUsagePattern,
    metricTransformations: [{ metricNamespace: "CIS", metricName: "RootUsage", metricValue: "1" }]
  }))
  await new CloudWatchClient(config).send(new PutMetricAlarmCommand({
    AlarmName: "root-usage-alarm",
    Namespace: "CIS",
    MetricName: "RootUsage",
    Statistic: "Sum",
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    AlarmActions: [`arn:aws:sns:${TEST_REGION}:123456789012:alerts`]
  }))
  await new ConfigServiceClient(config).send(new PutConfigurationRecorderCommand({
    ConfigurationRecorder: {
      name: "default",
      roleARN: "arn:aws:iam::123456789012:role/config",
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true }
    }
  }))
}

beforeAll(prepareAuditAccount)

auditContract("live on moto", {
  make: async () =>
    AuditLive.pipe(Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })))
})
