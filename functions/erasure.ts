import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbErasure } from '#shared/adapters/dynamodb/erasure.ts';
import { requireEnv } from '#shared/config.ts';
import { opaqueId } from '#shared/domain/fields.ts';
import { jsonAnswer } from '#shared/http/answers.ts';
import { requireGroup } from '#shared/http/caller.ts';
import { ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { logger } from '#shared/powertools/logger.ts';

const erasure = dynamoDbErasure({
  client: new DynamoDBClient({}),
  surveysTable: requireEnv('SURVEYS_TABLE_NAME'),
  complaintsTable: requireEnv('COMPLAINTS_TABLE_NAME'),
});

/**
 * DELETE /customers/{customerRef} (admins): erases the customer's personal data and
 * answers 202 with what was removed. The reference itself is never logged.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = requireGroup(request, 'admins');
    const customerRef = opaqueId.safeParse(request.pathParameters?.customerRef ?? '');
    if (!customerRef.success) {
      throw new ValidationError('The customer reference is not valid.', [
        { pointer: '/customerRef', detail: 'must be 1-64 characters of A-Z a-z 0-9 . _ : -' },
      ]);
    }
    const summary = await erasure.erase(customerRef.data);
    logger.info('customer erased', { ...summary, by: caller.subject });
    return jsonAnswer(202, { status: 'erased', ...summary });
  });
