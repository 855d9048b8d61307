// Seeding CloudWatch Logs in moto for test/integration and test/cli.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand
} from "@aws-sdk/client-cloudwatch-logs"
import { sdkConfig } from "./moto.ts"

export const putEvents = async (group: string, stream: string, events: ReadonlyArray<{ timestamp: number; message: string }>) => {
  const client = new CloudWatchLogsClient(sdkConfig())
  try {
    await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: [...events] }))
  } finally {
    client.destroy()
  }
}

export const seedLogs = async (seed: Record<string, Record<string, ReadonlyArray<{ timestamp: number; message: string }>>>) => {
  const client = new CloudWatchLogsClient(sdkConfig())
  try {
    for (const [group, streams] of Object.entries(seed)) {
      await client.send(new CreateLogGroupCommand({ logGroupName: group }))
      for (const [stream, events] of Object.entries(streams)) {
        await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
        if (events.length > 0) await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: [...events] }))
      }
    }
  } finally {
    client.destroy()
  }
}

