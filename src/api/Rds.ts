/** Amazon RDS: database instances and clusters, their snapshots, creation and deletion, and waits for their status. */
export { RdsLive as layer } from "../layers/RdsLive.ts"
export {
  type CreateDatabase,
  Database,
  databaseNotFound,
  DbSnapshot,
  type DeleteDatabase,
  Rds,
  type RdsError,
  snapshotNotFound
} from "../services/Rds.ts"
export { type RdsTarget, waitForRds } from "../workflows/rdsWait.ts"
