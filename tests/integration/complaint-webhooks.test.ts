import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

let app: LocalApp;
let documents: DynamoDBDocumentClient;
let tableName: string;
let queueUrl: string;
let deadLetterQueueUrl: string;
let secret: string;
const logs: string[] = [];

beforeAll(async () => {
  app = await startLocalApp({
    assemblyDirectory: inject('assemblyDirectory'),
    failedMessageVisibilitySeconds: 0,
    onLog: (_fn, line) => logs.push(line),
  });
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: app.endpoint,
      region: app.region,
      credentials: emulatorCredentials,
    }),
  );
  tableName = app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME ?? '';
  queueUrl = app.host('ComplaintIntake').fn.environment.COMPLAINT_EVENTS_QUEUE_URL ?? '';
  const redrive = await app.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const deadLetterArn = JSON.parse(redrive.Attributes?.RedrivePolicy ?? '{}')
    .deadLetterTargetArn as string;
  deadLetterQueueUrl = queueUrl.replace(/[^/]+$/, deadLetterArn.split(':').at(-1) ?? '');
  secret = app.complaintSourceSecrets().crm ?? '';
});

afterAll(async () => {
  await app?.stop();
});

async function post(request: Parameters<LocalApp['hosts'][number]['invoke']>[0]) {
  const invocation = await app.host('ComplaintIntake').invoke(request);
  if (!invocation.ok) throw new Error(`intake failed: ${invocation.error.errorMessage}`);
  const response = invocation.result as {
    statusCode: number;
    headers?: Record<string, string>;
    body: string;
  };
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

/** Runs the processor's event source until the complaint queue is empty. */
async function drainQueue() {
  const source = app.eventSourceOf('ComplaintProcessor');
  for (let round = 0; round < 50; round += 1) {
    const handled = await source.pollOnce(0);
    if (handled === 0 && (await visibleMessages(queueUrl)) === 0) return;
  }
  throw new Error('the complaint queue did not drain');
}

async function visibleMessages(url: string) {
  const { Attributes } = await app.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function complaintState(complaintId: string) {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: complaintKeys.pk('crm', complaintId), sk: 'STATE' },
    }),
  );
  return Item;
}

async function complaintItems(complaintId: string) {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': complaintKeys.pk('crm', complaintId) },
    }),
  );
  return Items;
}

describe('complaint webhooks', () => {
  it('stores a signed event in DynamoDB with its reporting month, on its shard of the month', async () => {
    // Prepare: the sample request from events/, signed with the seeded crm secret.
    const sample = JSON.parse(
      readFileSync(new URL('../../events/complaint-webhook.apigw.json', import.meta.url), 'utf8'),
    ) as { body: string };
    const suffix = randomUUID();
    const body = JSON.parse(sample.body) as { events: Record<string, string>[] };
    for (const event of body.events) {
      event.eventId = `${event.eventId}-${suffix}`;
      event.complaintId = `${event.complaintId}-${suffix}`;
    }
    const complaintId = body.events[0]?.complaintId ?? '';

    // Act
    const response = await post(signedWebhookRequest({ secret, body }));
    await drainQueue();

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toEqual({ accepted: 2 });
    const state = await complaintState(complaintId);
    expect(state).toMatchObject({
      complaintId,
      status: 'resolved',
      kind: 'complaint',
      category: 'billing',
      region: 'GD-SZ',
      service: 'mobile_data',
      via: 'direct',
      outcome: 'upheld',
      createdAt: '2026-10-08T01:15:00.000Z',
      firstResolvedAt: '2026-10-10T08:40:00.000Z',
      eventCount: 2,
    });
    // Its month index keys: the month, on the complaint's shard (docs/data-model.md).
    const shard = complaintKeys.monthIndexKey('2026-10', complaintKeys.pk('crm', complaintId));
    expect(shard).toMatch(/^2026-10#\d+$/);
    expect(state?.createdMonth).toBe(shard);
    expect(state?.firstResolvedMonth).toBe(shard);
    expect(Number(state?.expiresAt)).toBeGreaterThan(Date.now() / 1000 + 399 * 86_400);
  });

  it('accepts a body that API Gateway base64-encoded and verifies it as sent', async () => {
    const event = complaintEvent({ region: 'BJ' });

    const response = await post(signedWebhookRequest({ secret, body: event, base64: true }));
    await drainQueue();

    expect(response.statusCode).toBe(202);
    expect(await complaintState(event.complaintId)).toMatchObject({ region: 'BJ', status: 'open' });
  });

  it('applies the same event sent three times once', async () => {
    const event = complaintEvent();

    const responses = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      responses.push(await post(signedWebhookRequest({ secret, body: event })));
    }
    await drainQueue();

    expect(responses.map((response) => response.statusCode)).toEqual([202, 202, 202]);
    const items = await complaintItems(event.complaintId);
    expect(items.map((item) => item.sk).sort()).toEqual([`EVENT#${event.eventId}`, 'STATE']);
    expect(await complaintState(event.complaintId)).toMatchObject({ eventCount: 1, version: 1 });
  });

  it('ends an out-of-order lifecycle in the state its times decide', async () => {
    // Prepare: a complaint created, resolved, reopened, resolved again and closed;
    // delivered closed first and created last, each in its own request.
    const complaintId = `cmp-${randomUUID()}`;
    const at = (day: number, hour: number) =>
      `2026-10-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+08:00`;
    const lifecycle = [
      complaintEvent({ complaintId, type: 'created', occurredAt: at(1, 9) }),
      complaintEvent({ complaintId, type: 'resolved', occurredAt: at(3, 10) }),
      complaintEvent({ complaintId, type: 'reopened', occurredAt: at(4, 11) }),
      complaintEvent({ complaintId, type: 'resolved', occurredAt: at(6, 12), outcome: 'upheld' }),
      complaintEvent({ complaintId, type: 'closed', occurredAt: at(7, 13) }),
    ];

    for (const event of [...lifecycle].reverse()) {
      expect((await post(signedWebhookRequest({ secret, body: event }))).statusCode).toBe(202);
      await drainQueue();
    }

    expect(await complaintState(complaintId)).toMatchObject({
      status: 'closed',
      createdAt: '2026-10-01T01:00:00.000Z',
      firstResolvedAt: '2026-10-03T02:00:00.000Z',
      lastResolvedAt: '2026-10-06T04:00:00.000Z',
      reopenedAt: '2026-10-04T03:00:00.000Z',
      reopenCount: 1,
      closedAt: '2026-10-07T05:00:00.000Z',
      outcome: 'upheld',
      eventCount: 5,
    });
  });

  it.each([
    ['a wrong secret', { secret: 'not-the-secret-of-this-source-at-all' }],
    ['an expired timestamp', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
    ['no signature header', { signature: null }],
    ['a malformed signature header', { signature: 'sha256=abc' }],
    ['an unknown source', { source: 'no-such-source' }],
  ])('refuses %s with 401 and queues nothing', async (_case, spoil) => {
    const event = complaintEvent();

    const response = await post(signedWebhookRequest({ secret, body: event, ...spoil }));

    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 401, title: 'Unauthenticated' });
    expect(await visibleMessages(queueUrl)).toBe(0);
    await drainQueue();
    expect(await complaintState(event.complaintId)).toBeUndefined();
  });

  it('refuses a malformed event with 400 and a JSON pointer to the field', async () => {
    const good = complaintEvent();
    const bad = { ...complaintEvent(), occurredAt: '2026-10-08 09:15', color: 'red' };

    const response = await post(signedWebhookRequest({ secret, body: { events: [good, bad] } }));

    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/events/1/occurredAt' }),
        { pointer: '/events/1/color', detail: 'unknown field' },
      ]),
    );
    expect(await visibleMessages(queueUrl)).toBe(0);
    await drainQueue();
    expect(await complaintState(good.complaintId)).toBeUndefined();
  });

  it('refuses events dated year 0000, 9999 or past the raw-data retention with 400', async () => {
    const good = complaintEvent();
    const events = [
      good,
      complaintEvent({ occurredAt: '0000-01-01T00:00:00Z' }),
      complaintEvent({ occurredAt: '9999-12-31T23:59:59Z' }),
      complaintEvent({ occurredAt: new Date(Date.now() - 401 * 86_400_000).toISOString() }),
    ];

    const response = await post(signedWebhookRequest({ secret, body: { events } }));

    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({
      type: 'urn:telecom-service-quality:problem:validation',
    });
    expect((response.json.errors as { pointer: string }[]).map((error) => error.pointer)).toEqual([
      '/events/1/occurredAt',
      '/events/2/occurredAt',
      '/events/3/occurredAt',
    ]);
    expect(await visibleMessages(queueUrl)).toBe(0);
    await drainQueue();
    expect(await complaintState(good.complaintId)).toBeUndefined();
  });

  it('refuses a body over 64 KiB with 413 and a non-JSON body with 415', async () => {
    const events = Array.from({ length: 100 }, () =>
      complaintEvent({ category: 'other', customerRef: 'x'.repeat(64) }),
    );
    const tooLarge = JSON.stringify({ events }).padEnd(64 * 1024 + 1, ' ');

    const large = await post(signedWebhookRequest({ secret, body: tooLarge }));
    const text = await post(
      signedWebhookRequest({ secret, body: complaintEvent(), contentType: 'text/plain' }),
    );

    expect(large.statusCode).toBe(413);
    expect(text.statusCode).toBe(415);
    expect(await visibleMessages(queueUrl)).toBe(0);
  });

  it('dead-letters a poison message after its retries while its batch-mates are stored', async () => {
    // Prepare: a batch of three good messages around one that can never be applied.
    const good = [complaintEvent(), complaintEvent(), complaintEvent()];
    const poisonBody = JSON.stringify({
      source: 'crm',
      event: { eventId: `poison-${randomUUID()}` },
    });
    await app.sqs.send(new PurgeQueueCommand({ QueueUrl: deadLetterQueueUrl }));
    await app.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          {
            Id: 'a',
            MessageBody: JSON.stringify({
              source: 'crm',
              receivedAt: new Date().toISOString(),
              event: good[0],
            }),
          },
          { Id: 'poison', MessageBody: poisonBody },
          {
            Id: 'b',
            MessageBody: JSON.stringify({
              source: 'crm',
              receivedAt: new Date().toISOString(),
              event: good[1],
            }),
          },
          {
            Id: 'c',
            MessageBody: JSON.stringify({
              source: 'crm',
              receivedAt: new Date().toISOString(),
              event: good[2],
            }),
          },
        ],
      }),
    );

    // Act
    await drainQueue();

    // Assess
    for (const event of good) {
      expect(await complaintState(event.complaintId)).toMatchObject({ status: 'open' });
    }
    const { Messages = [] } = await app.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(Messages.map((message) => message.Body)).toEqual([poisonBody]);
  });

  it('logs no secret and no customer reference', async () => {
    expect(logs.length).toBeGreaterThan(0);
    const joined = logs.join('\n');
    expect(joined).not.toContain(secret);
    expect(joined).not.toContain('cust-88412');
  });
});
