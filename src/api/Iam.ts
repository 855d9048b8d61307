/**
 * IAM: the roles and instance profiles aegea creates on demand (`Iam`), who the caller is
 * (`IamIdentity`) and user, group, role and policy administration (`IamAdmin`).
 */
export { IamIdentityLive as layerIdentity, IamLive as layer } from "../layers/IamLive.ts"
export { IamAdminLive as layerAdmin } from "../layers/IamAdminLive.ts"
export {
  type CallerIdentity,
  type Ensured,
  fargateExecutionRole,
  Iam,
  IamIdentity,
  type PolicyDocument,
  type Principal,
  type PrincipalKind,
  type Role,
  type RoleSpec
} from "../services/Iam.ts"
export {
  AccessKey,
  type CreatedUser,
  IamAdmin,
  type IamAdminError,
  IamGroup,
  IamPolicy,
  IamRole,
  IamUser,
  type NewUser,
  principalNotFound,
  type Whoami
} from "../services/IamAdmin.ts"
