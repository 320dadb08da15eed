import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AggregateCounts, AggregateGroup } from '../domain/response-aggregates.ts';

/** Aggregate shards per group: a batch writes one, chosen at random, so none runs hot. */
export const AGGREGATE_SHARDS = 8;

/** Key of one shard of a daily aggregate (README, Data model: the surveys table). */
export const aggregateKey = (group: AggregateGroup, shard: number) => ({
  pk: `AGG#${group.day}`,
  sk: `${group.region}#${group.service}#${group.touchpoint}#${group.channel}#${shard}`,
});

export type CountOutcome =
  | { counted: string[] }
  | { alreadyCounted: string[] }
  | { conflict: true };

/**
 * Counts a batch of responses in their daily aggregates in one transaction: each response
 * is marked counted (only if it was not), each group's shard gets one ADD of the batch's
 * sums. All or nothing, so a retry can neither lose nor double a count.
 */
export function dynamoDbAggregateStore(client: DynamoDBClient, TableName: string) {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async count(
      invitationIds: string[],
      groups: { group: AggregateGroup; counts: AggregateCounts }[],
      shard: number,
      countedAt: Date,
    ): Promise<CountOutcome> {
      const marks = invitationIds.map((invitationId) => ({
        Update: {
          TableName,
          Key: { pk: `INVITATION#${invitationId}`, sk: 'RESPONSE' },
          UpdateExpression: 'SET countedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(countedAt)',
          ExpressionAttributeValues: { ':at': countedAt.toISOString() },
        },
      }));
      const adds = groups.map(({ group, counts }) => {
        const names = Object.keys(counts);
        const dimensions = ['day', 'region', 'service', 'touchpoint', 'channel'] as const;
        return {
          Update: {
            TableName,
            Key: aggregateKey(group, shard),
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
        await documents.send(new TransactWriteCommand({ TransactItems: [...marks, ...adds] }));
        return { counted: invitationIds };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const already = invitationIds.filter(
          (_, index) => reasons[index]?.Code === 'ConditionalCheckFailed',
        );
        if (already.length > 0) return { alreadyCounted: already };
        if (reasons.some((reason) => reason.Code === 'TransactionConflict'))
          return { conflict: true };
        throw error;
      }
    },
  };
}
