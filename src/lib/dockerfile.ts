/**
 * What `build-docker-image` builds and how: a Dockerfile generated from a cloud-init configuration
 * (packages -> one apt-get/dnf/apk install, write_files -> files written from base64 in RUN lines,
 * runcmd/commands -> RUN lines, in cloud-init's order: packages, files, commands), the image's
 * config digest (SHA-256 over the Dockerfile and the context listing), and the shell script the
 * privileged build job runs with the host's Docker daemon. Pure.
 */
import { createHash } from "node:crypto"
import { gunzipSync } from "node:zlib"
import type { CloudConfig } from "./cloudInit.ts"

export type PackageManager = "apt" | "dnf" | "yum" | "apk"

/** The package manager of a base image, from its name (apt unless it names an rpm or Alpine distribution). */
export const packageManagerOf = (baseImage: string): PackageManager => {
  const name = baseImage.toLowerCase().split("@")[0] ?? ""
  const repo = name.replace(/:[^/]*$/, "")
  const tag = name.slice(repo.length + 1)
  if (/(^|\/)alpine$/.test(repo)) return "apk"
  if (/(^|\/)amazonlinux$/.test(repo)) return tag.startsWith("2") && !tag.startsWith("2023") ? "yum" : "dnf"
  if (/(^|\/)(centos|fedora|rockylinux|almalinux|oraclelinux|ubi\d*(-minimal)?|rhel\w*)$/.test(repo)) return "dnf"
  return "apt"
}

const asList = (value: unknown): ReadonlyArray<unknown> =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]

/** A cloud-init package entry: "name" or ["name", "version"]. */
const packageSpec = (entry: unknown, manager: PackageManager): string | undefined => {
  if (typeof entry === "string") return entry
  if (Array.isArray(entry) && typeof entry[0] === "string") {
    const version = entry[1] === undefined ? undefined : String(entry[1])
    if (version === undefined) return entry[0]
    return manager === "apt" || manager === "apk" ? `${entry[0]}=${version}` : `${entry[0]}-${version}`
  }
  return undefined
}

const shellWord = (word: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

const installLine = (manager: PackageManager, packages: ReadonlyArray<string>): string => {
  const words = packages.map(shellWord).join(" ")
  switch (manager) {
    case "apt":
      return `RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o APT::Install-Recommends=false ${words} && rm -rf /var/lib/apt/lists/*`
    case "dnf":
      return `RUN dnf install -y ${words} && dnf clean all`
    case "yum":
      return `RUN yum install -y ${words} && yum clean all`
    case "apk":
      return `RUN apk add --no-cache ${words}`
  }
}

/** A RUN line: shell form for one-line strings, JSON exec form for argv lists and multi-line scripts. */
const runLine = (command: unknown): string | undefined => {
  if (typeof command === "string") {
    return command.includes("\n") ? `RUN ${JSON.stringify(["/bin/sh", "-c", command])}` : `RUN ${command}`
  }
  if (Array.isArray(command) && command.every((c) => typeof c === "string" || typeof c === "number")) {
    return `RUN ${JSON.stringify(command.map(String))}`
  }
  return undefined
}

/** The bytes of a write_files entry (plain, b64/base64, or gz+b64 as the Python aegea writes binaries). */
const fileContent = (file: Readonly<Record<string, unknown>>): Buffer => {
  const content = typeof file.content === "string" ? file.content : ""
  const encoding = typeof file.encoding === "string" ? file.encoding.toLowerCase() : ""
  if (encoding === "b64" || encoding === "base64") return Buffer.from(content, "base64")
  if (encoding === "gz+b64" || encoding === "gzip+base64" || encoding === "gz+base64" || encoding === "gzip+b64") {
    return gunzipSync(Buffer.from(content, "base64"))
  }
  return Buffer.from(content, "utf8")
}

const fileLines = (file: unknown): ReadonlyArray<string> => {
  if (typeof file !== "object" || file === null || Array.isArray(file)) return []
  const f = file as Readonly<Record<string, unknown>>
  if (typeof f.path !== "string" || f.path === "") return []
  const path = shellWord(f.path)
  const dir = shellWord(f.path.replace(/\/[^/]*$/, "") || "/")
  const mode = typeof f.permissions === "string" && /^0?[0-7]{3,4}$/.test(f.permissions) ? f.permissions : "0644"
  const append = f.append === true ? ">>" : ">"
  const owner = typeof f.owner === "string" && /^[A-Za-z0-9_.:-]+$/.test(f.owner) ? ` && chown ${f.owner} ${path}` : ""
  const base64 = fileContent(f).toString("base64")
  return [`RUN mkdir -p ${dir} && echo ${base64 === "" ? "''" : base64} | base64 -d ${append} ${path} && chmod ${mode} ${path}${owner}`]
}

/** The keys of a cloud config the generated Dockerfile carries out; others are reported as ignored. */
export const dockerfileKeys: ReadonlyArray<string> = ["packages", "write_files", "runcmd", "commands"]

/** A Dockerfile generated from a cloud config, and the config keys it left out. */
export interface GeneratedDockerfile {
  readonly text: string
  /** Cloud-config keys with no meaning in an image build (e.g. users, mounts), left out. */
  readonly ignored: ReadonlyArray<string>
}

/** A Dockerfile FROM `baseImage` that does what the cloud config asks (see the module comment). */
export const dockerfileFromCloudConfig = (config: CloudConfig, baseImage: string): GeneratedDockerfile => {
  const manager = packageManagerOf(baseImage)
  const packages = asList(config.packages).flatMap((p) => {
    const spec = packageSpec(p, manager)
    return spec === undefined ? [] : [spec]
  })
  const unique = packages.filter((p, i) => packages.indexOf(p) === i)
  const commands = [...asList(config.runcmd), ...asList(config.commands)]
  const lines = [
    "# Generated by aegea build-docker-image from a cloud-init configuration.",
    `FROM ${baseImage}`,
    ...(unique.length > 0 ? [installLine(manager, unique)] : []),
    ...asList(config.write_files).flatMap(fileLines),
    ...commands.flatMap((c) => {
      const line = runLine(c)
      return line === undefined ? [] : [line]
    })
  ]
  return { text: `${lines.join("\n")}\n`, ignored: Object.keys(config).filter((k) => !dockerfileKeys.includes(k)).sort() }
}

/** One entry of the build context as the digest sees it. */
export interface ContextListing {
  readonly path: string
  readonly mode: number
  /** SHA-256 of the content (files), or of the link target (symlinks); "" for directories. */
  readonly sha256: string
}

/** The config digest: the first 12 hex digits of SHA-256 over the Dockerfile and the sorted context listing. */
export const configDigest = (dockerfile: string, listing: ReadonlyArray<ContextListing>): string => {
  const hash = createHash("sha256").update("Dockerfile\0").update(dockerfile).update("\0")
  for (const entry of [...listing].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${entry.path}\0${(entry.mode & 0o7777).toString(8)}\0${entry.sha256}\n`)
  }
  return hash.digest("hex").slice(0, 12)
}

/** Docker tags: up to 128 of letters, digits, _ . -, not starting with . or -. */
export const validTag = (tag: string): boolean => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)

/** ECR repository names: lowercase, digits, and . _ - / between them, 2 to 256 characters. */
export const validRepositoryName = (name: string): boolean =>
  name.length >= 2 && name.length <= 256 && /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(name)

/** The environment variables the build script reads (set on the job; none of them is a secret). */
export interface BuildScriptEnvironment {
  /** s3://bucket/key of the context tarball. */
  readonly AEGEA_BUILD_CONTEXT: string
  /** The Dockerfile's path inside the context. */
  readonly AEGEA_BUILD_DOCKERFILE: string
  /** REGISTRY/REPOSITORY, without a tag. */
  readonly AEGEA_BUILD_IMAGE: string
  readonly AEGEA_BUILD_REGISTRY: string
  readonly AEGEA_BUILD_REGION: string
  /** Space-separated tags; the first is the config digest. */
  readonly AEGEA_BUILD_TAGS: string
  /** Extra `docker build` flags (e.g. --no-cache). */
  readonly AEGEA_BUILD_FLAGS: string
}

/**
 * The build job's script, for /bin/sh in a `docker:cli` container with the host's Docker socket:
 * install the AWS CLI when the image lacks it, fetch and unpack the context with the job role,
 * log Docker in to ECR (`aws ecr get-login-password` piped to `docker login --password-stdin`: the
 * token is never in the job's description, its environment or its log), build, tag and push.
 */
export const buildScript = [
  "set -eu",
  // the host's daemon, through the mounted socket (whatever the image's entrypoint guessed)
  "export DOCKER_HOST=unix:///var/run/docker.sock",
  "echo \"aegea build-docker-image: building $AEGEA_BUILD_IMAGE (tags: $AEGEA_BUILD_TAGS)\"",
  "if ! command -v aws >/dev/null 2>&1; then",
  "  if command -v apk >/dev/null 2>&1; then apk add --no-cache aws-cli >/dev/null;",
  "  elif command -v dnf >/dev/null 2>&1; then dnf install -y awscli >/dev/null;",
  "  elif command -v yum >/dev/null 2>&1; then yum install -y awscli >/dev/null;",
  "  else echo 'the builder image has no AWS CLI and no apk, dnf or yum to install it' >&2; exit 1; fi",
  "fi",
  "context=$(mktemp -d)",
  "aws s3 cp --only-show-errors \"$AEGEA_BUILD_CONTEXT\" \"$context.tar.gz\"",
  "tar -xzf \"$context.tar.gz\" -C \"$context\"",
  "aws ecr get-login-password --region \"$AEGEA_BUILD_REGION\" | docker login --username AWS --password-stdin \"$AEGEA_BUILD_REGISTRY\" >/dev/null",
  "set -- $AEGEA_BUILD_TAGS",
  "first=$1",
  "docker build $AEGEA_BUILD_FLAGS -t \"$AEGEA_BUILD_IMAGE:$first\" -f \"$context/$AEGEA_BUILD_DOCKERFILE\" \"$context\"",
  "for tag in \"$@\"; do [ \"$tag\" = \"$first\" ] || docker tag \"$AEGEA_BUILD_IMAGE:$first\" \"$AEGEA_BUILD_IMAGE:$tag\"; done",
  "for tag in \"$@\"; do docker push \"$AEGEA_BUILD_IMAGE:$tag\"; done",
  "docker logout \"$AEGEA_BUILD_REGISTRY\" >/dev/null 2>&1 || true",
  "rm -rf \"$context\" \"$context.tar.gz\"",
  "echo \"aegea build-docker-image: pushed $AEGEA_BUILD_IMAGE:$first\""
].join("\n")
