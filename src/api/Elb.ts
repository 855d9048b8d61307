/**
 * Elastic Load Balancing, classic and v2: load balancers, target groups, target health
 * (`LoadBalancers`), and waiting until targets reach a state (`waitForTargets`).
 */
export { LoadBalancersLive as layer } from "../layers/LoadBalancersLive.ts"
export {
  healthCounts,
  isDrained,
  LoadBalancer,
  type LoadBalancerDeletion,
  type LoadBalancerError,
  type LoadBalancerPlan,
  type LoadBalancerRequest,
  LoadBalancers,
  LoadBalancerType,
  type TargetGroupChoice,
  TargetGroupRef,
  TargetHealth,
  type TargetsChange
} from "../services/LoadBalancers.ts"
export { type TargetGoal, waitForTargets, type WaitTargetsOptions } from "../workflows/elbWait.ts"
