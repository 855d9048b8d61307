/** Amazon ECR: repositories (created with scan on push and an untagged-image lifecycle rule) and images. */
export { EcrLive as layer } from "../layers/EcrLive.ts"
export { Ecr, type EcrImage, type Ensured, type Repository, type RepositorySpec } from "../services/Ecr.ts"
