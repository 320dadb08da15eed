import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbSurveyLinkStore } from '#shared/adapters/dynamodb/survey-link-store.ts';
import { edgeOriginValuesReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { optionalEnv, requireEnv, requirePositiveInteger } from '#shared/config.ts';
import {
  parseSurveyAnswers,
  type SurveyLinkState,
  surveyLinkState,
} from '#shared/domain/survey-response.ts';
import { hashSurveyToken, looksLikeSurveyToken } from '#shared/domain/survey-token.ts';
import { htmlAnswer, jsonAnswer, NO_STORE, redirectAnswer } from '#shared/http/answers.ts';
import { edgeOriginOnly } from '#shared/http/edge-origin.ts';
import { ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { jsonObjectOf, readBody } from '#shared/http/request-body.ts';
import { logger } from '#shared/powertools/logger.ts';
import {
  renderSurveyForm,
  renderThanks,
  renderUnavailable,
  SURVEY_PAGE_CSP,
} from '#shared/web/survey-pages.ts';

const store = dynamoDbSurveyLinkStore({
  client: new DynamoDBClient({}),
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
});

const edgeOrigin = edgeOriginValuesReader(optionalEnv('EDGE_ORIGIN_SECRET_ARN'));

const html = (statusCode: number, page: string) => htmlAnswer(statusCode, page, SURVEY_PAGE_CSP);

/** The answers' fields, from a form post or a JSON object. */
function readFields(request: APIGatewayProxyEventV2) {
  const body = readBody(request, ['application/x-www-form-urlencoded', 'application/json']);
  return body.mediaType === 'application/json'
    ? { json: true, fields: jsonObjectOf(body.json) }
    : { json: false, fields: body.fields };
}

const unavailable = (state: Exclude<SurveyLinkState, 'open'>) =>
  html(state === 'used' ? 409 : state === 'unknown' ? 404 : 410, renderUnavailable());

/**
 * GET /s/{token}: the survey page, or the one "no longer available" page (404 unknown,
 * 410 used or expired; one table read either way). POST /s/{token}: records the answers
 * once with one conditional write (303 to the thank-you page, or 202 for JSON); a used
 * link answers 409.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .use(edgeOriginOnly(edgeOrigin))
  .handler(async (request) => {
    const token = request.pathParameters?.token ?? '';
    // A malformed token costs the same request as a real one: no timing tells them apart.
    const tokenHash = hashSurveyToken(looksLikeSurveyToken(token) ? token : `invalid:${token}`);
    const now = new Date();

    if (request.requestContext.http.method !== 'POST') {
      const link = await store.find(tokenHash);
      const state = surveyLinkState(link, now);
      if (state === 'used' && link && request.queryStringParameters?.submitted === '1') {
        return html(200, renderThanks(link.locale));
      }
      if (state !== 'open' || !link)
        return html(state === 'unknown' ? 404 : 410, renderUnavailable());
      return html(200, renderSurveyForm({ link, action: request.rawPath }));
    }

    const { json, fields } = readFields(request);
    const parsed = parseSurveyAnswers(fields);
    if (!parsed.success) {
      // The rare path: read the link to answer in its language, or to say it is gone.
      const link = await store.find(tokenHash);
      const state = surveyLinkState(link, now);
      if (state !== 'open' || !link) return unavailable(state === 'open' ? 'unknown' : state);
      if (json) throw new ValidationError('The answers are not valid.', parsed.errors);
      const values = Object.fromEntries(
        Object.entries(fields).map(([key, value]) => [key, String(value)]),
      );
      return html(
        400,
        renderSurveyForm({ link, action: request.rawPath, values, errors: parsed.errors }),
      );
    }

    const outcome = await store.answer(tokenHash, parsed.answers, now);
    if ('refused' in outcome) {
      logger.info('survey answer refused', { state: outcome.refused });
      return unavailable(outcome.refused);
    }
    // Debug, not info: every answer is already in the API's access log and the table's
    // stream, and an info line per answer would cost about as much as counting it.
    logger.debug('survey answer recorded', {
      invitationId: outcome.recorded.invitationId,
      channel: 'web',
    });
    return json
      ? jsonAnswer(202, { status: 'recorded' }, NO_STORE)
      : redirectAnswer(303, `${request.rawPath}?submitted=1`);
  });
