// Only the CloudWatch Logs client pieces aegea uses. Importing this module (lazily, from LogsLive and
// AuditLive) instead of the package barrel lets esbuild drop the other commands and their schemas
// from the chunk: the barrel's top level (every command class and schema of the service) was 17 ms
// of `aegea logs`'s start-up, and its compile cache 0.4 MB (see docs/performance.md).
export {
  CloudWatchLogsClient,
  CreateExportTaskCommand,
  CreateLogGroupCommand,
  DescribeExportTasksCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  FilterLogEvents$,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  PutRetentionPolicyCommand,
  StartQueryCommand,
  StopQueryCommand
} from "@aws-sdk/client-cloudwatch-logs"
