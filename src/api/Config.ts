/**
 * aegea's configuration files (`~/.config/aegea/config.yml` and the others it merges) for programs that
 * want the same settings as the CLI.
 */
export { AegeaConfig, type ConfigEntry } from "../services/AegeaConfig.ts"
export { AegeaConfigLive as layer, loadConfig } from "../layers/AegeaConfigLive.ts"
export { type ConfigMap, type ConfigValue, mergeLayer } from "../lib/merge.ts"
