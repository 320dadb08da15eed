import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AggregateGroup } from '../domain/response-aggregates.ts';
import type { AggregateStore } from '../use-cases/aggregate-responses.ts';

/** Aggregate shards per group: a batch writes one, chosen at random, so none runs hot. */
export const AGGREGATE_SHARDS = 8;

/** Key of one shard of a daily aggregate (README, the aggregates table). */
export const aggregateKey = (group: AggregateGroup, shard: number, prefix = 'AGG') => ({
  pk: `${prefix}#${group.day}`,
  sk: `${group.region}#${group.service}#${group.touchpoint}#${group.channel}#${shard}`,
});

/** Key of the mark a counted stream batch leaves, by the batch's first sequence number. */
export const countedBatchKey = (firstSequence: string) => ({
  pk: `COUNTED#${firstSequence}`,
  sk: 'BATCH',
});

/** Stream records live 24 hours; a batch mark outlives every redelivery of its batch. */
const BATCH_MARK_DAYS = 3;

/**
 * Counts a batch of stream records into daily aggregates in one transaction: a mark for
 * the batch (its first and last sequence numbers, only if no mark is there) and one ADD
 * of the batch's sums per group, on one shard. All or nothing: a redelivered batch finds
 * its mark and is told how far it was already counted.
 */
export function dynamoDbAggregateStore(client: DynamoDBClient, TableName: string): AggregateStore {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async count({ firstSequence, lastSequence }, groups, invitationGroups, shard, countedAt) {
      const mark = {
        Put: {
          TableName,
          Item: {
            ...countedBatchKey(firstSequence),
            lastSequence,
            countedAt: countedAt.toISOString(),
            expiresAt: Math.floor(countedAt.getTime() / 1000) + BATCH_MARK_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
      const tagged = [
        ...groups.map((entry) => ({ ...entry, prefix: 'AGG' })),
        ...invitationGroups.map((entry) => ({ ...entry, prefix: 'INV' })),
      ];
      const adds = tagged.map(({ group, counts, prefix }) => {
        const names = Object.keys(counts);
        const dimensions = ['day', 'region', 'service', 'touchpoint', 'channel'] as const;
        return {
          Update: {
            TableName,
            Key: aggregateKey(group, shard, prefix),
            // Every name is a placeholder: day and region are reserved words in DynamoDB.
            UpdateExpression: `SET ${dimensions.map((name) => `#${name} = :${name}`).join(', ')} ADD ${names
              .map((_, index) => `#c${index} :c${index}`)
              .join(', ')}`,
            ExpressionAttributeNames: {
              ...Object.fromEntries(dimensions.map((name) => [`#${name}`, name])),
              ...Object.fromEntries(names.map((name, index) => [`#c${index}`, name])),
            },
            ExpressionAttributeValues: {
              ...Object.fromEntries(dimensions.map((name) => [`:${name}`, group[name]])),
              ...Object.fromEntries(names.map((name, index) => [`:c${index}`, counts[name]])),
            },
          },
        };
      });
      try {
        await documents.send(new TransactWriteCommand({ TransactItems: [mark, ...adds] }));
        return { counted: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          const { Item } = await documents.send(
            new GetCommand({
              TableName,
              Key: countedBatchKey(firstSequence),
              ConsistentRead: true,
            }),
          );
          if (Item) return { countedThrough: String(Item.lastSequence) };
        }
        if (reasons.some((reason) => reason.Code === 'TransactionConflict'))
          return { conflict: true };
        throw error;
      }
    },
  };
}
