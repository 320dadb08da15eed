import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbCaseEventStore } from '#shared/adapters/dynamodb/case-store.ts';
import { signingSourcesReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { requireEnv, requireJsonList, requireJsonMap } from '#shared/config.ts';
import { parseCaseEvent } from '#shared/domain/case-event.ts';
import { jsonAnswer, NO_STORE } from '#shared/http/answers.ts';
import { NotFoundError, ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readSignedJsonBody } from '#shared/http/signed-request.ts';
import { operatorSourcesOnly } from '#shared/http/source-allow-list.ts';
import { logger } from '#shared/powertools/logger.ts';
import { recordCaseEvent } from '#shared/use-cases/record-case-event.ts';

const config = {
  operatorSourceCidrs: requireJsonList('OPERATOR_SOURCE_CIDRS'),
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  // The operator systems that create invitations sign their cases' events too.
  secretArnBySource: requireJsonMap('INVITATION_SOURCE_SECRETS'),
};
const dependencies = {
  store: dynamoDbCaseEventStore({ client: new DynamoDBClient({}), tableName: config.tableName }),
  now: () => new Date(),
};
const signingSources = signingSourcesReader(config.secretArnBySource);

/** POST /cases/{caseId}/events: 202 with the case's follow-up, for a new or a repeated event. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .use(operatorSourcesOnly(config.operatorSourceCidrs))
  .handler(async (request) => {
    const { source, body } = await readSignedJsonBody(request, await signingSources());
    const parsed = parseCaseEvent(body);
    if (!parsed.success) {
      throw new ValidationError('The body is not a valid case event.', parsed.errors);
    }
    const caseId = request.pathParameters?.caseId ?? '';
    const result = await recordCaseEvent(dependencies, source, caseId, parsed.event);
    if (result.outcome === 'unknown_case') throw new NotFoundError('There is no such case.');
    logger.info('case event', { source, caseId, outcome: result.outcome, type: parsed.event.type });
    return jsonAnswer(202, { caseId, ...result.followUp }, NO_STORE);
  });
