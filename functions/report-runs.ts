import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbReportRunLog } from '#shared/adapters/dynamodb/report-runs.ts';
import { sqsReportRunQueue } from '#shared/adapters/sqs/report-run-queue.ts';
import { requireEnv } from '#shared/config.ts';
import { newRunId } from '#shared/domain/report-id.ts';
import { jsonAnswer } from '#shared/http/answers.ts';
import { requireGroup } from '#shared/http/caller.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readBody } from '#shared/http/request-body.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';
import { type ReportRuns, requestReportRun } from '#shared/use-cases/report-runs.ts';

const runs: ReportRuns = {
  queue: sqsReportRunQueue(new SQSClient({}), requireEnv('REPORT_RUNS_QUEUE_URL')),
  log: dynamoDbReportRunLog(new DynamoDBClient({}), requireEnv('REPORTS_TABLE_NAME')),
  // The built-in profiles and the operator's own, which infra copies beside this bundle.
  profiles: profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url)),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
  firstMonth: requireEnv('FIRST_REPORT_MONTH'),
  now: () => new Date(),
  newRunId,
};

/** POST /reports/runs (admins): `{profile, period}` → 202 `{runId}`; the builder runs it. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = requireGroup(request, 'admins');
    const { json } = readBody(request, ['application/json']);
    const run = await requestReportRun(runs, caller, json);
    logger.info('report run queued', {
      runId: run.runId,
      profile: run.profile,
      period: run.period,
    });
    return jsonAnswer(202, { runId: run.runId, profile: run.profile, period: run.period });
  });
