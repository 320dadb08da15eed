import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { aggregateKeys, complaintAggregateKeys } from '../../tables/aggregates.ts';
import type {
  ChunkPosition,
  ComplaintAggregateStore,
} from '../../use-cases/aggregate-complaints.ts';
import { transactOnce } from './transact-once.ts';

/** Stream records live 24 hours; a chunk mark outlives every redelivery of its batch. */
const CHUNK_MARK_DAYS = 3;

/** A chunk mark as stored: how far its chunk reached, and the records it held. */
const StoredMarkSchema = z.object({
  lastSequence: z.string(),
  lastPart: z.number(),
  sequences: z.array(z.string()),
});

/**
 * Complaint aggregates in DynamoDB: one transaction per chunk of a stream batch, holding
 * the chunk's mark (on condition that none is there) and one ADD of the chunk's sums per
 * counter item, all on one shard. All or nothing: a redelivered chunk finds its mark and
 * is told how far it was counted.
 */
export function dynamoDbComplaintAggregateStore(
  client: DynamoDBClient,
  TableName: string,
): ComplaintAggregateStore {
  const documents = DynamoDBDocumentClient.from(client);
  const markItem = (
    chunk: { first: ChunkPosition; last: ChunkPosition; sequences: readonly string[] },
    countedAt: Date,
  ) => ({
    ...aggregateKeys.countedComplaintChunk(chunk.first),
    lastSequence: chunk.last.sequence,
    lastPart: chunk.last.part,
    sequences: [...chunk.sequences],
    countedAt: countedAt.toISOString(),
    expiresAt: Math.floor(countedAt.getTime() / 1000) + CHUNK_MARK_DAYS * 86_400,
  });
  return {
    async count(chunk, changes, shard, countedAt) {
      const mark = {
        Put: {
          TableName,
          Item: markItem(chunk, countedAt),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
      const adds = changes.map(({ pk, sk, counts }) => {
        const names = Object.keys(counts);
        return {
          Update: {
            TableName,
            Key: { pk: complaintAggregateKeys.shardOf(pk, shard), sk },
            UpdateExpression: `ADD ${names.map((_, index) => `#c${index} :c${index}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(
              names.map((name, index) => [`#c${index}`, name]),
            ),
            ExpressionAttributeValues: Object.fromEntries(
              names.map((name, index) => [`:c${index}`, counts[name]]),
            ),
          },
        };
      });
      const outcome = await transactOnce(documents, [mark, ...adds], {
        TableName,
        Key: aggregateKeys.countedComplaintChunk(chunk.first),
      });
      if ('written' in outcome) return { counted: true };
      if (outcome.mark) {
        const stored = StoredMarkSchema.parse(outcome.mark);
        return {
          countedThrough: { sequence: stored.lastSequence, part: stored.lastPart },
          sequences: stored.sequences,
        };
      }
      const reasons = outcome.refused.CancellationReasons ?? [];
      if (reasons.some((reason) => reason.Code === 'TransactionConflict'))
        return { conflict: true };
      throw outcome.refused;
    },

    async continueMark(chunk, countedAt) {
      try {
        await documents.send(
          new PutCommand({
            TableName,
            Item: markItem(chunk, countedAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        // Marked already: by an earlier delivery that ended at the same record.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
