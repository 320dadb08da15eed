import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { requireEnv } from '#shared/config.ts';
import { resolveReportRun } from '#shared/domain/report-run.ts';
import { requireGroup } from '#shared/http/caller.ts';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { MAX_BODY_BYTES, rawBodyOf } from '#shared/http/signed-request.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';

/** The built-in profiles and the operator's own, which infra copies beside this bundle. */
const PROFILES = profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url));
const config = {
  queueUrl: requireEnv('REPORT_RUNS_QUEUE_URL'),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
};
const sqs = new SQSClient({});

/** POST /reports/runs (admins): `{profile, period}` → 202 `{runId}`; the builder runs it. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = requireGroup(request, 'admins');
    const raw = rawBodyOf(request);
    if (raw.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
    if ((request.headers['content-type'] ?? '').split(';')[0]?.trim() !== 'application/json') {
      throw new UnsupportedMediaTypeError('application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ValidationError('The body is not JSON.', [{ pointer: '', detail: 'is not JSON' }]);
    }
    const run = resolveReportRun(body, PROFILES, new Date(), config.timezone);
    if (!run.success) throw new ValidationError('The report run is not valid.', run.errors);
    const runId = randomUUID();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.queueUrl,
        MessageBody: JSON.stringify({
          runId,
          profile: run.profile,
          period: run.period,
          requestedBy: caller.subject,
        }),
      }),
    );
    logger.info('report run queued', { runId, profile: run.profile, period: run.period });
    return {
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runId, profile: run.profile, period: run.period }),
    };
  });
