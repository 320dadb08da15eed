import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SmsOutboxMessage } from '../domain/invitation.ts';
import type { SmsOutbox } from '../use-cases/create-invitation.ts';

/** The SMS outbox queue; its messages are KMS-encrypted at rest and carry the number. */
export function sqsSmsOutbox(client: SQSClient, queueUrl: string): SmsOutbox {
  return {
    async enqueue(message: SmsOutboxMessage) {
      await client.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }),
      );
    },
  };
}
