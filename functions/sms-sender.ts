import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  dynamoDbSmsInvitationStore,
  snsSmsGateway,
  sqsOutboxRequeue,
} from '#shared/adapters/sms-sender-adapters.ts';
import { requireEnv } from '#shared/config.ts';
import { LOCALES } from '#shared/domain/survey-definitions.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { sendInvitationSms } from '#shared/use-cases/send-invitation-sms.ts';

const config = {
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  outboxQueueUrl: requireEnv('SMS_OUTBOX_QUEUE_URL'),
  // Optional: many carriers allow no alphanumeric sender id.
  senderId: process.env.SMS_SENDER_ID ?? '',
};
const sqs = new SQSClient({});
const dependencies = {
  store: dynamoDbSmsInvitationStore(new DynamoDBClient({}), config.tableName),
  gateway: snsSmsGateway(new SNSClient({}), config.senderId),
  outbox: sqsOutboxRequeue(sqs, config.outboxQueueUrl),
  now: () => new Date(),
};
const OutboxMessageSchema = z.strictObject({
  invitationId: z.string().check(z.minLength(1)),
  phone: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/)),
  locale: z.enum(LOCALES),
  sendAt: z.optional(z.iso.datetime({ offset: true })),
});
const processor = new BatchProcessor(EventType.SQS);

/** One outbox message; the phone number it carries is never logged. */
async function sendRecord(record: SQSRecord): Promise<void> {
  const message = OutboxMessageSchema.parse(JSON.parse(record.body));
  const outcome = await sendInvitationSms(dependencies, message);
  logger.info('sms outbox message handled', { invitationId: message.invitationId, outcome });
  metrics.addMetric(`sms${outcome === 'sent' ? 'Sent' : 'Skipped'}`, MetricUnit.Count, 1);
}

/** SQS SMS outbox → one SMS per invitation, with partial batch failures. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, sendRecord, processor, { context }),
  );
