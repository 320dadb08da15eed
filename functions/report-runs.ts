import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sqsReportRunQueue } from '#shared/adapters/sqs/report-run-queue.ts';
import { requireEnv } from '#shared/config.ts';
import { resolveReportRun } from '#shared/domain/report-run.ts';
import { jsonAnswer } from '#shared/http/answers.ts';
import { requireGroup } from '#shared/http/caller.ts';
import { ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readBody } from '#shared/http/request-body.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';

/** The built-in profiles and the operator's own, which infra copies beside this bundle. */
const PROFILES = profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url));
const config = {
  queueUrl: requireEnv('REPORT_RUNS_QUEUE_URL'),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
};
const runs = sqsReportRunQueue(new SQSClient({}), config.queueUrl);

/** POST /reports/runs (admins): `{profile, period}` → 202 `{runId}`; the builder runs it. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = requireGroup(request, 'admins');
    const { json } = readBody(request, ['application/json']);
    const run = resolveReportRun(json, PROFILES, new Date(), config.timezone);
    if (!run.success) throw new ValidationError('The report run is not valid.', run.errors);
    const runId = randomUUID();
    await runs.enqueue({
      runId,
      profile: run.profile,
      period: run.period,
      requestedBy: caller.subject,
    });
    logger.info('report run queued', { runId, profile: run.profile, period: run.period });
    return jsonAnswer(202, { runId, profile: run.profile, period: run.period });
  });
