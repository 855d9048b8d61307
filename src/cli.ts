/** The whole CLI: the root command (src/root.ts) with every command family. No logic here. */
import * as Command from "effect/cli/Command"
import { ec2Commands } from "./cliEc2.ts"
import { batchCommand } from "./commands/batch/index.ts"
import { buildDockerImageCommand } from "./commands/buildDockerImage.ts"
import { completeCommand } from "./commands/complete.ts"
import { configCommand } from "./commands/config.ts"
import { auditCommand } from "./commands/audit.ts"
import { costCommand } from "./commands/cost.ts"
import { efsCommand } from "./commands/efs.ts"
import { billingCommand } from "./commands/billing.ts"
import { pricingCommand } from "./commands/pricing.ts"
import { ecsCommand } from "./commands/ecs.ts"
import { ecrCommand } from "./commands/ecr.ts"
import { grepCommand } from "./commands/grep.ts"
import { helpCommand } from "./commands/help.ts"
import { launchCommand } from "./commands/launch.ts"
import { buildAmiCommand } from "./commands/buildAmi.ts"
import { listingCommands } from "./commands/listings.ts"
import { aliasCommands } from "./commands/aliases.ts"
import { logsCommand } from "./commands/logs.ts"
import { secretsCommand } from "./commands/secrets.ts"
import { rdsCommand } from "./commands/rds.ts"
import { iamCommand } from "./commands/iam.ts"
import { zonesCommand } from "./commands/zones.ts"
import { elbCommand } from "./commands/elb.ts"
import { rmCommand } from "./commands/rm.ts"
import { renameCommand } from "./commands/rename.ts"
import { ebsCommand } from "./commands/ebs.ts"
import { lambdaCommand } from "./commands/lambda.ts"
import { sfnCommand } from "./commands/sfn.ts"
import { s3Command } from "./commands/s3.ts"
import { alarmsCommand, putAlarmCommand } from "./commands/alarms.ts"
import { flowLogsCommand } from "./commands/flowLogs.ts"
import { cloudtrailCommand } from "./commands/cloudtrail.ts"
import { topCommand } from "./commands/top.ts"
import { sshCommands } from "./commands/sshFamily.ts"
import { sessionCommand } from "./commands/session.ts"
import { globalFlags, rootCommand, withCommandSection } from "./root.ts"

export { version } from "./root.ts"

export const cli = rootCommand.pipe(
  Command.withSubcommands([
    ...ec2Commands,
    launchCommand,
    buildAmiCommand,
    rmCommand,
    renameCommand,
    ebsCommand,
    ...sshCommands,
    sessionCommand,
    batchCommand,
    buildDockerImageCommand,
    ecsCommand,
    ecrCommand,
    logsCommand,
    grepCommand,
    costCommand,
    billingCommand,
    pricingCommand,
    efsCommand,
    auditCommand,
    secretsCommand,
    rdsCommand,
    iamCommand,
    zonesCommand,
    elbCommand,
    lambdaCommand,
    sfnCommand,
    s3Command,
    alarmsCommand,
    putAlarmCommand,
    flowLogsCommand,
    cloudtrailCommand,
    topCommand,
    ...listingCommands,
    ...aliasCommands,
    configCommand,
    helpCommand,
    completeCommand((): unknown => cli)
  ]),
  Command.withGlobalFlags(globalFlags),
  withCommandSection
)
