import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbCaseStore } from '#shared/adapters/dynamodb/case-store.ts';
import { dynamoDbReminderStore } from '#shared/adapters/dynamodb/reminder-store.ts';
import { nodeWebhookSender } from '#shared/adapters/http/webhook-sender.ts';
import { sourceSecretReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { readSurveyKey } from '#shared/adapters/secrets-manager/survey-keys.ts';
import { sqsDeliveryRetries } from '#shared/adapters/sqs/case-deliveries.ts';
import {
  ConfigurationError,
  requireEnv,
  requireJsonMap,
  requirePositiveInteger,
} from '#shared/config.ts';
import { endpointUrlProblem } from '#shared/domain/endpoint-address.ts';
import { surveyUrlFor } from '#shared/domain/survey-token.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { deliverCase, deliverReminder } from '#shared/use-cases/deliver-case.ts';

// Set by the sandbox alone, never by the stacks: it may deliver to its own loopback
// receiver over plain http, and waits less between attempts.
const sandbox = {
  allowLoopback: process.env.SANDBOX_LOOPBACK_DELIVERY === '1',
  firstRetrySeconds: process.env.SANDBOX_FIRST_RETRY_SECONDS
    ? Number(process.env.SANDBOX_FIRST_RETRY_SECONDS)
    : undefined,
};
const config = {
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
  queueUrl: requireEnv('CASE_DELIVERY_QUEUE_URL'),
  deadLetterQueueUrl: requireEnv('FOLLOW_UP_DEAD_LETTER_QUEUE_URL'),
  urls: requireJsonMap('CASE_ENDPOINT_URLS'),
  secretArns: requireJsonMap('CASE_ENDPOINT_SECRETS'),
  // A reminder's webhook carries the invitation's link, made again from its id.
  surveyTokenKeySecretArn: requireEnv('SURVEY_TOKEN_KEY_SECRET_ARN'),
  surveyBaseUrl: requireEnv('SURVEY_BASE_URL'),
};
for (const [endpoint, url] of config.urls) {
  const problem = endpointUrlProblem(url, { allowLoopback: sandbox.allowLoopback });
  if (problem) throw new ConfigurationError(`endpoint ${endpoint}: its URL ${problem}`);
}
const sqs = new SQSClient({});
const retries = sqsDeliveryRetries(sqs, config);
const dependencies = {
  store: dynamoDbCaseStore({
    client: new DynamoDBClient({}),
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  }),
  send: nodeWebhookSender({ allowLoopback: sandbox.allowLoopback, timeoutMs: 10_000 }),
  urlOf: (endpoint: string) => config.urls.get(endpoint),
  secretsOf: sourceSecretReader(config.secretArns),
  now: () => new Date(),
  random: Math.random,
  ...(sandbox.firstRetrySeconds ? { firstRetrySeconds: sandbox.firstRetrySeconds } : {}),
};
const reminderDependencies = {
  ...dependencies,
  store: dynamoDbReminderStore({ client: new DynamoDBClient({}), tableName: config.tableName }),
  surveyUrlOf: async (invitationId: string) =>
    surveyUrlFor(
      config.surveyBaseUrl,
      await readSurveyKey('survey-token', config.surveyTokenKeySecretArn),
      invitationId,
    ),
};
const MessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('case.opened'), caseId: z.string(), endpoint: z.string() }),
  z.object({
    type: z.literal('invitation.reminder_due'),
    invitationId: z.string(),
    endpoint: z.string(),
  }),
]);
const processor = new BatchProcessor(EventType.SQS);

/** A delivery is retried later by staying on the queue, out of sight until it is due. */
class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

/** One attempt at one delivery; its receive count is its attempt number. */
async function deliver(record: SQSRecord) {
  const message = MessageSchema.parse(JSON.parse(record.body));
  const attemptNumber = Number(record.attributes.ApproximateReceiveCount) || 1;
  const result =
    message.type === 'case.opened'
      ? await deliverCase(dependencies, message, attemptNumber)
      : await deliverReminder(reminderDependencies, message, attemptNumber);
  const context = {
    ...(message.type === 'case.opened'
      ? { caseId: message.caseId }
      : { invitationId: message.invitationId }),
    type: message.type,
    endpoint: message.endpoint,
    attempt: attemptNumber,
  };
  switch (result.outcome) {
    case 'retry':
      logger.warn('webhook delivery failed; will retry', {
        ...context,
        ...result.attempt,
        delaySeconds: result.delaySeconds,
      });
      metrics.addMetric('caseDeliveryRetries', MetricUnit.Count, 1);
      await retries.waitBeforeRetry(record.receiptHandle, result.delaySeconds);
      throw new RetryLaterError('retry later');
    case 'final':
      logger.error('webhook delivery given up', {
        ...context,
        ...result.attempt,
        reason: result.reason,
      });
      metrics.addMetric('caseDeliveriesGivenUp', MetricUnit.Count, 1);
      await retries.giveUp(message, result.reason, result.attempt);
      return;
    default:
      logger.info('case delivery', { ...context, outcome: result.outcome });
      if (result.outcome === 'delivered') {
        metrics.addMetric('caseDeliveries', MetricUnit.Count, 1);
      }
  }
}

/**
 * Case deliveries from their queue → one signed webhook attempt each (docs/design.md
 * §10.1), with partial batch responses: a delivery to retry stays on the queue until its
 * next attempt is due. Nothing of the case's content is logged.
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, deliver, processor, { context }),
  );
