import { randomInt } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  AGGREGATE_SHARDS,
  dynamoDbAggregateStore,
} from '#shared/adapters/dynamodb-aggregate-store.ts';
import { requireEnv } from '#shared/config.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { aggregateResponses } from '#shared/use-cases/aggregate-responses.ts';

const config = {
  tableName: requireEnv('AGGREGATES_TABLE_NAME'),
  timeZone: requireEnv('REPORTING_TIME_ZONE'),
};
const store = dynamoDbAggregateStore(new DynamoDBClient({}), config.tableName);
const SequenceNumber = z.string().check(z.regex(/^\d{1,40}$/));
/** An answered link's new image (README, Data model: the surveys table). */
const AnsweredLinkSchema = z.object({
  invitationId: z.string().check(z.minLength(1)),
  answeredAt: z.iso.datetime({ offset: true }),
  answeredBy: z.enum(['web', 'sms']),
  region: z.string(),
  service: z.string(),
  touchpoint: z.string(),
  csat: z.optional(z.number()),
  nps: z.optional(z.number()),
});

/**
 * New responses (links becoming answered, from the surveys table's stream) → daily
 * aggregates, exactly once and atomically per batch. A batch fails whole and is retried
 * by the event source from its first record; the batch's mark makes the retry harmless.
 */
export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const responses = event.Records.map((record) => {
      const { answeredAt, answeredBy, ...link } = AnsweredLinkSchema.parse(
        unmarshall((record.dynamodb?.NewImage ?? {}) as never),
      );
      return {
        ...link,
        submittedAt: answeredAt,
        channel: answeredBy,
        sequenceNumber: SequenceNumber.parse(record.dynamodb?.SequenceNumber),
      };
    });
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
