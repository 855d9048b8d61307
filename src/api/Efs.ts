/** Amazon EFS: file systems, mount targets and the NFS security group that lets instances mount them. */
export { EfsLive as layer } from "../layers/EfsLive.ts"
export { Efs, type EfsNetwork, type FileSystem, type MountTarget, nfsSecurityGroupName } from "../services/Efs.ts"
