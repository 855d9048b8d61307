/** Route 53: hosted zones and record sets, and instance names in a private zone (`registerInstance`, ...). */
export { Route53Live as layer } from "../layers/Route53Live.ts"
export {
  absoluteName,
  HostedZone,
  type RecordChange,
  RecordSet,
  Route53,
  type Route53Error,
  type ZoneVpc,
  zoneNotFound
} from "../services/Route53.ts"
export {
  ensurePrivateZone,
  instanceRecordTtl,
  moveInstanceRecord,
  privateZoneName,
  registerInstance,
  unregisterInstance
} from "../workflows/instanceDns.ts"
