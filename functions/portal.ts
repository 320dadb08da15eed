import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { appClientSecret } from '#shared/adapters/cognito/client-secret.ts';
import { cognitoPeopleDirectory } from '#shared/adapters/cognito/people-directory.ts';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { dynamoDbReportRunLog } from '#shared/adapters/dynamodb/report-runs.ts';
import { dynamoDbSessionStore } from '#shared/adapters/dynamodb/session-store.ts';
import { dynamoDbSubscriberStore } from '#shared/adapters/dynamodb/subscriber-store.ts';
import { openIdRelyingParty } from '#shared/adapters/oidc/relying-party.ts';
import { s3DownloadLinksFromEnvironment } from '#shared/adapters/s3/presigner.ts';
import { edgeOriginValuesReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { sqsReportRunQueue } from '#shared/adapters/sqs/report-run-queue.ts';
import { optionalEnv, requireEnv } from '#shared/config.ts';
import { newRunId } from '#shared/domain/report-id.ts';
import { edgeOriginOnly } from '#shared/http/edge-origin.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';
import { portalApp } from '#shared/web/portal/app.ts';

const config = {
  issuer: new URL(requireEnv('OIDC_ISSUER_URL')),
  clientId: requireEnv('OIDC_CLIENT_ID'),
  userPoolId: requireEnv('USER_POOL_ID'),
  publicBaseUrl: requireEnv('PUBLIC_BASE_URL').replace(/\/$/, ''),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
  edgeOriginSecretArn: optionalEnv('EDGE_ORIGIN_SECRET_ARN'),
};
const dynamodb = new DynamoDBClient({});
const cognito = new CognitoIdentityProviderClient({});
const reportIndex = dynamoDbReportIndex(dynamodb, requireEnv('REPORTS_TABLE_NAME'));
const runLog = dynamoDbReportRunLog(dynamodb, requireEnv('REPORTS_TABLE_NAME'));

const app = portalApp({
  sessions: {
    store: dynamoDbSessionStore(dynamodb, requireEnv('SESSIONS_TABLE_NAME')),
    provider: openIdRelyingParty({
      issuer: config.issuer,
      clientId: config.clientId,
      clientSecret: () => appClientSecret(cognito, config.userPoolId, config.clientId),
      redirectUri: `${config.publicBaseUrl}/portal/callback`,
      signedOutUri: `${config.publicBaseUrl}/portal/signed-out`,
    }),
    now: () => new Date(),
  },
  reports: {
    catalogue: reportIndex,
    links: s3DownloadLinksFromEnvironment(requireEnv('REPORTS_BUCKET_NAME')),
    now: () => new Date(),
  },
  runs: {
    queue: sqsReportRunQueue(new SQSClient({}), requireEnv('REPORT_RUNS_QUEUE_URL')),
    log: runLog,
    // The built-in profiles and the operator's own, which infra copies beside this bundle.
    profiles: profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url)),
    timezone: config.timezone,
    firstMonth: requireEnv('FIRST_REPORT_MONTH'),
    now: () => new Date(),
    newRunId,
  },
  subscribers: dynamoDbSubscriberStore(dynamodb, requireEnv('AGGREGATES_TABLE_NAME')),
  people: cognitoPeopleDirectory(cognito, config.userPoolId),
  downloads: (now, days, limit) => reportIndex.recentDownloads(now, days, limit),
  publicBaseUrl: config.publicBaseUrl,
  timezone: config.timezone,
  audit: (message, fields) => logger.info(message, fields),
  fail: (error) =>
    logger.error('portal request failed', error instanceof Error ? error : String(error)),
});

/**
 * GET and POST /portal/…: the regulators', assessors' and admins' portal, server-rendered
 * HTML forms behind an OpenID Connect sign-in to the user pool, with server-side sessions.
 * It calls the same use cases, with the same group checks, as the reports and admin API.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(edgeOriginOnly(edgeOriginValuesReader(config.edgeOriginSecretArn)))
  .handler((request) => app(request));
