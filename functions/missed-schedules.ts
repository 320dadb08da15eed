import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbMissedScheduleAlarms } from '#shared/adapters/dynamodb/missed-schedule-alarms.ts';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { snsAlarmNotifier } from '#shared/adapters/sns/alarm-topic.ts';
import { requireEnv, requirePositiveInteger } from '#shared/config.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import {
  checkMissedSchedules,
  type MissedScheduleCheck,
} from '#shared/use-cases/check-missed-schedules.ts';

const dynamodb = new DynamoDBClient({});
const tableName = requireEnv('REPORTS_TABLE_NAME');
const index = dynamoDbReportIndex(dynamodb, tableName);
const check: MissedScheduleCheck = {
  alarms: dynamoDbMissedScheduleAlarms(dynamodb, tableName),
  reports: {
    async published(profile, periods) {
      return new Set((await index.newestOfPeriods(profile, periods)).keys());
    },
  },
  notifier: snsAlarmNotifier(new SNSClient({}), requireEnv('ALARM_TOPIC_ARN')),
  // The built-in profiles and the operator's own, which infra copies beside this bundle.
  profiles: profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url)),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
  firstMonth: requireEnv('FIRST_REPORT_MONTH'),
  hours: requirePositiveInteger('MISSED_SCHEDULE_HOURS'),
};
/** The schedule's message: the time it fired for (EventBridge Scheduler's context attribute). */
const RunSchema = z.object({ scheduledTime: z.iso.datetime({ offset: true }) });
const processor = new BatchProcessor(EventType.SQS);

/** One check, as of the time its schedule fired. */
async function runCheck(record: SQSRecord) {
  const { scheduledTime } = RunSchema.parse(JSON.parse(record.body));
  const outcome = await checkMissedSchedules(check, new Date(scheduledTime));
  logger.info('missed schedules checked', { scheduledTime, ...outcome });
  metrics.addMetric('missedScheduledReports', MetricUnit.Count, outcome.missing);
}

/**
 * The hourly missed-schedule check, from its queue → an alarm to the alarm topic for each
 * scheduled report still unpublished MISSED_SCHEDULE_HOURS after its schedule fired, and
 * its clearing once the report appears (docs/operations.md, Missed scheduled reports).
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, runCheck, processor, { context }),
  );
