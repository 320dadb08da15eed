import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ComplaintMessage } from '../../domain/complaint-event.ts';
import { DependencyUnavailableError } from '../errors.ts';

const SQS_BATCH_LIMIT = 10;
const ATTEMPTS = 3;

/**
 * Puts complaint messages on the queue with SendMessageBatch, ten at a time, retrying
 * entries SQS refused. Throws when any entry still fails, so the caller answers 503 and
 * the operator retries; the events already queued are then harmless duplicates.
 */
export async function enqueueComplaintMessages(
  client: SQSClient,
  queueUrl: string,
  messages: readonly ComplaintMessage[],
): Promise<void> {
  const chunks: ComplaintMessage[][] = [];
  for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
    chunks.push(messages.slice(start, start + SQS_BATCH_LIMIT));
  }
  await Promise.all(chunks.map((chunk) => sendChunk(client, queueUrl, chunk)));
}

async function sendChunk(client: SQSClient, queueUrl: string, chunk: ComplaintMessage[]) {
  let pending = chunk.map((message, index) => ({
    Id: String(index),
    MessageBody: JSON.stringify(message),
  }));
  for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt += 1) {
    const result = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }),
    );
    const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
    pending = pending.filter((entry) => failed.has(entry.Id));
  }
  if (pending.length > 0) {
    throw new DependencyUnavailableError('The events could not be queued; retry the request.');
  }
}
