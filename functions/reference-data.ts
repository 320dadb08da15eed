import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbSubscriberStore } from '#shared/adapters/dynamodb/subscriber-store.ts';
import { requireEnv } from '#shared/config.ts';
import { jsonAnswer } from '#shared/http/answers.ts';
import { requireGroup } from '#shared/http/caller.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readBody } from '#shared/http/request-body.ts';
import { logger } from '#shared/powertools/logger.ts';
import { storeSubscriberCounts } from '#shared/use-cases/subscriber-counts.ts';

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
    const body = readBody(request, ['application/json', 'text/csv']);
    const stored = await storeSubscriberCounts(
      store,
      caller,
      request.pathParameters?.period ?? '',
      body.mediaType === 'text/csv' ? { csv: body.text } : { json: body.json },
      new Date(),
    );
    logger.info('subscriber counts stored', stored);
    return jsonAnswer(200, stored);
  });
