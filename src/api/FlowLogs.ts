/** VPC flow logs: list, create and delete them (delivered to CloudWatch Logs or S3). */
export { FlowLogsLive as layer } from "../layers/FlowLogsLive.ts"
export { FlowLog, type FlowLogRequest, type FlowLogResourceType, FlowLogs } from "../services/FlowLogs.ts"
