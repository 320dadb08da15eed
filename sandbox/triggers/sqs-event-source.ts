import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalQueueMapping } from '../emulator/provision.ts';
import type { LambdaHost } from '../lambda/lambda-host.ts';
import { type PollingLoop, pollContinuously } from './polling-loop.ts';

export interface SqsEventSourceOptions {
  mapping: LocalQueueMapping;
  host: LambdaHost;
  sqs: SQSClient;
  region: string;
  /**
   * Lambda leaves a failed message invisible for the queue's visibility timeout. Tests
   * that walk a poison message to its dead-letter queue may shorten that wait.
   */
  failedMessageVisibilitySeconds?: number;
  /** Told about every batch: how many records, how many failed. */
  onBatch?: (summary: { records: number; failed: number; error?: string }) => void;
}

/**
 * Polls a queue as Lambda's event source mapping does: batches up to the batch size
 * within the batching window, invokes the function, deletes what succeeded, and with
 * ReportBatchItemFailures leaves only the reported items for redelivery. Redrive to the
 * dead-letter queue after maxReceiveCount is the emulator's, as it is SQS's.
 */
export class SqsEventSource {
  private readonly options: SqsEventSourceOptions;
  private loop: PollingLoop | undefined;
  private abort = new AbortController();

  constructor(options: SqsEventSourceOptions) {
    this.options = options;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    // Long polling (one second) is the wait between empty receives.
    this.loop = pollContinuously({
      poll: () => this.pollOnce(1),
      idleMs: 0,
      onError: (error) => this.options.onBatch?.({ records: 0, failed: 0, error }),
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.stop();
    this.loop = undefined;
  }

  /** One receive-invoke-acknowledge cycle; answers how many messages it handled. */
  async pollOnce(waitSeconds = 0): Promise<number> {
    const { mapping, sqs } = this.options;
    const messages: Message[] = [];
    const windowEnds = Date.now() + mapping.maximumBatchingWindowSeconds * 1000;
    do {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: mapping.queueUrl,
          MaxNumberOfMessages: Math.min(10, mapping.batchSize - messages.length),
          WaitTimeSeconds: messages.length === 0 ? waitSeconds : 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.abort.signal },
      );
      messages.push(...Messages);
      if (Messages.length === 0) break;
    } while (messages.length < mapping.batchSize && Date.now() < windowEnds);
    if (messages.length === 0) return 0;

    const invocation = await this.options.host.invoke({
      Records: messages.map((message) => this.toRecord(message)),
    });
    const failedIds = new Set<string>();
    if (!invocation.ok) {
      for (const message of messages) failedIds.add(message.MessageId ?? '');
    } else if (mapping.reportBatchItemFailures) {
      const reported = (invocation.result as { batchItemFailures?: { itemIdentifier?: string }[] })
        ?.batchItemFailures;
      const known = new Set(messages.map((message) => message.MessageId));
      for (const failure of reported ?? []) {
        // An identifier that is not in the batch makes Lambda fail the whole batch.
        if (!known.has(failure.itemIdentifier)) {
          for (const message of messages) failedIds.add(message.MessageId ?? '');
          break;
        }
        failedIds.add(failure.itemIdentifier ?? '');
      }
    }

    const succeeded = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
    const failed = messages.filter((message) => failedIds.has(message.MessageId ?? ''));
    if (succeeded.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: succeeded.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    if (failed.length > 0 && this.options.failedMessageVisibilitySeconds !== undefined) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: failed.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: this.options.failedMessageVisibilitySeconds,
          })),
        }),
      );
    }
    this.options.onBatch?.({
      records: messages.length,
      failed: failed.length,
      ...(invocation.ok ? {} : { error: invocation.error.errorMessage }),
    });
    return messages.length;
  }

  private toRecord(message: Message) {
    const attributes = message.Attributes ?? {};
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
        SenderId: attributes.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp:
          attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.mapping.queueArn,
      awsRegion: this.options.region,
    };
  }
}
