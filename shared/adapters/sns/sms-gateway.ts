import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SmsGateway } from '../../use-cases/send-invitation-sms.ts';
import { SmsNotSentError } from '../errors.ts';

/**
 * SMS through Amazon SNS, as transactional messages. A refusal is rethrown as
 * `SmsNotSentError`, which carries SNS's error code and never the number.
 */
export function snsSmsGateway(client: SNSClient, senderId: string): SmsGateway {
  return {
    async send(phone, text) {
      try {
        await publish(client, senderId, phone, text);
      } catch (error) {
        throw new SmsNotSentError(error instanceof Error ? error.name : 'UnknownError');
      }
    },
  };
}

async function publish(client: SNSClient, senderId: string, phone: string, text: string) {
  await client.send(
    new PublishCommand({
      PhoneNumber: phone,
      Message: text,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        ...(senderId
          ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } }
          : {}),
      },
    }),
  );
}
