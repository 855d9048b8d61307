/**
 * Systems Manager and what rides on it: Run Command and agent inventory (`Ssm`), Session Manager data
 * channels (`SsmSession`, `relay`), OpenSSH through them (`Ssh`) and instance host keys.
 */
export { SsmLive as layer } from "../layers/SsmLive.ts"
export { type ResumeOptions, ssmSessionLayer as layerSessionWith, SsmSessionLive as layerSession } from "../layers/SsmSessionLive.ts"
export { SshLive as layerSsh } from "../layers/SshLive.ts"
export {
  AgentInfo,
  CommandInvocation,
  type SendCommandOptions,
  type SessionDocument,
  type SessionTicket,
  Ssm,
  type SsmEndpoint
} from "../services/Ssm.ts"
export { type ChannelKind, type DataChannel, SsmSession } from "../services/SsmSession.ts"
export { defaultSessionTimings, type SessionTimings } from "../lib/ssm/resume.ts"
export { relay, type RelayStreams } from "../workflows/relay.ts"
export { type KeyFile, linuxUserName, type RunOptions, Ssh } from "../services/Ssh.ts"
export { generateHostKey, type HostKey } from "../lib/hostKey.ts"
export { type HostKeyFromTags, hostKeyFromTags, hostKeyTags, knownHostsLine } from "../lib/hostKeys.ts"
