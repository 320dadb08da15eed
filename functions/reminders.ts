import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbReminderStore } from '#shared/adapters/dynamodb/reminder-store.ts';
import { sqsCaseDeliveryQueue } from '#shared/adapters/sqs/case-deliveries.ts';
import { requireEnv, requireJsonMap } from '#shared/config.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import { handOverDueReminders } from '#shared/use-cases/hand-over-reminders.ts';

const [quietStart = '21:00', quietEnd = '08:00'] = requireEnv('QUIET_HOURS').split('-');
const config = {
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  queueUrl: requireEnv('CASE_DELIVERY_QUEUE_URL'),
  // The endpoints that take invitation.reminder_due, by name (their URLs are the delivery function's).
  endpoints: [...requireJsonMap('REMINDER_DUE_ENDPOINTS').keys()],
  policy: {
    // Not used here: the frequency cap is the intake's, and a reminder never moves it.
    frequencyCapDays: 0,
    quietHours: { start: quietStart, end: quietEnd },
    timeZone: requireEnv('REPORTING_TIME_ZONE'),
  },
};
const dependencies = {
  store: dynamoDbReminderStore({ client: new DynamoDBClient({}), tableName: config.tableName }),
  queue: sqsCaseDeliveryQueue(new SQSClient({}), config.queueUrl),
  policy: config.policy,
  endpoints: config.endpoints,
};
/** The schedule's message: the time it fired for (EventBridge Scheduler's context attribute). */
const RunSchema = z.object({ scheduledTime: z.iso.datetime({ offset: true }) });
const processor = new BatchProcessor(EventType.SQS);

/** One run: every reminder due by the schedule's time, handed over. */
async function runReminders(record: SQSRecord) {
  const { scheduledTime } = RunSchema.parse(JSON.parse(record.body));
  const counts = await handOverDueReminders(dependencies, new Date(scheduledTime));
  logger.info('reminders handed over', { scheduledTime, ...counts });
  metrics.addMetric('remindersHandedOver', MetricUnit.Count, counts.handed_over ?? 0);
}

/**
 * The reminder schedule's runs, from their queue → the reminders due by then, each handed
 * over once (docs/design.md §10.3): SMS ones to the sender's outbox, web ones to the case
 * delivery queue. Nothing that identifies a customer is logged.
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, runReminders, processor, { context }),
  );
