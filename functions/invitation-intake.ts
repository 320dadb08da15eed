import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbInvitationStore } from '#shared/adapters/dynamodb/invitation-store.ts';
import { signingSourcesReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { readSurveyKeys } from '#shared/adapters/secrets-manager/survey-keys.ts';
import {
  requireEnv,
  requireJsonList,
  requireJsonMap,
  requirePositiveInteger,
  requireWholeNumber,
} from '#shared/config.ts';
import { parseInvitationRequest } from '#shared/domain/invitation.ts';
import { jsonAnswer, NO_STORE } from '#shared/http/answers.ts';
import { SuppressedError, ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { readSignedJsonBody } from '#shared/http/signed-request.ts';
import { operatorSourcesOnly } from '#shared/http/source-allow-list.ts';
import { logger } from '#shared/powertools/logger.ts';
import { createInvitation } from '#shared/use-cases/create-invitation.ts';

const [quietStart = '21:00', quietEnd = '08:00'] = requireEnv('QUIET_HOURS').split('-');
const config = {
  operatorSourceCidrs: requireJsonList('OPERATOR_SOURCE_CIDRS'),
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  secretArnBySource: requireJsonMap('INVITATION_SOURCE_SECRETS'),
  // Every purpose's secret: the intake derives ids and links, hashes and encrypts numbers.
  surveyKeySecretArns: {
    'invitation-id': requireEnv('INVITATION_ID_KEY_SECRET_ARN'),
    'survey-token': requireEnv('SURVEY_TOKEN_KEY_SECRET_ARN'),
    'phone-hash': requireEnv('PHONE_PEPPER_SECRET_ARN'),
    'phone-encryption': requireEnv('PHONE_ENCRYPTION_KEY_SECRET_ARN'),
  },
  surveyBaseUrl: requireEnv('SURVEY_BASE_URL'),
  tokenTtlDays: requirePositiveInteger('SURVEY_TOKEN_TTL_DAYS'),
  reminders: {
    afterDays: requireWholeNumber('REMINDER_AFTER_DAYS'),
    channels: requireJsonList('REMINDER_CHANNELS').filter(
      (channel): channel is 'sms' | 'web' => channel === 'sms' || channel === 'web',
    ),
  },
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
  policy: {
    frequencyCapDays: requirePositiveInteger('FREQUENCY_CAP_DAYS'),
    quietHours: { start: quietStart, end: quietEnd },
    timeZone: requireEnv('REPORTING_TIME_ZONE'),
  },
};
const store = dynamoDbInvitationStore({
  client: new DynamoDBClient({}),
  tableName: config.tableName,
  reportingTimeZone: config.policy.timeZone,
  retentionDays: config.retentionDays,
});
const signingSources = signingSourcesReader(config.secretArnBySource);

/** POST /invitations: 201 a new invitation, 200 the same one again, 409 when suppressed. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .use(operatorSourcesOnly(config.operatorSourceCidrs))
  .handler(async (request) => {
    const { source, body } = await readSignedJsonBody(request, await signingSources());
    const parsed = parseInvitationRequest(body, {
      now: new Date(),
      retentionDays: config.retentionDays,
    });
    if (!parsed.success) {
      throw new ValidationError('The body is not a valid invitation request.', parsed.errors);
    }
    const result = await createInvitation(
      {
        store,
        keys: await readSurveyKeys(config.surveyKeySecretArns),
        policy: config.policy,
        surveyBaseUrl: config.surveyBaseUrl,
        tokenTtlDays: config.tokenTtlDays,
        reminders: config.reminders,
        now: () => new Date(),
      },
      source,
      parsed.request,
    );
    if (result.outcome === 'suppressed') {
      logger.info('invitation suppressed', { source, reason: result.reason });
      throw new SuppressedError(result.reason);
    }
    logger.info('invitation answered', {
      source,
      outcome: result.outcome,
      invitationId: result.view.invitationId,
      channel: result.view.channel,
      status: result.view.status,
    });
    return jsonAnswer(result.outcome === 'created' ? 201 : 200, result.view, NO_STORE);
  });
