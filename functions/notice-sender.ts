import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { cognitoNoticeAudience } from '#shared/adapters/cognito/notice-audience.ts';
import { dynamoDbNoticeLog } from '#shared/adapters/dynamodb/notice-log.ts';
import { sesNoticeMailer } from '#shared/adapters/ses/notice-mailer.ts';
import { requireEnv } from '#shared/config.ts';
import { PublicationSchema } from '#shared/domain/publication-notice.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';
import { metrics } from '#shared/powertools/metrics.ts';
import {
  type PublicationNotices,
  sendPublicationNotices,
} from '#shared/use-cases/publication-notices.ts';

const notices: PublicationNotices = {
  audience: cognitoNoticeAudience(
    new CognitoIdentityProviderClient({}),
    requireEnv('USER_POOL_ID'),
  ),
  log: dynamoDbNoticeLog(new DynamoDBClient({}), requireEnv('REPORTS_TABLE_NAME')),
  mailer: sesNoticeMailer(new SESv2Client({}), requireEnv('NOTICE_SENDER')),
  // The built-in profiles and the operator's own, which infra copies beside this bundle.
  profiles: profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url)),
  portalUrl: `${requireEnv('PUBLIC_BASE_URL').replace(/\/$/, '')}/portal`,
  now: () => new Date(),
};
const processor = new BatchProcessor(EventType.SQS);

/** One publication: its audience told, those already told skipped. */
async function sendNotices(record: SQSRecord) {
  const publication = PublicationSchema.parse(JSON.parse(record.body));
  const outcome = await sendPublicationNotices(notices, publication);
  // Counts only: no address is logged.
  logger.info('publication notices sent', { ...publication, ...outcome });
  metrics.addMetric('publicationNoticesSent', MetricUnit.Count, outcome.sent);
}

/**
 * The notice queue → an e-mail through Amazon SES to each person of the profile's audience
 * (docs/design.md §7). A message some of whose notices failed is retried for those alone,
 * then dead-lettered (alarmed), from where it can be redriven.
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, sendNotices, processor, { context }),
  );
