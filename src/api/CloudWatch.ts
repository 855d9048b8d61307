/** CloudWatch alarms and metrics, and the SNS topics alarms notify. */
export { CloudWatchLive as layer } from "../layers/CloudWatchLive.ts"
export {
  Alarm,
  type AlarmSpec,
  type AlarmState,
  alarmStates,
  CloudWatch,
  type Comparison,
  comparisons,
  type Datapoint,
  type MetricQuery,
  type Statistic,
  statistics
} from "../services/CloudWatch.ts"
