// Only the ECS client pieces aegea uses (see ./ec2.ts for why): imported lazily by EcsLive.
export {
  CreateClusterCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ExecuteCommandCommand,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand
} from "@aws-sdk/client-ecs"
export type {
  Cluster as SdkCluster,
  RegisterTaskDefinitionCommandInput,
  RunTaskCommandInput,
  Task as SdkTask
} from "@aws-sdk/client-ecs"
