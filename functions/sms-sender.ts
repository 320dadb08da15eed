import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbSmsInvitationStore } from '#shared/adapters/dynamodb/sms-invitation-store.ts';
import { newImageOf } from '#shared/adapters/dynamodb/stream-images.ts';
import { SmsNotSentError } from '#shared/adapters/errors.ts';
import { readSurveyKey } from '#shared/adapters/secrets-manager/survey-keys.ts';
import { snsSmsGateway } from '#shared/adapters/sns/sms-gateway.ts';
import { sqsSmsWakeUps } from '#shared/adapters/sqs/sms-wake-ups.ts';
import { requireEnv } from '#shared/config.ts';
import { surveyUrlFor } from '#shared/domain/survey-token.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import {
  type SendOutcome,
  SMS_UNCONFIRMED_METRIC,
  sendInvitationSms,
} from '#shared/use-cases/send-invitation-sms.ts';

const config = {
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  wakeUpQueueUrl: requireEnv('SMS_WAKE_UP_QUEUE_URL'),
  phoneEncryptionKeySecretArn: requireEnv('PHONE_ENCRYPTION_KEY_SECRET_ARN'),
  // A reminder carries the invitation's link again.
  surveyTokenKeySecretArn: requireEnv('SURVEY_TOKEN_KEY_SECRET_ARN'),
  surveyBaseUrl: requireEnv('SURVEY_BASE_URL'),
  // Optional: many carriers allow no alphanumeric sender id.
  senderId: process.env.SMS_SENDER_ID ?? '',
  // Longer than this function's time limit: a claim older than that has no sender left.
  claimLeaseSeconds: Number(requireEnv('SMS_CLAIM_LEASE_SECONDS')),
};
const ports = {
  store: dynamoDbSmsInvitationStore(new DynamoDBClient({}), config.tableName),
  gateway: snsSmsGateway(new SNSClient({}), config.senderId),
  wakeUps: sqsSmsWakeUps(new SQSClient({}), config.wakeUpQueueUrl),
  claimLeaseSeconds: config.claimLeaseSeconds,
  now: () => new Date(),
};
const DueSchema = z.object({
  invitationId: z.string().check(z.minLength(1)),
  sendAt: z.optional(z.iso.datetime({ offset: true })),
});
const streamProcessor = new BatchProcessor(EventType.DynamoDBStreams);
const queueProcessor = new BatchProcessor(EventType.SQS);

async function send(due: z.infer<typeof DueSchema>) {
  const phoneKey = await readSurveyKey('phone-encryption', config.phoneEncryptionKeySecretArn);
  const tokenKey = await readSurveyKey('survey-token', config.surveyTokenKeySecretArn);
  const surveyUrlOf = (invitationId: string) =>
    surveyUrlFor(config.surveyBaseUrl, tokenKey, invitationId);
  const outcome = await sendInvitationSms({ ...ports, phoneKey, surveyUrlOf }, due).catch(
    (error) => {
      // Retried, then dead-lettered by its ids; the error names SNS's code, not the number.
      if (error instanceof SmsNotSentError) {
        logger.warn('sms invitation not sent', {
          invitationId: due.invitationId,
          code: error.code,
        });
        metrics.addMetric('smsNotSent', MetricUnit.Count, 1);
      }
      throw error;
    },
  );
  logger.info('sms invitation handled', { invitationId: due.invitationId, outcome });
  if (outcome === 'unconfirmed') {
    // Its sender died between SNS and the record: whether it went is unknown (alarmed).
    logger.warn('sms invitation unconfirmed', { invitationId: due.invitationId });
  }
  metrics.addMetric(METRIC_OF[outcome] ?? 'smsNotSentNow', MetricUnit.Count, 1);
}

/** The outcomes with a metric of their own; every other is `smsNotSentNow`. */
const METRIC_OF: Partial<Record<SendOutcome, string>> = {
  sent: 'smsSent',
  unconfirmed: SMS_UNCONFIRMED_METRIC,
};

/** A new outbox entry, from the surveys table's stream (filtered to OUTBOX inserts). */
async function sendOutboxEntry(record: DynamoDBRecord) {
  await send(DueSchema.parse(newImageOf(record)));
}

/** A deferred SMS whose wake-up came due. */
async function sendWokenUp(record: SQSRecord) {
  await send(DueSchema.parse(JSON.parse(record.body)));
}

/** A batch from the wake-up queue rather than the table's stream: its records say so. */
const isQueueBatch = (event: DynamoDBStreamEvent | SQSEvent): event is SQSEvent =>
  event.Records[0]?.eventSource === 'aws:sqs';

/**
 * One record at a time: between its claim and the record of its send, an SMS is in doubt if
 * the environment dies (it is then never sent twice, and may not be sent at all). In
 * parallel, a crash would leave the whole batch in doubt; one by one, only the record in
 * flight, and the retry sends the rest.
 */
const oneAtATime = { processInParallel: false } as const;

/**
 * The surveys table's outbox stream and the wake-up queue → one SMS per invitation,
 * with partial batch responses for both. The phone number is never logged.
 */
export const handler = middy<DynamoDBStreamEvent | SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    isQueueBatch(event)
      ? processPartialResponse(event, sendWokenUp, queueProcessor, { context, ...oneAtATime })
      : processPartialResponse(event, sendOutboxEntry, streamProcessor, {
          context,
          ...oneAtATime,
        }),
  );
