import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbSubscriberStore } from '#shared/adapters/dynamodb/subscriber-store.ts';
import { requireEnv } from '#shared/config.ts';
import {
  parseSubscriberCountsCsv,
  parseSubscriberCountsJson,
  type SubscriberCountsResult,
} from '#shared/domain/subscriber-counts.ts';
import { requireGroup } from '#shared/http/caller.ts';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { MAX_BODY_BYTES, rawBodyOf } from '#shared/http/signed-request.ts';
import { isPeriodId } from '#shared/indicators/periods.ts';
import { logger } from '#shared/powertools/logger.ts';

const store = dynamoDbSubscriberStore(new DynamoDBClient({}), requireEnv('AGGREGATES_TABLE_NAME'));

/** The counts in the body, JSON or CSV by its content type. */
function countsOf(request: APIGatewayProxyEventV2): SubscriberCountsResult {
  const raw = rawBodyOf(request);
  if (raw.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv') return parseSubscriberCountsCsv(raw.toString('utf8'));
  if (type === 'application/json') {
    try {
      return parseSubscriberCountsJson(JSON.parse(raw.toString('utf8')));
    } catch {
      return { success: false, errors: [{ pointer: '', detail: 'is not JSON' }] };
    }
  }
  throw new UnsupportedMediaTypeError('application/json or text/csv');
}

/**
 * PUT /reference/subscribers/{period} (admins): subscriber counts per region and service
 * for a month, quarter or year, validated whole and stored as a new version.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = requireGroup(request, 'admins');
    const period = request.pathParameters?.period ?? '';
    if (!isPeriodId(period)) {
      throw new ValidationError('The period is not a month, quarter or year.', [
        { pointer: '/period', detail: 'must look like 2026-10, 2026-Q3 or 2026' },
      ]);
    }
    const parsed = countsOf(request);
    if (!parsed.success)
      throw new ValidationError('The subscriber counts are not valid.', parsed.errors);
    const version = await store.put(period, parsed.counts, new Date(), caller.subject);
    logger.info('subscriber counts stored', { period, version, rows: parsed.counts.length });
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period, version, rows: parsed.counts.length }),
    };
  });
