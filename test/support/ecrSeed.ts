// Seeding ECR on moto from tests: a repository as `aws ecr create-repository` makes it, and an image
// pushed with PutImage of a small manifest of its own (a fresh layer digest, so a new image digest).
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr"
import { createHash, randomUUID } from "node:crypto"
import { sdkConfig } from "./moto.ts"

const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`

/** A Docker image manifest (v2) with one layer of its own and a config of `configSize` bytes. */
export const imageManifest = (configSize = 7023) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: configSize, digest: sha(`config-${randomUUID()}`) },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 32654, digest: sha(`layer-${randomUUID()}`) }]
  })

export async function createRepository(name: string, options: { readonly scanOnPush?: boolean } = {}): Promise<void> {
  const ecr = new ECRClient(sdkConfig())
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: options.scanOnPush ?? false } }))
  } finally {
    ecr.destroy()
  }
}

export async function pushImage(repository: string, tag: string, configSize?: number): Promise<void> {
  const ecr = new ECRClient(sdkConfig())
  try {
    await ecr.send(new PutImageCommand({ repositoryName: repository, imageTag: tag, imageManifest: imageManifest(configSize) }))
  } finally {
    ecr.destroy()
  }
}
