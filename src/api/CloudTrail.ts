/** CloudTrail: trails and management events (LookupEvents). */
export { CloudTrailLive as layer } from "../layers/CloudTrailLive.ts"
export {
  CloudTrail,
  type LookupAttribute,
  type LookupAttributeKey,
  lookupAttributeKeys,
  type LookupQuery,
  TrailEvent,
  TrailInfo
} from "../services/CloudTrail.ts"
