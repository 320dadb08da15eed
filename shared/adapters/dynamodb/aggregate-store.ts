import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { aggregateKeys } from '../../tables/aggregates.ts';
import type { AggregateStore } from '../../use-cases/aggregate-responses.ts';
import { transactOnce } from './transact-once.ts';

/** Stream records live 24 hours; a batch mark outlives every redelivery of its batch. */
const BATCH_MARK_DAYS = 3;

/**
 * Counts a batch of stream records into daily aggregates in one transaction: a mark for
 * the batch (its first and last sequence numbers, only if no mark is there) and one ADD
 * of the batch's sums per group, each on its shard's key. All or nothing: a redelivered
 * batch finds its mark and is told how far it was already counted.
 */
export function dynamoDbAggregateStore(client: DynamoDBClient, TableName: string): AggregateStore {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async count({ firstSequence, lastSequence }, groups, invitationGroups, countedAt) {
      const mark = {
        Put: {
          TableName,
          Item: {
            ...aggregateKeys.countedBatch(firstSequence),
            lastSequence,
            countedAt: countedAt.toISOString(),
            expiresAt: Math.floor(countedAt.getTime() / 1000) + BATCH_MARK_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
      const tagged = [
        ...groups.map((entry) => ({ ...entry, kind: 'responses' as const })),
        ...invitationGroups.map((entry) => ({ ...entry, kind: 'invitations' as const })),
      ];
      const adds = tagged.map(({ group, counts, kind, shard }) => {
        const names = Object.keys(counts);
        const dimensions = ['day', 'region', 'service', 'touchpoint', 'channel'] as const;
        return {
          Update: {
            TableName,
            Key: aggregateKeys.counterShard(kind, group, shard),
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
      const outcome = await transactOnce(documents, [mark, ...adds], {
        TableName,
        Key: aggregateKeys.countedBatch(firstSequence),
      });
      if ('written' in outcome) return { counted: true };
      if (outcome.mark) return { countedThrough: String(outcome.mark.lastSequence) };
      const reasons = outcome.refused.CancellationReasons ?? [];
      if (reasons.some((reason) => reason.Code === 'TransactionConflict'))
        return { conflict: true };
      throw outcome.refused;
    },
  };
}
