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
 * Batches of one queue in flight at once when its mapping sets no MaximumConcurrency.
 * Lambda starts five pollers and scales up; the sandbox runs a function in up to four
 * execution environments, so a fifth batch would only wait for one of them.
 */
export const DEFAULT_BATCHES_IN_FLIGHT = 4;

/**
 * Polls a queue as Lambda's event source mapping does: batches up to the batch size
 * within the batching window, invokes the function, deletes what succeeded, and with
 * ReportBatchItemFailures leaves only the reported items for redelivery. Redrive to the
 * dead-letter queue after maxReceiveCount is the emulator's, as it is SQS's. While
 * batches keep coming, several are in flight at once (the mapping's MaximumConcurrency,
 * else DEFAULT_BATCHES_IN_FLIGHT), as Lambda's pollers are; a FIFO queue's group stays in
 * order because the queue hands out none of a group's messages while one is in flight.
 */
export class SqsEventSource {
  private readonly options: SqsEventSourceOptions;
  private loop: PollingLoop | undefined;
  private abort = new AbortController();
  /** Batches being handled by the running loop, each until it has been acknowledged. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: SqsEventSourceOptions) {
    this.options = options;
  }

  /** Batches of this queue that the running loop hands to the function at once, at most. */
  get batchesInFlight(): number {
    return this.options.mapping.maximumConcurrency ?? DEFAULT_BATCHES_IN_FLIGHT;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    // Long polling (one second) is the wait between empty receives. One receive at a time:
    // a batch found is handed over and the next receive starts at once, until as many
    // batches are in flight as the mapping allows; then it waits for one to end.
    this.loop = pollContinuously({
      poll: async () => {
        while (this.inFlight.size >= this.batchesInFlight) await Promise.race(this.inFlight);
        const messages = await this.receiveBatch(1);
        if (messages.length > 0) this.handInBackground(messages);
        return messages.length;
      },
      idleMs: 0,
      onError: (error) => this.reportError(error),
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.stop();
    this.loop = undefined;
    await Promise.all(this.inFlight);
  }

  /** One receive-invoke-acknowledge cycle; answers how many messages it handled. */
  async pollOnce(waitSeconds = 0): Promise<number> {
    const messages = await this.receiveBatch(waitSeconds);
    if (messages.length === 0) return 0;
    await this.handle(messages);
    return messages.length;
  }

  private reportError(error: string) {
    this.options.onBatch?.({ records: 0, failed: 0, error });
  }

  /** Handles a batch while the loop receives the next; a failure is reported, as the loop's are. */
  private handInBackground(messages: Message[]) {
    const handling: Promise<void> = this.handle(messages)
      .catch((error: unknown) => this.reportError((error as Error).message))
      .finally(() => this.inFlight.delete(handling));
    this.inFlight.add(handling);
  }

  /** Up to a batch of messages, gathered within the batching window; none after `waitSeconds`. */
  private async receiveBatch(waitSeconds: number): Promise<Message[]> {
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
    return messages;
  }

  /** Invokes the function with a batch, deletes what succeeded and sets aside what failed. */
  private async handle(messages: Message[]): Promise<void> {
    const { mapping, sqs } = this.options;
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
