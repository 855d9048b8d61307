/**
 * Every retry and poll Schedule aegea uses, to pass your own where a workflow or service method takes
 * one (`Schedules.statePoll`, `Schedules.awsRetrySchedule(5)`, ...).
 */
export {
  agentPoll,
  awsRetrySchedule,
  boundedPoll,
  commandPoll,
  defaultPacing,
  exportPoll,
  followDelay,
  followThrottleBackoff,
  instanceProfileBackoff,
  nextDelay,
  pollEvery,
  queryPoll,
  rdsPoll,
  statePoll,
  type WatchPacing
} from "../lib/schedules.ts"
