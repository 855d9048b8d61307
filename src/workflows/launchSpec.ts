/** What `aegea launch` was asked for: the input of planLaunch (see launch.ts). */
import type { CloudConfig } from "../lib/cloudInit.ts"
import type { AmiParameterPrefixes, AmiSource } from "./launchImage.ts"

/**
 * A volume at launch: a size for the root volume ("/") or a new encrypted gp3 volume mounted at a
 * path.
 */
export interface StorageRequest {
  /** "/" resizes the root volume; any other path is a new encrypted gp3 volume mounted there. */
  readonly mountPoint: string
  readonly sizeGiB: number
}

/**
 * What to launch, as `aegea launch` takes it: name, image source, instance type, spot, network,
 * storage, cloud-init and role.
 */
export interface LaunchSpec {
  readonly name: string
  readonly ami: AmiSource
  readonly amiParameterPrefixes: AmiParameterPrefixes
  readonly instanceType: string
  /** A one-time spot instance; `maxPrice` absent = AWS's cap, the on-demand price. */
  readonly spot?: { readonly maxPrice?: string }
  readonly subnet?: string
  readonly availabilityZone?: string
  /** Names or sg- ids; empty = the `aegea.launch` group (created without ingress rules if missing). */
  readonly securityGroups: ReadonlyArray<string>
  /** Role and instance profile name; undefined = launch without an instance profile. */
  readonly iamRole: string | undefined
  /** Create/update the role and profile (false: they must exist). */
  readonly manageIam: boolean
  /** Managed policies (names or ARNs) to attach to the role as well, when aegea manages it. */
  readonly iamPolicies?: ReadonlyArray<string>
  readonly storage: ReadonlyArray<StorageRequest>
  readonly tags: Readonly<Record<string, string>>
  readonly sshKeyName?: string
  /** Merged in order after aegea's own parts: --user-data, then --cloud-config-data (or config launch.cloud_config_data). */
  readonly userConfigs: ReadonlyArray<CloudConfig>
  readonly clientToken?: string
  /**
   * Provision the caller's Linux user (name and uid from the IAM name) with these authorized_keys
   * lines; absent = --no-provision-user (recorded in the AegeaProvisionUser tag as `false`).
   */
  readonly provisionUser?: { readonly authorizedKeys: ReadonlyArray<string> }
}
