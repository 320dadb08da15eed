import { randomInt } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbAggregateStore } from '#shared/adapters/dynamodb/aggregate-store.ts';
import { newImageOf } from '#shared/adapters/dynamodb/stream-images.ts';
import { requireEnv } from '#shared/config.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { AGGREGATE_SHARDS } from '#shared/tables/aggregates.ts';
import { SURVEY_ITEMS } from '#shared/tables/surveys.ts';
import { aggregateResponses, type StreamedRecord } from '#shared/use-cases/aggregate-responses.ts';

const config = {
  tableName: requireEnv('AGGREGATES_TABLE_NAME'),
  timeZone: requireEnv('REPORTING_TIME_ZONE'),
};
const store = dynamoDbAggregateStore(new DynamoDBClient({}), config.tableName);
const SequenceNumber = z.string().check(z.regex(/^\d{1,40}$/));
const Dimensions = {
  invitationId: z.string().check(z.minLength(1)),
  region: z.string(),
  service: z.string(),
  touchpoint: z.string(),
};
/** An answered link's new image (docs/data-model.md, the surveys table). */
const AnsweredLinkSchema = z.object({
  ...Dimensions,
  answeredAt: z.iso.datetime({ offset: true }),
  answeredBy: z.enum(['web', 'sms']),
  channel: z.enum(['web', 'sms']),
  createdAt: z.optional(z.iso.datetime({ offset: true })),
  csat: z.optional(z.number()),
  nps: z.optional(z.number()),
});
/** A new web link, or an SMS invitation just sent: the invitation reached its customer. */
const SentInvitationSchema = z.object({
  ...Dimensions,
  channel: z.enum(['web', 'sms']),
  createdAt: z.iso.datetime({ offset: true }),
});

/**
 * What a stream record of the mapping's filter is: an answer, or an invitation sent. An
 * invitation without its creation time (made before links recorded it) cannot be tallied:
 * it is skipped, never allowed to hold back the answers in its batch.
 */
function classify(record: DynamoDBRecord): StreamedRecord | undefined {
  const image = newImageOf(record);
  const sequenceNumber = SequenceNumber.parse(record.dynamodb?.SequenceNumber);
  const answered = record.eventName === 'MODIFY' && image.sk === SURVEY_ITEMS.token;
  if (!answered) {
    const sent = SentInvitationSchema.safeParse(image);
    if (!sent.success) {
      logger.warn('invitation not tallied: no creation time', { sequenceNumber });
      metrics.addMetric('invitationsNotTallied', MetricUnit.Count, 1);
      return undefined;
    }
    return { kind: 'sent', sequenceNumber, ...sent.data };
  }
  const { answeredAt, answeredBy, channel, createdAt, ...link } = AnsweredLinkSchema.parse(image);
  return {
    kind: 'answered',
    ...link,
    submittedAt: answeredAt,
    channel: answeredBy,
    sequenceNumber,
    ...(createdAt ? { invitation: { createdAt, channel } } : {}),
  };
}

/**
 * New responses (links becoming answered) and invitations sent, from the surveys table's
 * stream → daily aggregates and response-rate tallies, exactly once and atomically per
 * batch. A batch fails whole and is retried by the event source from its first record;
 * the batch's mark makes the retry harmless.
 */
export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const responses = event.Records.map(classify).filter(
      (record): record is StreamedRecord => record !== undefined,
    );
    const result = await aggregateResponses(
      {
        store,
        timeZone: config.timeZone,
        shard: () => randomInt(AGGREGATE_SHARDS),
        now: () => new Date(),
      },
      responses,
    );
    logger.info('responses aggregated', result);
    metrics.addMetric('responsesCounted', MetricUnit.Count, result.counted);
    metrics.addMetric('responsesAlreadyCounted', MetricUnit.Count, result.duplicates);
  });
