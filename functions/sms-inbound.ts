import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbSmsStore } from '#shared/adapters/dynamodb/sms-store.ts';
import { readSmsAuthToken } from '#shared/adapters/secrets-manager/sms-auth-token.ts';
import { edgeOriginValuesReader } from '#shared/adapters/secrets-manager/source-secrets.ts';
import { readSurveyKey } from '#shared/adapters/secrets-manager/survey-keys.ts';
import {
  optionalEnv,
  requireEnv,
  requireJsonList,
  requirePositiveInteger,
} from '#shared/config.ts';
import { InboundSmsSchema, isToOwnNumber } from '#shared/domain/inbound-sms.ts';
import { phoneHash } from '#shared/domain/survey-token.ts';
import { fieldErrorsOf } from '#shared/domain/validation.ts';
import { xmlAnswer } from '#shared/http/answers.ts';
import { edgeOriginOnly } from '#shared/http/edge-origin.ts';
import { UnauthenticatedError, ValidationError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { formParamsOf } from '#shared/http/request-body.ts';
import { verifyTwilioSignature } from '#shared/http/twilio-signature.ts';
import { logger } from '#shared/powertools/logger.ts';
import { handleInboundSms, isSurveyStep } from '#shared/use-cases/handle-inbound-sms.ts';
import { renderNoReply, renderSmsReply } from '#shared/web/twiml.ts';

const config = {
  inboundUrl: requireEnv('SMS_INBOUND_URL'),
  authTokenSecretArn: requireEnv('SMS_AUTH_TOKEN_SECRET_ARN'),
  phonePepperSecretArn: requireEnv('PHONE_PEPPER_SECRET_ARN'),
  ownNumbers: requireJsonList('SMS_NUMBERS'),
  edgeOriginSecretArn: optionalEnv('EDGE_ORIGIN_SECRET_ARN'),
};
const store = dynamoDbSmsStore({
  client: new DynamoDBClient({}),
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
});

/**
 * POST /sms/inbound (docs/design.md §4.2): a customer's SMS, from the gateway, signed with
 * X-Twilio-Signature. Answers TwiML with the reply: the next question, thanks, help, or
 * the opt-out confirmation. Neither the number nor the text is ever logged.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .use(edgeOriginOnly(edgeOriginValuesReader(config.edgeOriginSecretArn)))
  .handler(async (request) => {
    const params = formParamsOf(request);
    const signed = verifyTwilioSignature({
      authToken: await readSmsAuthToken(config.authTokenSecretArn),
      url: config.inboundUrl,
      params,
      signature: request.headers['x-twilio-signature'],
    });
    if (!signed) {
      logger.warn('sms signature refused');
      throw new UnauthenticatedError();
    }
    // A gateway sends each field once; a repeat could make one signature mean two messages.
    const repeated = [...new Set(params.map(([name]) => name))].filter(
      (name) => params.filter(([other]) => other === name).length > 1,
    );
    if (repeated.length > 0)
      throw new ValidationError(
        'A field appears more than once.',
        repeated.map((name) => ({ pointer: `/${name}`, detail: 'must appear once' })),
      );
    const parsed = InboundSmsSchema.safeParse(Object.fromEntries(params));
    if (!parsed.success)
      throw new ValidationError('Not an inbound SMS.', fieldErrorsOf(parsed.error));
    if (!isToOwnNumber(config.ownNumbers, parsed.data.To)) {
      // The operator's number, not the customer's: it may be logged.
      logger.warn('sms to another number', { to: parsed.data.To });
      return xmlAnswer(200, renderNoReply());
    }
    const phonePepper = await readSurveyKey('phone-hash', config.phonePepperSecretArn);
    const result = await handleInboundSms(store, {
      messageSid: parsed.data.MessageSid,
      phoneHash: phoneHash(phonePepper, parsed.data.From),
      body: parsed.data.Body,
      now: new Date(),
    });
    logger[isSurveyStep(result) ? 'debug' : 'info']('sms handled', {
      change: result.change,
      duplicate: result.duplicate,
    });
    return xmlAnswer(200, renderSmsReply(result.reply));
  });
