/*
 * The sandbox's SQS poller (sandbox/triggers/sqs-event-source.ts) against the emulator, with
 * a function of this file's own that takes a while per batch: several batches of a queue are
 * in flight at once, never more than the mapping's MaximumConcurrency (else the default),
 * every message is handled once and deleted, and stopping waits for the batches in flight.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startMoto } from '#sandbox/emulator/moto.ts';
import { emulatorCredentials, type LocalFunction } from '#sandbox/emulator/provision.ts';
import { LambdaHost } from '#sandbox/lambda/lambda-host.ts';
import { DEFAULT_BATCHES_IN_FLIGHT, SqsEventSource } from '#sandbox/triggers/sqs-event-source.ts';

const region = 'us-east-1';
let emulator: RunningEmulator;
let sqs: SQSClient;
let assetDirectory: string;

/*
 * The function: notes when each batch starts and ends (one line per batch, appended to a
 * file named by its environment), taking 300 ms over each.
 */
const HANDLER = `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const bodies = event.Records.map((record) => record.body);
  appendFileSync(process.env.BATCH_LOG, JSON.stringify({ started, ended: Date.now(), bodies }) + '\\n');
  return { batchItemFailures: [] };
};
`;

beforeAll(async () => {
  emulator = await startMoto();
  sqs = new SQSClient({ endpoint: emulator.endpoint, region, credentials: emulatorCredentials });
  assetDirectory = await mkdtemp(join(tmpdir(), 'sqs-event-source-'));
  await writeFile(join(assetDirectory, 'index.mjs'), HANDLER);
});

afterAll(async () => {
  sqs?.destroy();
  await emulator?.stop();
  if (assetDirectory) await rm(assetDirectory, { recursive: true, force: true });
});

/** A queue holding `count` messages, a function that logs its batches, and their poller. */
async function pollerWith(name: string, count: number, maximumConcurrency: number | undefined) {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  for (let start = 0; start < count; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: Math.min(10, count - start) }, (_, index) => ({
          Id: String(index),
          MessageBody: `message-${start + index}`,
        })),
      }),
    );
  }
  const log = join(assetDirectory, `${name}.jsonl`);
  const fn: LocalFunction = {
    stackName: 'test',
    logicalId: name,
    functionName: name,
    functionArn: `arn:aws:lambda:${region}:123456789012:function:${name}`,
    assetDirectory,
    handler: 'index.handler',
    timeoutSeconds: 30,
    memorySize: 128,
    environment: { BATCH_LOG: log },
    tracing: 'PassThrough',
    platformLogs: false,
  };
  const host = new LambdaHost({
    fn,
    endpoint: emulator.endpoint,
    region,
    credentials: emulatorCredentials,
    // More environments than batches allowed: the poller, not the host, sets the limit.
    concurrency: 8,
  });
  const source = new SqsEventSource({
    mapping: {
      functionArn: fn.functionArn,
      queueArn: `arn:aws:sqs:${region}:123456789012:${name}`,
      queueUrl: QueueUrl,
      batchSize: 2,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
      maximumConcurrency,
    },
    host,
    sqs,
    region,
  });
  const batches = async () =>
    (await readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { started: number; ended: number; bodies: string[] });
  const counts = async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      waiting: Number(Attributes.ApproximateNumberOfMessages),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    };
  };
  const messagesLeft = async () => {
    const { waiting, inFlight } = await counts();
    return waiting + inFlight;
  };
  return { source, host, batches, counts, messagesLeft };
}

/** The most batches that ran at one moment. */
function mostAtOnce(batches: { started: number; ended: number }[]) {
  return Math.max(
    ...batches.map(
      (batch) =>
        batches.filter((other) => other.started <= batch.started && batch.started < other.ended)
          .length,
    ),
  );
}

const until = async (done: () => Promise<boolean>) => {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('not done within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('the SQS poller', () => {
  it("runs up to the mapping's MaximumConcurrency batches at once, each message once", async () => {
    // Prepare: 24 messages, batches of two, at most three at once.
    const { source, host, batches, messagesLeft } = await pollerWith('most-three', 24, 3);

    // Act
    source.start();
    await until(async () => (await batches()).length >= 12);
    await source.stop();
    await host.stop();

    // Assess: three at once at the most, and at some moment three; every message once, deleted.
    const handled = await batches();
    expect(source.batchesInFlight).toBe(3);
    expect(mostAtOnce(handled)).toBe(3);
    expect(handled.flatMap((batch) => batch.bodies).sort()).toEqual(
      Array.from({ length: 24 }, (_, n) => `message-${n}`).sort(),
    );
    expect(await messagesLeft()).toBe(0);
  });

  it('runs the default number of batches at once when the mapping sets none', async () => {
    const { source, host, batches } = await pollerWith('default-most', 20, undefined);

    source.start();
    await until(async () => (await batches()).length >= 10);
    await source.stop();
    await host.stop();

    expect(mostAtOnce(await batches())).toBe(DEFAULT_BATCHES_IN_FLIGHT);
  });

  it('waits, when stopped, for the batches in flight to be handled and deleted', async () => {
    const { source, host, batches, counts } = await pollerWith('stopped', 8, 2);

    // Stopped as soon as batches are in flight: those end, and are deleted; no more start.
    source.start();
    await until(async () => (await counts()).inFlight > 0);
    await source.stop();
    const handledAtStop = (await batches()).flatMap((batch) => batch.bodies);
    await host.stop();

    expect(handledAtStop.length).toBeGreaterThan(0);
    expect(handledAtStop.length).toBeLessThan(8);
    expect(await counts()).toEqual({ waiting: 8 - handledAtStop.length, inFlight: 0 });
  });
});
