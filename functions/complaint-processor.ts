import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDbComplaintStore } from '#shared/adapters/dynamodb/complaint-store.ts';
import { requireEnv, requirePositiveInteger } from '#shared/config.ts';
import { ComplaintMessageSchema } from '#shared/domain/complaint-event.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';

const config = {
  tableName: requireEnv('COMPLAINTS_TABLE_NAME'),
  reportingTimeZone: requireEnv('REPORTING_TIME_ZONE'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
};
const store = dynamoDbComplaintStore({
  client: new DynamoDBClient({}),
  tableName: config.tableName,
  reportingTimeZone: config.reportingTimeZone,
  retentionDays: config.retentionDays,
});
const processor = new BatchProcessor(EventType.SQS);

/** One record; a record that does not parse fails alone, is retried, then dead-lettered. */
async function applyRecord(record: SQSRecord): Promise<void> {
  const message = parseMessage(record);
  const { event } = message;
  const result = await recordComplaintEvent(store, message);
  logger.info('complaint event processed', {
    complaintId: event.complaintId,
    eventId: event.eventId,
    type: event.type,
    outcome: result.outcome,
  });
  metrics.addMetric(
    result.outcome === 'applied' ? 'complaintEventsApplied' : 'complaintEventsDuplicate',
    MetricUnit.Count,
    1,
  );
}

function parseMessage(record: SQSRecord) {
  try {
    return ComplaintMessageSchema.parse(JSON.parse(record.body));
  } catch (error) {
    // The reason names fields, never their values: the body may carry a customer reference.
    logger.error('complaint message cannot be applied', {
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
      reason: error instanceof SyntaxError ? 'not JSON' : 'does not match the message schema',
    });
    throw error;
  }
}

/** SQS complaint events → complaint state in DynamoDB, with partial batch failures. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, applyRecord, processor, { context }),
  );
