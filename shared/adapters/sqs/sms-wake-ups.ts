import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SmsWakeUps } from '../../use-cases/send-invitation-sms.ts';

/** Wake-ups for deferred SMS: delayed messages on the wake-up queue, naming no number. */
export function sqsSmsWakeUps(client: SQSClient, QueueUrl: string): SmsWakeUps {
  return {
    async schedule(wakeUp, delaySeconds) {
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify(wakeUp),
          DelaySeconds: delaySeconds,
        }),
      );
    },
  };
}
