/**
 * Which image `aegea launch` boots: an id or own image name (--ami), own images by tags
 * (--ami-tags), the latest Ubuntu or Amazon Linux through AWS's public SSM parameters, or by
 * default the newest own image built by aegea (tag AegeaVersion), the caller's own (tag Owner)
 * first. The image's architecture must be the instance type's.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type Architecture, debianArchitecture } from "../lib/instanceTypes.ts"
import { Ec2Launch, type LaunchImage } from "../services/Ec2Launch.ts"
import { type AwsError, type Remedy, ResourceNotFound, UsageError } from "../errors.ts"
import { IamIdentity } from "../services/Iam.ts"
import { Ssm } from "../services/Ssm.ts"

/**
 * Where a launch takes its image from: a given id or tags, the newest Ubuntu or Amazon Linux release,
 * or aegea's own newest build.
 */
export type AmiSource =
  /** --ami and/or --ami-tags: an id, or this account's images by name pattern and tags. */
  | { readonly kind: "given"; readonly ami?: string; readonly tags: Readonly<Record<string, ReadonlyArray<string>>> }
  | { readonly kind: "ubuntu"; readonly release: string }
  | { readonly kind: "amazon-linux"; readonly release: string }
  /** The newest image built by aegea (AegeaVersion tag) in this account. */
  | { readonly kind: "own" }

/** Where the public AMI parameters live (injectable: emulators lack Canonical's). */
export interface AmiParameterPrefixes {
  readonly ubuntu: string
  readonly amazonLinux: string
}

export const defaultAmiParameterPrefixes: AmiParameterPrefixes = {
  ubuntu: "/aws/service/canonical/ubuntu/server",
  amazonLinux: "/aws/service/ami-amazon-linux-latest"
}

/** Canonical publishes gp3 images from 23.10 on (24.04 LTS), gp2 for 22.04 and before. */
export const ubuntuParameter = (prefix: string, release: string, arch: Architecture) =>
  `${prefix}/${release}/stable/current/${debianArchitecture(arch)}/hvm/${Number.parseFloat(release) >= 23 ? "ebs-gp3" : "ebs-gp2"}/ami-id`

export const amazonLinuxParameter = (prefix: string, release: string, arch: Architecture) =>
  release === "2" ? `${prefix}/amzn2-ami-hvm-${arch}-gp2` : `${prefix}/al${release}-ami-kernel-default-${arch}`

const newestFirst = (images: ReadonlyArray<LaunchImage>) =>
  [...images].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0) || a.id.localeCompare(b.id))

const mismatch = (image: LaunchImage, instanceType: string, arch: Architecture) =>
  new UsageError({
    message: `image ${image.id}${image.name ? ` (${image.name})` : ""} is ${image.architecture}, but instance type ${instanceType} is ${arch}`,
    hint: arch === "arm64"
      ? "Choose an arm64 image, or an x86_64 instance type such as t3a.micro"
      : "Choose an x86_64 image, or a Graviton (arm64) instance type such as t4g.micro"
  })

/** The newest of `images` with the right architecture; a mismatch error when only others exist. */
const pickNewest = (images: ReadonlyArray<LaunchImage>, instanceType: string, arch: Architecture) => {
  const sorted = newestFirst(images)
  const [match] = sorted.filter((i) => i.architecture === undefined || i.architecture === arch)
  if (match !== undefined) return Effect.succeed(Option.some(match))
  const [other] = sorted
  return other === undefined ? Effect.succeed(Option.none<LaunchImage>()) : Effect.fail(mismatch(other, instanceType, arch))
}

const noImage = (name: string, region: string | undefined, hint: string, remedy: Remedy) =>
  new ResourceNotFound({ kind: "AMI", name, ...(region ? { region } : {}), hint, remedy })

const fromParameter = (parameter: string, arch: Architecture, instanceType: string, what: string, region?: string) =>
  Effect.gen(function*() {
    const ssm = yield* Ssm
    const ec2 = yield* Ec2Launch
    const id = yield* ssm.getParameter(parameter)
    if (Option.isNone(id)) {
      return yield* new ResourceNotFound({
        kind: "SSM parameter",
        name: parameter,
        ...(region ? { region } : {}),
        hint: `AWS publishes ${what} images there; check the region and the release, or give an image id`,
        remedy: "check-region-or-image"
      })
    }
    const [image] = yield* ec2.findImages({ ids: [id.value] })
    if (image === undefined) {
      // The parameter is AWS's word; describe only adds the root device name.
      return { id: id.value, state: "available", architecture: arch, public: true, tags: {} } satisfies LaunchImage
    }
    if (image.architecture !== undefined && image.architecture !== arch) return yield* mismatch(image, instanceType, arch)
    return image
  })

const suggestion = "Choose the latest public Ubuntu or Amazon Linux image, or give an image id or name"

export const resolveImage = (
  source: AmiSource,
  options: {
    readonly instanceType: string
    readonly architecture: Architecture
    readonly prefixes: AmiParameterPrefixes
    readonly region?: string
  }
): Effect.Effect<LaunchImage, AwsError | ResourceNotFound | UsageError, Ec2Launch | Ssm | IamIdentity> =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2Launch
    const { instanceType, architecture: arch, region } = options
    switch (source.kind) {
      case "ubuntu":
        return yield* fromParameter(ubuntuParameter(options.prefixes.ubuntu, source.release, arch), arch, instanceType, `Ubuntu ${source.release}`, region)
      case "amazon-linux":
        return yield* fromParameter(amazonLinuxParameter(options.prefixes.amazonLinux, source.release, arch), arch, instanceType, `Amazon Linux ${source.release}`, region)
      case "given": {
        if (source.ami !== undefined && /^ami-[0-9a-f]+$/.test(source.ami)) {
          const [image] = yield* ec2.findImages({ ids: [source.ami] })
          if (image === undefined) return yield* noImage(source.ami, region, "Check the image id and the region", "check-region")
          if (image.architecture !== undefined && image.architecture !== arch) return yield* mismatch(image, instanceType, arch)
          return image
        }
        const tagFilters = Object.fromEntries(Object.entries(source.tags).map(([k, v]) => [`tag:${k}`, v]))
        const images = yield* ec2.findImages({
          owners: ["self"],
          filters: { state: ["available"], ...(source.ami !== undefined ? { name: [source.ami] } : {}), ...tagFilters }
        })
        const picked = yield* pickNewest(images, instanceType, arch)
        if (Option.isSome(picked)) return picked.value
        const described = [source.ami, ...Object.entries(source.tags).map(([k, v]) => `${k}=${v.join("|")}`)].filter((s) => s !== undefined).join(" ")
        return yield* noImage(described, region, `Only this account's images are searched by name and tags; pass an image id for others'. ${suggestion}`, "image-choice")
      }
      case "own": {
        const images = yield* ec2.findImages({ owners: ["self"], filters: { state: ["available"], "tag-key": ["AegeaVersion"] } })
        const me = (yield* (yield* IamIdentity).caller).name
        const mine = images.filter((i) => i.tags.Owner === me)
        const picked = yield* pickNewest(mine.some((i) => i.architecture === undefined || i.architecture === arch) ? mine : images, instanceType, arch)
        if (Option.isSome(picked)) return picked.value
        return yield* noImage(`built by aegea (tag AegeaVersion, ${arch})`, region, `This account has no image built by aegea. ${suggestion}`, "image-choice")
      }
    }
  })
