import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbSubscriberStore } from '#shared/adapters/dynamodb/subscriber-store.ts';
import { requireEnv } from '#shared/config.ts';
import {
  parseSubscriberCountsCsv,
  parseSubscriberCountsJson,
} from '#shared/domain/subscriber-counts.ts';
import { jsonAnswer } from '#shared/http/answers.ts';
import { requireGroup } from '#shared/http/caller.ts';
import { ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readBody } from '#shared/http/request-body.ts';
import { isPeriodId } from '#shared/indicators/periods.ts';
import { logger } from '#shared/powertools/logger.ts';

const store = dynamoDbSubscriberStore(new DynamoDBClient({}), requireEnv('AGGREGATES_TABLE_NAME'));

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
    const body = readBody(request, ['application/json', 'text/csv']);
    const parsed =
      body.mediaType === 'text/csv'
        ? parseSubscriberCountsCsv(body.text)
        : parseSubscriberCountsJson(body.json);
    if (!parsed.success)
      throw new ValidationError('The subscriber counts are not valid.', parsed.errors);
    const version = await store.put(period, parsed.counts, new Date(), caller.subject);
    logger.info('subscriber counts stored', { period, version, rows: parsed.counts.length });
    return jsonAnswer(200, { period, version, rows: parsed.counts.length });
  });
