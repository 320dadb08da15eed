import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SmsGateway } from '../../use-cases/send-invitation-sms.ts';

/** SMS through Amazon SNS, as transactional messages. */
export function snsSmsGateway(client: SNSClient, senderId: string): SmsGateway {
  return {
    async send(phone, text) {
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
    },
  };
}
