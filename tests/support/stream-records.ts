import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { streamRecordEvent } from '#sandbox/triggers/dynamodb-stream-event-source.ts';

/**
 * A table's stream records that `keep` picks, from the start of every shard, in stream
 * order and shaped as Lambda gets them: what a test hands a stream function again, as a
 * redelivery would.
 */
export async function streamRecordsOf(
  app: { endpoint: string; region: string },
  tableName: string,
  keep: (record: _Record) => boolean,
) {
  const options = { endpoint: app.endpoint, region: app.region, credentials: emulatorCredentials };
  const client = new DynamoDBClient(options);
  const streams = new DynamoDBStreamsClient(options);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = Table?.LatestStreamArn ?? '';
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    const records = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      while (ShardIterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
        records.push(
          ...(page.Records ?? [])
            .filter(keep)
            .map((record) => streamRecordEvent(record, app.region, streamArn)),
        );
        if ((page.Records ?? []).length === 0) break;
        ShardIterator = page.NextShardIterator;
      }
    }
    return records;
  } finally {
    client.destroy();
    streams.destroy();
  }
}
