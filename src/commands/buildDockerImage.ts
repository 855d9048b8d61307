/**
 * `aegea build-docker-image NAME`: build a container image in the account (no local Docker) as a
 * privileged AWS Batch job on an EC2 queue, from `--dockerfile` (its folder is the build context)
 * or from a cloud-init configuration turned into a Dockerfile, and push it to the ECR repository
 * NAME (created when missing), tagged with the config digest and every `--tag`.
 */
import { lstat, readdir, readFile, readlink } from "node:fs/promises"
import { basename, dirname, join, relative, sep } from "node:path"
import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { UsageError } from "../errors.ts"
import { EcrLive } from "../layers/EcrLive.ts"
import { S3StagingLive } from "../layers/S3StagingLive.ts"
import { SsmLive } from "../layers/SsmLive.ts"
import { type CloudConfig, mergeCloudConfigs, parseCloudConfig } from "../lib/cloudInit.ts"
import { configDigest, type ContextListing, dockerfileFromCloudConfig, validRepositoryName, validTag } from "../lib/dockerfile.ts"
import { type TarEntry, tarPathFits } from "../lib/tarball.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ecr } from "../services/Ecr.ts"
import { Output } from "../services/Output.ts"
import { S3Staging } from "../services/S3Staging.ts"
import { Ssm } from "../services/Ssm.ts"
import { buildDockerImage, buildQueueName, defaultBuilderImage } from "../workflows/buildDockerImage.ts"
import { progressThroughOutput } from "./progressOutput.ts"
import { followJob } from "./batch/follow.ts"
import { BatchLayer } from "./batch/layer.ts"
import { awsService } from "./global.ts"
import { commaList } from "./parse.ts"

/** The base image of a Dockerfile generated from a cloud-init configuration. */
export const defaultBaseImage = "ubuntu:24.04"
/** Build contexts larger than this (before compression) are refused. */
export const contextLimitBytes = 512 * 1024 * 1024
export const contextLimitEntries = 20_000

const BuildLayer = Layer.mergeAll(
  awsService(Ssm, SsmLive),
  awsService(Ecr, EcrLive),
  awsService(S3Staging, S3StagingLive)
).pipe(Layer.provideMerge(BatchLayer))

const optionalString = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const optionalInt = (name: string, description: string) => Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex")

const usage = (message: string, hint?: string) => new UsageError({ message, ...(hint !== undefined ? { hint } : {}) })

/** The folder of the Dockerfile as tar entries (sorted; `.git` left out), with its listing for the digest. */
export const readContext = (dockerfilePath: string) =>
  Effect.gen(function*() {
    const root = dirname(dockerfilePath)
    const dockerfile = yield* Effect.tryPromise({
      try: () => readFile(dockerfilePath, "utf8"),
      catch: (e) =>
        usage(
          `cannot read --dockerfile ${dockerfilePath}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
          "Give the path of a Dockerfile; its folder is the build context"
        )
    })
    const entries: Array<TarEntry> = []
    const listing: Array<ContextListing> = []
    let bytes = 0
    const walk = async (dir: string): Promise<string | undefined> => {
      const names = (await readdir(dir)).sort()
      for (const name of names) {
        if (dir === root && name === ".git") continue
        const full = join(dir, name)
        const path = relative(root, full).split(sep).join("/")
        if (!tarPathFits(path)) return `the path ${path} is too long for the build context's tar archive`
        if (entries.length >= contextLimitEntries) return `the build context ${root} has more than ${contextLimitEntries} files and folders`
        const stat = await lstat(full)
        if (stat.isSymbolicLink()) {
          const target = await readlink(full)
          entries.push({ kind: "symlink", path, target })
          listing.push({ path, mode: 0o777, sha256: sha256(target) })
        } else if (stat.isDirectory()) {
          entries.push({ kind: "directory", path, mode: stat.mode })
          listing.push({ path, mode: stat.mode, sha256: "" })
          const problem = await walk(full)
          if (problem !== undefined) return problem
        } else if (stat.isFile()) {
          bytes += stat.size
          if (bytes > contextLimitBytes) return `the build context ${root} is larger than ${contextLimitBytes / 1024 / 1024} MiB`
          const content = await readFile(full)
          entries.push({ kind: "file", path, mode: stat.mode, content })
          listing.push({ path, mode: stat.mode, sha256: sha256(content) })
        }
      }
      return undefined
    }
    const problem = yield* Effect.tryPromise({
      try: () => walk(root),
      catch: (e) => usage(`cannot read the build context ${root}: ${(e as Error).message}`)
    })
    if (problem !== undefined) return yield* usage(problem, "Build from a smaller folder: the context is the Dockerfile's folder (.git is left out)")
    return { dockerfile, dockerfilePath: basename(dockerfilePath), entries, digest: configDigest(dockerfile, listing) }
  })

const asStrings = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : typeof value === "string" ? [value] : []

/** The cloud config of a build: the config's build_image packages and commands, then --cloud-config-data. */
export const buildCloudConfig = (section: Readonly<Record<string, unknown>>, data: Option.Option<string>) =>
  Effect.gen(function*() {
    const fromConfig: CloudConfig = {
      ...(asStrings(section.packages).length > 0 ? { packages: commaList(asStrings(section.packages)) } : {}),
      ...(asStrings(section.commands).length > 0 ? { runcmd: asStrings(section.commands) } : {})
    }
    const given = Option.isSome(data) ? yield* parseCloudConfig(data.value, "--cloud-config-data") : {}
    return mergeCloudConfigs([fromConfig, given])
  })

export const buildDockerImageCommand = Command.make(
  "build-docker-image",
  {
    name: Argument.String("name").pipe(Argument.withDescription("The ECR repository to push to (created when missing), e.g. tools/aligner.")),
    dockerfile: optionalString("dockerfile", "Build this Dockerfile; its folder (without .git) is the build context, uploaded to S3."),
    cloudConfigData: optionalString(
      "cloud-config-data",
      "Without --dockerfile: a cloud-init config (JSON or YAML) turned into a Dockerfile (packages, write_files, runcmd/commands), after the config's build_image section."
    ),
    baseImage: optionalString("base-image", `The FROM image of a Dockerfile made from a cloud-init config (default ${defaultBaseImage}); apt, dnf or apk after its name.`),
    tag: Flag.String("tag").pipe(Flag.withDescription("Also tag the image so (the config digest is always a tag; default latest); comma-separated or repeated."), Flag.atLeast(0)),
    keepUntagged: optionalInt("keep-untagged", "The repository's lifecycle policy keeps this many untagged images (default 10)."),
    builderImage: optionalString("builder-image", `The image of the build job (default ${defaultBuilderImage}); it needs sh, tar and the docker CLI.`),
    vcpus: optionalInt("vcpus", "vCPUs of the build job (default 2)."),
    memory: optionalInt("memory", "Memory of the build job in MiB (default 4096)."),
    queue: optionalString("queue", `An EC2 job queue for the build (default ${buildQueueName}, created with an EC2 compute environment when missing).`),
    noCache: Flag.Boolean("no-cache").pipe(Flag.withDescription("Build without Docker's layer cache."), Flag.withDefault(false)),
    pull: Flag.Boolean("pull").pipe(
      Flag.withDescription("Pull the FROM images even when the build host has them (default; --no-pull: use the host's copies)."),
      Flag.optional
    ),
    timeout: optionalInt("timeout", "Terminate the build after this many seconds (at least 60)."),
    watch: Flag.Boolean("watch").pipe(
      Flag.withDescription("Follow the build: print its status changes and log lines, then exit with its exit code (--no-watch: don't)."),
      Flag.optional
    ),
    terminateOnInterrupt: Flag.Boolean("terminate-on-interrupt").pipe(
      Flag.withDescription("With --watch: on Ctrl-C, terminate the build before exiting (at a terminal you are asked otherwise)."),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print the Dockerfile, the image and tags, and the exact RegisterJobDefinition and SubmitJob requests, as YAML (JSON with --json); change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("build-docker-image")(function*(raw) {
    const config = yield* AegeaConfig
    const input = withConfigDefaults(config.section("build-docker-image"), raw)
    const output = yield* Output
    if (!validRepositoryName(input.name)) {
      return yield* usage(
        `invalid repository name ${JSON.stringify(input.name)}`,
        "Use lowercase letters and digits, with . _ - between them and / between path parts (2 to 256 characters)"
      )
    }
    const extraTags = commaList(input.tag)
    const badTag = extraTags.find((t) => !validTag(t))
    if (badTag !== undefined) return yield* usage(`invalid --tag ${JSON.stringify(badTag)}`, "Use up to 128 letters, digits, _ . and -, starting with a letter, digit or _")
    if (Option.isSome(input.dockerfile) && Option.isSome(input.cloudConfigData)) {
      return yield* usage("--dockerfile and --cloud-config-data are two ways to say what to build: give one", "Drop --cloud-config-data, or --dockerfile")
    }
    const source = Option.isSome(input.dockerfile)
      ? yield* readContext(input.dockerfile.value)
      : yield* Effect.gen(function*() {
        const cloudConfig = yield* buildCloudConfig(config.section("build_image"), input.cloudConfigData)
        if (Object.keys(cloudConfig).length === 0) {
          return yield* usage(
            "nothing to build: no --dockerfile, no --cloud-config-data and no build_image section in the config",
            "Pass --dockerfile PATH, or --cloud-config-data '{\"packages\": [\"jq\"]}'"
          )
        }
        const generated = dockerfileFromCloudConfig(cloudConfig, Option.getOrElse(input.baseImage, () => defaultBaseImage))
        if (generated.ignored.length > 0) yield* output.warn(`cloud-config keys with no meaning in an image build were left out: ${generated.ignored.join(", ")}`)
        const content = Buffer.from(generated.text, "utf8")
        return {
          dockerfile: generated.text,
          dockerfilePath: "Dockerfile",
          entries: [{ kind: "file" as const, path: "Dockerfile", mode: 0o644, content }],
          digest: configDigest(generated.text, [{ path: "Dockerfile", mode: 0o644, sha256: sha256(content) }])
        }
      })
    const result = yield* buildDockerImage({
      name: input.name,
      dockerfile: source.dockerfile,
      dockerfilePath: source.dockerfilePath,
      context: source.entries,
      digest: source.digest,
      tags: extraTags.length > 0 ? extraTags : ["latest"],
      keepUntagged: Option.getOrElse(input.keepUntagged, () => 10),
      builderImage: Option.getOrElse(input.builderImage, () => defaultBuilderImage),
      vcpus: Option.getOrElse(input.vcpus, () => 2),
      memoryMiB: Option.getOrElse(input.memory, () => 4096),
      queue: Option.getOrElse(input.queue, () => buildQueueName),
      noCache: input.noCache,
      pull: Option.getOrElse(input.pull, () => true),
      timeoutSeconds: Option.getOrUndefined(input.timeout),
      dryRun: input.dryRun
    })
    if (Option.isNone(result.job)) {
      yield* output.document(result.plan)
      yield* output.info("dry run: nothing was created, uploaded or submitted")
      return
    }
    const job = result.job.value
    if (!Option.getOrElse(input.watch, () => false)) {
      yield* output.document({ jobId: job.id, jobName: job.name, image: result.plan.image, tags: result.plan.tags })
      yield* output.info(`follow the build with 'aegea batch watch ${job.id}'`)
      return
    }
    yield* followJob(job.id, { terminateOnInterrupt: Option.getOrElse(input.terminateOnInterrupt, () => false) })
    yield* output.info(`pushed ${result.plan.image}:${result.plan.tags.join(", ")}`)
  }, progressThroughOutput)
).pipe(
  Command.withDescription(
    "Build a container image in the account, with no local Docker: an AWS Batch job runs `docker build` in a privileged docker:cli container " +
      `on the host's Docker daemon (EC2 queue ${buildQueueName}, created when missing), from --dockerfile (its folder, uploaded to S3) or from a cloud-init ` +
      "configuration (build_image section, --cloud-config-data), and pushes to the ECR repository NAME (created with scan on push and a lifecycle policy), " +
      "tagged with the config digest and every --tag. The job logs in to ECR with its own role (aws ecr get-login-password): no token leaves AWS."
  ),
  Command.withShortDescription("Build a container image in the account (AWS Batch, no local Docker) and push it to ECR."),
  Command.withExamples([
    { command: "aegea build-docker-image tools/aligner --dockerfile ./aligner/Dockerfile --tag v1 --watch", description: "Build a folder and follow the build" },
    { command: "aegea build-docker-image jq-box --cloud-config-data '{\"packages\": [\"jq\", \"curl\"]}' --dry-run", description: "Print the generated Dockerfile and the job, creating nothing" }
  ]),
  Command.provide(BuildLayer)
)
