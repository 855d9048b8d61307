/**
 * The built-in defaults: the lowest config layer, shown as source "defaults" by `aegea config show`.
 * A plain object (not YAML text) so that a command run without config files never loads the YAML
 * parser. Sections are keyed by command path ("batch submit" -> batch_submit) and flag name in
 * snake_case. Keep it small: a default here is a promise every command must honour. Override any
 * key in ~/.config/aegea/config.yml (`aegea config set KEY VALUE`).
 */
export const defaultsSource = "defaults"

export const defaults = {
  output: "table",
  ls: {},
  launch: {
    instance_type: "t3a.micro",
    iam_role: "aegea.launch",
    ubuntu_release: "24.04",
    amazon_linux_release: "2023"
  },
  batch_submit: {
    image: "ubuntu",
    queue: "aegea_batch",
    vcpus: 1,
    // Fargate's smallest memory for 1 vCPU.
    memory: 2048
  },
  ecs_run: {
    cluster: "aegea_ecs",
    image: "ubuntu",
    fargate_cpu: "256",
    fargate_memory: "512"
  }
} as const
