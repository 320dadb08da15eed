import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { addIncrements, type CounterItems, nonZero } from '../../domain/complaint-aggregates.ts';
import type {
  ComplaintCounterReader,
  CounterReadBatch,
} from '../../indicators/complaint-figures.ts';
import { AGGREGATE_SHARDS, complaintAggregateKeys } from '../../tables/aggregates.ts';
import { bounded } from './bounded.ts';

/** BatchGetItem's limit of keys per call. */
const KEYS_PER_BATCH_GET = 100;
/** Requests in flight at once: enough to hide latency, few enough for one partition. */
const CONCURRENT_REQUESTS = 16;
/** A BatchGetItem's unprocessed keys are asked again this many times, backing off. */
const MAX_BATCH_GET_ATTEMPTS = 8;

/** DynamoDB left keys unread after every retry (throttled); the build fails and is retried. */
export class CounterReadIncompleteError extends Error {
  override name = 'CounterReadIncompleteError';
}

/** A stored item's counters: every numeric attribute but the keys. */
function countersOf(item: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name !== 'pk' && name !== 'sk' && typeof value === 'number') counts[name] = value;
  }
  return counts;
}

/**
 * Reads complaint counter items from the aggregates table for the report builder: each
 * range a Query of every shard of its partition, each key a BatchGetItem of every shard,
 * shards summed per item, counters at zero left out. What a report reads grows with months ×
 * groups and the quantile refinements, never with the number of complaints.
 */
export function dynamoDbComplaintCounterReader(
  client: DynamoDBClient,
  TableName: string,
): ComplaintCounterReader {
  const documents = DynamoDBDocumentClient.from(client);
  const shards = Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => shard);

  const queryRange = async (range: CounterReadBatch['ranges'][number], shard: number) => {
    const found: Record<string, unknown>[] = [];
    for await (const page of paginateQuery(
      { client: documents },
      {
        TableName,
        // A key value cannot be empty: a range from '' is every sort key up to `to`.
        KeyConditionExpression: `pk = :pk AND sk ${range.from === '' ? '<= :to' : 'BETWEEN :from AND :to'}`,
        ExpressionAttributeValues: {
          ':pk': complaintAggregateKeys.shardOf(range.pk, shard),
          ...(range.from === '' ? {} : { ':from': range.from }),
          ':to': range.to,
        },
      },
    )) {
      found.push(...(page.Items ?? []));
    }
    return found;
  };

  const getKeys = async (keys: { pk: string; sk: string }[]) => {
    const found: Record<string, unknown>[] = [];
    let request: BatchGetCommandInput['RequestItems'] = { [TableName]: { Keys: keys } };
    for (let attempt = 1; request && Object.keys(request).length > 0; attempt += 1) {
      if (attempt > MAX_BATCH_GET_ATTEMPTS) {
        throw new CounterReadIncompleteError(
          `${request[TableName]?.Keys?.length ?? 0} counter items stayed unread`,
        );
      }
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const answer: BatchGetCommandOutput = await documents.send(
        new BatchGetCommand({ RequestItems: request }),
      );
      found.push(...(answer.Responses?.[TableName] ?? []));
      request = answer.UnprocessedKeys;
    }
    return found;
  };

  return {
    async read(batch) {
      const shardedKeys = batch.keys.flatMap((key) =>
        shards.map((shard) => ({ pk: complaintAggregateKeys.shardOf(key.pk, shard), sk: key.sk })),
      );
      const tasks: (() => Promise<Record<string, unknown>[]>)[] = [
        ...batch.ranges.flatMap((range) => shards.map((shard) => () => queryRange(range, shard))),
      ];
      for (let start = 0; start < shardedKeys.length; start += KEYS_PER_BATCH_GET) {
        const slice = shardedKeys.slice(start, start + KEYS_PER_BATCH_GET);
        tasks.push(() => getKeys(slice));
      }
      const items: CounterItems = new Map();
      for (const item of (await bounded(tasks, CONCURRENT_REQUESTS)).flat()) {
        const pk = complaintAggregateKeys.unsharded(String(item.pk));
        addIncrements(items, [{ pk, sk: String(item.sk), counts: countersOf(item) }]);
      }
      // A counter taken back to zero stays stored (ADD leaves it), and shards can cancel
      // out: left out, as an item with no counter left, like the sum of contributions.
      return nonZero(items);
    },
  };
}
