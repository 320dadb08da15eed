import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeliveryAttempt } from '../../domain/delivery-schedule.ts';
import type {
  CaseDeliveryMessage,
  CaseDeliveryQueue,
} from '../../use-cases/open-follow-up-case.ts';

/** The case delivery queue: one message per case and endpoint, naming no customer. */
export function sqsCaseDeliveryQueue(client: SQSClient, QueueUrl: string): CaseDeliveryQueue {
  return {
    async send(messages) {
      // An endpoint list is short; ten is SendMessageBatch's limit.
      for (let start = 0; start < messages.length; start += 10) {
        const { Failed = [] } = await client.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: messages.slice(start, start + 10).map((message, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(message),
            })),
          }),
        );
        if (Failed.length > 0) throw new Error(`${Failed.length} deliveries were not queued`);
      }
    },
  };
}

/** Waits between attempts, and the dead-letter queue for deliveries given up. */
export function sqsDeliveryRetries(
  client: SQSClient,
  options: {
    queueUrl: string;
    deadLetterQueueUrl: string;
  },
) {
  return {
    /** Keeps the message invisible until its next attempt is due (SQS allows 12 hours). */
    async waitBeforeRetry(receiptHandle: string, delaySeconds: number) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: options.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.min(delaySeconds, 12 * 3600 - 1),
        }),
      );
    },
    /** Moves a delivery that will not be tried again to the dead-letter queue, with why. */
    async giveUp(message: CaseDeliveryMessage, reason: string, attempt?: DeliveryAttempt) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: options.deadLetterQueueUrl,
          MessageBody: JSON.stringify({ ...message, reason, ...(attempt ? { attempt } : {}) }),
        }),
      );
    },
  };
}
