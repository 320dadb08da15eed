import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStreamMapping } from '../emulator/provision.ts';
import type { LambdaHost } from '../lambda/lambda-host.ts';
import { matchesPattern } from './event-filter.ts';
import { type PollingLoop, pollContinuously } from './polling-loop.ts';

/** Records per GetRecords call, DynamoDB Streams' maximum; batches are cut from them. */
const RECORDS_PER_READ = 1000;
/** How long a stream's list of shards is used before it is described again. */
const SHARD_LIST_MS = 10_000;

export interface DynamoDbStreamEventSourceOptions {
  mapping: LocalStreamMapping;
  host: LambdaHost;
  streams: DynamoDBStreamsClient;
  sqs: SQSClient;
  region: string;
  onBatch?: (summary: { records: number; failed: number; error?: string }) => void;
}

/**
 * Reads a DynamoDB stream as Lambda's event source mapping does: each shard in order,
 * records filtered by the mapping's FilterCriteria, batches retried (from the first
 * reported failure, with ReportBatchItemFailures) up to MaximumRetryAttempts, then
 * described to the on-failure destination and passed over.
 */
export class DynamoDbStreamEventSource {
  private readonly options: DynamoDbStreamEventSourceOptions;
  /** The last sequence number read from each shard: where the next read starts. */
  private readonly positions = new Map<string, string>();
  /** The iterator the last read of each shard handed back, kept while reads find records. */
  private readonly iterators = new Map<string, string>();
  /** The stream's shards as last described, and when. */
  private shards: { ids: string[]; at: number } | undefined;
  private loop: PollingLoop | undefined;

  constructor(options: DynamoDbStreamEventSourceOptions) {
    this.options = options;
  }

  start(): void {
    this.loop ??= pollContinuously({
      // As Lambda reads a shard: four times a second, and again at once only while a full
      // read says there is a backlog. (Reading again after every record would flood the
      // emulator with stream reads while the functions are writing.)
      poll: async () => {
        const read = await this.pollOnce();
        return read >= RECORDS_PER_READ ? read : 0;
      },
      idleMs: 250,
      onError: (error) => this.options.onBatch?.({ records: 0, failed: 0, error }),
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    this.loop = undefined;
  }

  /** Reads every shard once and delivers what passes the filter; answers how many it read. */
  async pollOnce(_waitSeconds = 0): Promise<number> {
    const { mapping, streams } = this.options;
    let handled = 0;
    for (const shardId of await this.shardIds()) {
      // Under load, one call a read: the iterator the last read handed back. After a read
      // that found nothing, a fresh iterator from the last position: an emulator that
      // restores whole tables after a cancelled transaction (moto without the sandbox's
      // launcher) strands an iterator held across reads.
      const held = this.iterators.get(shardId);
      this.iterators.delete(shardId);
      const ShardIterator = held ?? (await this.freshIterator(shardId));
      if (!ShardIterator) continue;
      const { Records = [], NextShardIterator } = await streams.send(
        new GetRecordsCommand({ ShardIterator, Limit: RECORDS_PER_READ }),
      );
      if (Records.length > 0 && NextShardIterator) this.iterators.set(shardId, NextShardIterator);
      const last = Records.at(-1)?.dynamodb?.SequenceNumber;
      if (last) this.positions.set(shardId, last);
      const events = Records.map((record) => this.toEvent(record));
      const passing = mapping.filterPatterns.length
        ? events.filter((event) =>
            mapping.filterPatterns.some((pattern) => matchesPattern(event, pattern)),
          )
        : events;
      for (let start = 0; start < passing.length; start += mapping.batchSize) {
        await this.deliver(shardId, passing.slice(start, start + mapping.batchSize));
      }
      // Filtered-out records count too: they were read, and the shard moved past them.
      handled += Records.length;
    }
    return handled;
  }

  /** The stream's shard ids, described again once the last description is SHARD_LIST_MS old. */
  private async shardIds() {
    if (!this.shards || Date.now() - this.shards.at > SHARD_LIST_MS) {
      const { StreamDescription } = await this.options.streams.send(
        new DescribeStreamCommand({ StreamArn: this.options.mapping.streamArn }),
      );
      this.shards = {
        ids: (StreamDescription?.Shards ?? []).map((shard) => shard.ShardId ?? ''),
        at: Date.now(),
      };
    }
    return this.shards.ids;
  }

  /** An iterator just after the last record read from a shard, or at the starting position. */
  private async freshIterator(shardId: string) {
    const { mapping, streams } = this.options;
    const position = this.positions.get(shardId);
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: mapping.streamArn,
        ShardId: shardId,
        ...(position
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position }
          : { ShardIteratorType: mapping.startingPosition }),
      }),
    );
    return ShardIterator;
  }

  private async deliver(
    shardId: string,
    records: ReturnType<DynamoDbStreamEventSource['toEvent']>[],
  ) {
    const { mapping, host } = this.options;
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      // A stream passes no X-Ray trace on: an actively traced function starts its own.
      const invocation = await host.invoke({ Records: pending }, { traceRoot: true });
      let failedFrom = -1;
      if (!invocation.ok) failedFrom = 0;
      else if (mapping.reportBatchItemFailures) {
        const failures =
          (invocation.result as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)
            ?.batchItemFailures ?? [];
        const indexes = failures.map((failure) =>
          pending.findIndex((record) => record.dynamodb.SequenceNumber === failure.itemIdentifier),
        );
        if (indexes.length > 0) failedFrom = indexes.includes(-1) ? 0 : Math.min(...indexes);
      }
      this.options.onBatch?.({
        records: pending.length,
        failed: failedFrom < 0 ? 0 : pending.length - failedFrom,
        ...(invocation.ok ? {} : { error: invocation.error.errorMessage }),
      });
      if (failedFrom < 0) return;
      pending = pending.slice(failedFrom);
      if (mapping.maximumRetryAttempts >= 0 && attempt >= mapping.maximumRetryAttempts) {
        await this.sendToFailureDestination(shardId, pending);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }

  private async sendToFailureDestination(
    shardId: string,
    records: { dynamodb: { SequenceNumber?: string } }[],
  ) {
    const { mapping, sqs } = this.options;
    if (!mapping.onFailureQueueUrl) return;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: mapping.onFailureQueueUrl,
        MessageBody: JSON.stringify({
          requestContext: {
            functionArn: mapping.functionArn,
            condition: 'RetryAttemptsExhausted',
            approximateInvokeCount: mapping.maximumRetryAttempts + 1,
          },
          version: '1.0',
          timestamp: new Date().toISOString(),
          DDBStreamBatchInfo: {
            shardId,
            startSequenceNumber: records[0]?.dynamodb.SequenceNumber,
            endSequenceNumber: records.at(-1)?.dynamodb.SequenceNumber,
            batchSize: records.length,
            streamArn: mapping.streamArn,
          },
        }),
      }),
    );
  }

  private toEvent(record: StreamRecord) {
    return streamRecordEvent(record, this.options.region, this.options.mapping.streamArn);
  }
}

/** A record read from a DynamoDB stream as Lambda hands it to a function. */
export function streamRecordEvent(record: StreamRecord, region: string, streamArn: string) {
  const { dynamodb } = record;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...dynamodb,
      ApproximateCreationDateTime: dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
      SequenceNumber: dynamodb?.SequenceNumber,
    },
    eventSourceARN: streamArn,
  };
}
