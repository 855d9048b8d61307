/**
 * Every retry and poll Schedule aegea uses, to pass your own where a workflow or service method takes
 * one (`Schedules.statePoll`, `Schedules.awsRetrySchedule(5)`, ...), and `Polling`: the schedules of
 * every wait in the workflows and services, replaced for a whole computation with `withPolling`.
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
export { defaultPolling, Polling, type PollSchedules, pollUntil, withPolling } from "../services/Polling.ts"
