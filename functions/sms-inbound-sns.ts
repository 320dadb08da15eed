import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbSmsStore } from '#shared/adapters/dynamodb/sms-store.ts';
import { readSurveyKeys } from '#shared/adapters/secrets-manager/survey-keys.ts';
import { snsSmsGateway } from '#shared/adapters/sns/sms-gateway.ts';
import { requireEnv, requirePositiveInteger } from '#shared/config.ts';
import { phoneHash } from '#shared/domain/survey-token.ts';
import { logger } from '#shared/powertools/logger.ts';
import { handleInboundSms, isSurveyStep } from '#shared/use-cases/handle-inbound-sms.ts';

const config = {
  surveyKeysSecretArn: requireEnv('SURVEY_KEYS_SECRET_ARN'),
  senderId: process.env.SMS_SENDER_ID ?? '',
};
const store = dynamoDbSmsStore({
  client: new DynamoDBClient({}),
  tableName: requireEnv('SURVEYS_TABLE_NAME'),
  retentionDays: requirePositiveInteger('RAW_DATA_RETENTION_DAYS'),
});
const gateway = snsSmsGateway(new SNSClient({}), config.senderId);

/** The message AWS End User Messaging publishes for a two-way SMS. */
const InboundSmsSchema = z.object({
  originationNumber: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/)),
  messageBody: z.string().check(z.maxLength(1600)),
  inboundMessageId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/)),
});

/**
 * The second inbound path (docs/design.md §4.2): AWS End User Messaging two-way SMS publishes
 * each reply to an SNS topic; this function runs the same conversation as
 * POST /sms/inbound and sends its reply as an SMS. A redelivered message (same
 * inboundMessageId) changes nothing and sends nothing.
 */
export const handler = middy<SNSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const keys = await readSurveyKeys(config.surveyKeysSecretArn);
    for (const record of event.Records) {
      const sms = InboundSmsSchema.parse(JSON.parse(record.Sns.Message));
      const result = await handleInboundSms(store, {
        messageSid: sms.inboundMessageId,
        phoneHash: phoneHash(keys.phonePepper, sms.originationNumber),
        body: sms.messageBody,
        now: new Date(),
      });
      if (!result.duplicate) await gateway.send(sms.originationNumber, result.reply);
      logger[isSurveyStep(result) ? 'debug' : 'info']('sms handled', {
        change: result.change,
        duplicate: result.duplicate,
        path: 'sns',
      });
    }
  });
