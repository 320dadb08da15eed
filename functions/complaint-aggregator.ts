import { randomInt } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbComplaintAggregateStore } from '#shared/adapters/dynamodb/complaint-aggregate-store.ts';
import { newImageOf, oldImageOf } from '#shared/adapters/dynamodb/stream-images.ts';
import { requireEnv } from '#shared/config.ts';
import { complaintChange } from '#shared/domain/complaint-aggregates.ts';
import { ComplaintEventSchema } from '#shared/domain/complaint-event.ts';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { AGGREGATE_SHARDS } from '#shared/tables/aggregates.ts';
import { AGGREGATED_ATTRIBUTE } from '#shared/tables/complaints.ts';
import {
  aggregateComplaintChanges,
  type StreamedStateChange,
} from '#shared/use-cases/aggregate-complaints.ts';

const config = {
  tableName: requireEnv('AGGREGATES_TABLE_NAME'),
  timeZone: requireEnv('REPORTING_TIME_ZONE'),
};
const store = dynamoDbComplaintAggregateStore(new DynamoDBClient({}), config.tableName);
const SequenceNumber = z.string().check(z.regex(/^\d{1,40}$/));
const instant = z.iso.datetime({ offset: true });
const { shape } = ComplaintEventSchema;

/** A complaint's STATE item as the processor writes it (docs/data-model.md), counted fields. */
const StoredStateSchema = z.object({
  complaintId: z.string(),
  kind: shape.kind,
  category: shape.category,
  region: z.string(),
  service: shape.service,
  via: shape.via,
  status: z.enum(['open', 'resolved', 'closed']),
  createdAt: z.optional(instant),
  acknowledgedAt: z.optional(instant),
  escalatedAt: z.optional(instant),
  firstResolvedAt: z.optional(instant),
  lastResolvedAt: z.optional(instant),
  reopenedAt: z.optional(instant),
  reopenCount: z.number(),
  closedAt: z.optional(instant),
  lastEventAt: instant,
  eventCount: z.number(),
});

/** The TTL's deletions are the DynamoDB service's own (userIdentity in the record). */
const expiredByTtl = (record: DynamoDBRecord) =>
  record.eventName === 'REMOVE' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';

/** An image's state when the aggregates count it (it carries the mark), else nothing. */
function countedState(image: Record<string, unknown> | undefined): ComplaintState | undefined {
  if (image?.[AGGREGATED_ATTRIBUTE] !== true) return undefined;
  return StoredStateSchema.parse(image);
}

/**
 * A STATE's stream record as its counted images. A TTL expiry counts nothing: counters
 * are anonymous and kept when raw data goes, as the response side's are.
 */
function classify(record: DynamoDBRecord): StreamedStateChange | undefined {
  if (expiredByTtl(record)) return undefined;
  const sequenceNumber = SequenceNumber.parse(record.dynamodb?.SequenceNumber);
  const old = countedState(oldImageOf(record));
  const next = record.eventName === 'REMOVE' ? undefined : countedState(newImageOf(record));
  return { sequenceNumber, ...(old ? { old } : {}), ...(next ? { new: next } : {}) };
}

/**
 * Complaint STATE changes from the complaints table's stream → monthly complaint
 * aggregates, exactly once: what the new image adds less what the old one added. A batch
 * fails whole and is retried by the event source from its first record; the chunk marks
 * make the retry harmless.
 */
export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const changes = event.Records.map(classify).filter(
      (record): record is StreamedStateChange => record !== undefined,
    );
    const result = await aggregateComplaintChanges(
      {
        store,
        change: (old, next) => complaintChange(old, next, config.timeZone),
        shard: () => randomInt(AGGREGATE_SHARDS),
        now: () => new Date(),
      },
      changes,
    );
    logger.info('complaint changes aggregated', {
      ...result,
      expired: event.Records.length - changes.length,
    });
    metrics.addMetric('complaintChangesCounted', MetricUnit.Count, result.counted);
    metrics.addMetric('complaintChangesAlreadyCounted', MetricUnit.Count, result.duplicates);
  });
