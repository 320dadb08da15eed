import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbSmsStore } from '#shared/adapters/dynamodb/sms-store.ts';
import { SmsNotSentError } from '#shared/adapters/errors.ts';
import { readSurveyKey } from '#shared/adapters/secrets-manager/survey-keys.ts';
import { snsSmsGateway } from '#shared/adapters/sns/sms-gateway.ts';
import { requireEnv, requireJsonList, requirePositiveInteger } from '#shared/config.ts';
import { isToOwnNumber } from '#shared/domain/inbound-sms.ts';
import { phoneHash } from '#shared/domain/survey-token.ts';
import { logger } from '#shared/powertools/logger.ts';
import { handleInboundSms, isSurveyStep } from '#shared/use-cases/handle-inbound-sms.ts';

const config = {
  phonePepperSecretArn: requireEnv('PHONE_PEPPER_SECRET_ARN'),
  senderId: process.env.SMS_SENDER_ID ?? '',
  ownNumbers: requireJsonList('SMS_NUMBERS'),
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
  destinationNumber: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/)),
  messageBody: z.string().check(z.maxLength(1600)),
  inboundMessageId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/)),
});

/**
 * Sends the reply. A refused one is logged, without the number, and not retried: the
 * message is recorded by now, so a retry would send nothing either, and a failed
 * invocation would only carry the number and text to the SMS dead-letter queue.
 */
async function reply(phone: string, text: string, messageId: string) {
  try {
    await gateway.send(phone, text);
  } catch (error) {
    if (!(error instanceof SmsNotSentError)) throw error;
    logger.warn('sms reply not sent', { messageId, code: error.code, path: 'sns' });
  }
}

/**
 * The second inbound path (docs/design.md §4.2): AWS End User Messaging two-way SMS publishes
 * each reply to an SNS topic; this function runs the same conversation as
 * POST /sms/inbound and sends its reply as an SMS. A redelivered message (same
 * inboundMessageId) changes nothing and sends nothing.
 */
export const handler = middy<SNSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const phonePepper = await readSurveyKey('phone-hash', config.phonePepperSecretArn);
    for (const record of event.Records) {
      const sms = InboundSmsSchema.parse(JSON.parse(record.Sns.Message));
      if (!isToOwnNumber(config.ownNumbers, sms.destinationNumber)) {
        // The operator's number, not the customer's: it may be logged.
        logger.warn('sms to another number', { to: sms.destinationNumber, path: 'sns' });
        continue;
      }
      const result = await handleInboundSms(store, {
        messageSid: sms.inboundMessageId,
        phoneHash: phoneHash(phonePepper, sms.originationNumber),
        body: sms.messageBody,
        now: new Date(),
      });
      if (!result.duplicate) await reply(sms.originationNumber, result.reply, sms.inboundMessageId);
      logger[isSurveyStep(result) ? 'debug' : 'info']('sms handled', {
        change: result.change,
        duplicate: result.duplicate,
        path: 'sns',
      });
    }
  });
