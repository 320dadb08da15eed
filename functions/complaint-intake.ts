import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sourceSecretReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { enqueueComplaintMessages } from '#shared/adapters/sqs/complaint-queue.ts';
import {
  requireEnv,
  requireJsonList,
  requireJsonMap,
  requirePositiveInteger,
} from '#shared/config.ts';
import { parseComplaintWebhookBody } from '#shared/domain/complaint-event.ts';
import { jsonAnswer } from '#shared/http/answers.ts';
import { ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readSignedJsonBody } from '#shared/http/signed-request.ts';
import { operatorSourcesOnly } from '#shared/http/source-allow-list.ts';
import { logger } from '#shared/powertools/logger.ts';

const config = {
  operatorSourceCidrs: requireJsonList('OPERATOR_SOURCE_CIDRS'),
  queueUrl: requireEnv('COMPLAINT_EVENTS_QUEUE_URL'),
  secretArnBySource: requireJsonMap('COMPLAINT_SOURCE_SECRETS'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
};
const sqs = new SQSClient({});
const secretsOf = sourceSecretReader(config.secretArnBySource);

/** POST /webhooks/complaints/{source}: verify, validate, queue, answer 202 `{accepted}`. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .use(operatorSourcesOnly(config.operatorSourceCidrs))
  .handler(async (request) => {
    const claimed = request.pathParameters?.source ?? '';
    const { source, body } = await readSignedJsonBody(request, [
      { source: claimed, secrets: await secretsOf(claimed) },
    ]);
    const parsed = parseComplaintWebhookBody(body, {
      now: new Date(),
      retentionDays: config.retentionDays,
    });
    if (!parsed.success) {
      throw new ValidationError('The body is not a valid complaint event or batch.', parsed.errors);
    }
    const receivedAt = new Date().toISOString();
    await enqueueComplaintMessages(
      sqs,
      config.queueUrl,
      parsed.events.map((event) => ({ source, receivedAt, event })),
    );
    logger.info('complaint events accepted', { source, accepted: parsed.events.length });
    return jsonAnswer(202, { accepted: parsed.events.length });
  });
