import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbCaseStore } from '#shared/adapters/dynamodb/case-store.ts';
import { newImageOf } from '#shared/adapters/dynamodb/stream-images.ts';
import { sqsCaseDeliveryQueue } from '#shared/adapters/sqs/case-deliveries.ts';
import { requireEnv, requireJsonMap, requirePositiveInteger } from '#shared/config.ts';
import { followUpRules, TOUCHPOINTS } from '#shared/domain/survey-definitions.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { openCaseForAnswer } from '#shared/use-cases/open-follow-up-case.ts';

const config = {
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
  queueUrl: requireEnv('CASE_DELIVERY_QUEUE_URL'),
  // The endpoints that take case.opened, by name (their URLs are the delivery function's).
  endpoints: [...requireJsonMap('CASE_OPENED_ENDPOINTS').keys()],
};
const dependencies = {
  store: dynamoDbCaseStore({
    client: new DynamoDBClient({}),
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  }),
  queue: sqsCaseDeliveryQueue(new SQSClient({}), config.queueUrl),
  rules: followUpRules(),
  endpoints: config.endpoints,
  now: () => new Date(),
};
/** An answered link's new image (docs/data-model.md, the surveys table). */
const AnsweredLinkSchema = z.object({
  invitationId: z.string().check(z.minLength(1)),
  touchpoint: z.enum(TOUCHPOINTS),
  answeredBy: z.enum(['web', 'sms']),
  region: z.string(),
  service: z.string(),
  answeredAt: z.iso.datetime({ offset: true }),
  csat: z.number(),
  nps: z.optional(z.number()),
  comment: z.optional(z.string()),
});
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** One answer that the mapping's filter let through: the case it calls for, once. */
async function openCase(record: DynamoDBRecord) {
  const link = AnsweredLinkSchema.parse(newImageOf(record));
  const outcome = await openCaseForAnswer(dependencies, link);
  logger.info('follow-up case', { invitationId: link.invitationId, outcome });
  if (outcome === 'opened') metrics.addMetric('followUpCasesOpened', MetricUnit.Count, 1);
}

/**
 * Answers that need a follow-up, from the surveys table's stream (filtered by the
 * touchpoints' rules) → one case per invitation, its deliveries queued, with partial
 * batch responses. The
 * customer's reference and comment are never logged.
 */
export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, openCase, processor, { context }),
  );
