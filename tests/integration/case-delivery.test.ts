import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import {
  directSurveysTable,
  linkKeyOf,
  postInvitation,
  startTestSandbox,
} from '../support/sandbox.ts';

/** A delivery the local receiver got: verified with the official package, or not. */
interface Received {
  /** The delivered case's field names. */
  fields: string[];
  endpoint: string;
  webhookId: string;
  caseId: string;
  status: number;
  verified: boolean;
}

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const ticketingSecret = secret();
const rotatedOld = secret();
const rotatedNew = secret();

let sandbox: Sandbox;
let surveys: ReturnType<typeof directSurveysTable>;
let receiver: Server;
let sqs: SQSClient;
const received: Received[] = [];
/** What the ticketing endpoint answers, attempt by attempt, for a case whose comment names it. */
const scripts: Record<string, number[]> = { ok: [200], flaky: [500, 200], refuse: [400] };

/**
 * The operator's receiver on 127.0.0.1: `/ticketing` verifies with its one secret,
 * `/rotating` with only the old secret of a rotation under way.
 */
function answer(endpoint: string, headers: IncomingHttpHeaders, body: string): Received {
  const key = endpoint === 'ticketing' ? ticketingSecret : rotatedOld;
  let verified = false;
  let caseId = '';
  let fields: string[] = [];
  try {
    const payload = new Webhook(key).verify(body, headers as Record<string, string>) as {
      data: { caseId: string; comment?: string };
    };
    verified = true;
    caseId = payload.data.caseId;
    fields = Object.keys(payload.data).sort();
  } catch {
    verified = false;
  }
  const comment = (JSON.parse(body) as { data: { comment?: string } }).data.comment ?? 'ok';
  const webhookId = String(headers['webhook-id']);
  const before = received.filter((r) => r.endpoint === endpoint && r.webhookId === webhookId);
  const script = endpoint === 'ticketing' ? (scripts[comment] ?? [200]) : [200];
  const status = verified ? (script[Math.min(before.length, script.length - 1)] ?? 200) : 401;
  return { fields, endpoint, webhookId, caseId, status, verified };
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const delivery = answer(
        (request.url ?? '').slice(1),
        request.headers,
        Buffer.concat(chunks).toString('utf8'),
      );
      received.push(delivery);
      response.writeHead(delivery.status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  sandbox = await startTestSandbox();
  surveys = directSurveysTable(sandbox);
  const clientConfig = {
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  };
  sqs = new SQSClient(clientConfig);
  const secrets = new SecretsManagerClient(clientConfig);
  const arnOf = async (name: string, value: object) =>
    (
      await secrets.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
      )
    ).ARN ?? '';
  const secretArns = {
    ticketing: await arnOf(`ticketing-${randomBytes(4).toString('hex')}`, {
      current: ticketingSecret,
    }),
    rotating: await arnOf(`rotating-${randomBytes(4).toString('hex')}`, {
      current: rotatedNew,
      previous: rotatedOld,
    }),
  };
  secrets.destroy();
  // Two endpoints on the local receiver, as `-c followUpEndpoints=…` would configure them;
  // the sandbox alone may deliver to its loopback receiver, and retries after a second.
  const urls = { ticketing: `${base}/ticketing`, rotating: `${base}/rotating` };
  sandbox.app.host('FollowUpCases').fn.environment.CASE_OPENED_ENDPOINTS = JSON.stringify(urls);
  Object.assign(sandbox.app.host('CaseDelivery').fn.environment, {
    CASE_ENDPOINT_URLS: JSON.stringify(urls),
    CASE_ENDPOINT_SECRETS: JSON.stringify(secretArns),
    SANDBOX_LOOPBACK_DELIVERY: '1',
    SANDBOX_FIRST_RETRY_SECONDS: '1',
  });
});

afterAll(async () => {
  sqs?.destroy();
  surveys?.documents.destroy();
  await sandbox?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** A web invitation answered badly, with the comment that picks the receiver's script. */
async function detractor(script: keyof typeof scripts, customerRef?: string) {
  const created = await postInvitation(sandbox, {
    channel: 'web',
    ...(customerRef ? { customerRef } : {}),
  });
  expect(created.status).toBe(201);
  const answered = await fetch(created.json.surveyUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ csat: 1, nps: 2, comment: script }),
  });
  expect(answered.status).toBe(202);
  return { ...created.json, caseId: `case_${created.json.invitationId}` };
}

async function caseOf(invitationId: string) {
  const { Item } = await surveys.documents.send(
    new GetCommand({
      TableName: surveys.tableName,
      Key: surveyKeys.followUpCase(invitationId),
      ConsistentRead: true,
    }),
  );
  return Item;
}

const deliveriesTo = (endpoint: string, caseId: string) =>
  received.filter((r) => r.endpoint === endpoint && r.caseId === caseId);

async function until(test: () => boolean | Promise<boolean>, what: string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await test()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The messages in the follow-up dead-letter queue, read straight from the emulator. */
async function deadLetters() {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: sandbox.app.host('CaseDelivery').fn.environment.FOLLOW_UP_DEAD_LETTER_QUEUE_URL,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
    }),
  );
  return Messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
}

describe('case delivery', () => {
  it('delivers a detractor answer once, signed, and keeps the attempt with the case', async () => {
    // Prepare
    const { invitationId, caseId, surveyUrl } = await detractor('ok');

    // Act
    await until(() => deliveriesTo('ticketing', caseId).length === 1, 'the delivery');
    // Delivered and its deliveries marked queued (the mark may land after the delivery);
    // the other endpoint's delivery settled too, so that the case kept below is final.
    await until(async () => {
      const item = await caseOf(invitationId);
      const settled = Object.values(
        (item?.deliveries ?? {}) as Record<string, { state?: string }>,
      ).every((entry) => entry.state !== 'pending');
      return (
        item?.deliveries?.ticketing?.state === 'delivered' && item.queuedAt !== undefined && settled
      );
    }, 'the deliveries kept');

    // Assess
    const [delivery] = deliveriesTo('ticketing', caseId);
    expect(delivery).toMatchObject({
      verified: true,
      status: 200,
      webhookId: `msg_${caseId}_opened`,
    });
    // What a person needs to call back, and nothing of the stored item besides.
    expect(delivery?.fields).toEqual([
      'answeredAt',
      'caseId',
      'channel',
      'comment',
      'csat',
      'customerRef',
      'invitationId',
      'nps',
      'openedAt',
      'region',
      'service',
      'touchpoint',
    ]);
    const kept = await caseOf(invitationId);
    expect(kept?.deliveries.ticketing.attempts).toEqual([
      { at: expect.any(String), attempt: 1, status: 200, outcome: 'delivered' },
    ]);

    // Act again: the stream brings the same answer twice more, as a retried batch would.
    const { Item: link } = await surveys.documents.send(
      new GetCommand({ TableName: surveys.tableName, Key: linkKeyOf(surveyUrl) }),
    );
    const { answeredAt, answeredBy, csat, nps, comment, ...unanswered } = link ?? {};
    const record = {
      eventID: 'redelivered',
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall(linkKeyOf(surveyUrl)),
        NewImage: marshall(link ?? {}),
        OldImage: marshall(unanswered),
        SequenceNumber: '900000000000000000002',
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    const again = await sandbox.app.host('FollowUpCases').invoke({ Records: [record, record] });
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // Assess: no second case, no second delivery.
    expect(again.ok).toBe(true);
    expect(await caseOf(invitationId)).toEqual(kept);
    expect(deliveriesTo('ticketing', caseId)).toHaveLength(1);
  });

  it('delivers after a retry when the receiver first answers 500', async () => {
    // Prepare and Act
    const { invitationId, caseId } = await detractor('flaky');
    await until(
      async () => (await caseOf(invitationId))?.deliveries?.ticketing?.state === 'delivered',
      'the delivery after a retry',
    );

    // Assess
    expect(deliveriesTo('ticketing', caseId).map((r) => r.status)).toEqual([500, 200]);
    const attempts = (await caseOf(invitationId))?.deliveries.ticketing.attempts;
    expect(attempts).toEqual([
      { at: expect.any(String), attempt: 1, status: 500, error: 'http_status', outcome: 'retry' },
      { at: expect.any(String), attempt: 2, status: 200, outcome: 'delivered' },
    ]);
    expect(Date.parse(attempts[1].at) - Date.parse(attempts[0].at)).toBeGreaterThanOrEqual(1_000);
  });

  it('dead-letters a delivery that the receiver refuses with 400, without retrying it', async () => {
    // Prepare and Act
    const { invitationId, caseId } = await detractor('refuse');
    await until(
      async () => (await caseOf(invitationId))?.deliveries?.ticketing?.state === 'failed',
      'the delivery given up',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // Assess
    expect(deliveriesTo('ticketing', caseId).map((r) => r.status)).toEqual([400]);
    expect(await deadLetters()).toContainEqual(
      expect.objectContaining({ caseId, endpoint: 'ticketing', reason: 'http_status' }),
    );
  });

  it('signs with both secrets during a rotation, so a receiver still on the old one accepts', async () => {
    // Prepare and Act
    const { invitationId, caseId } = await detractor('ok');
    await until(
      async () => (await caseOf(invitationId))?.deliveries?.rotating?.state === 'delivered',
      'the delivery to the rotating endpoint',
    );

    // Assess
    expect(deliveriesTo('rotating', caseId)).toEqual([
      expect.objectContaining({ verified: true, status: 200 }),
    ]);
  });

  it('is erased with the customer: the case and its delivery records', async () => {
    // Prepare: a delivered case of a customer of its own.
    const customerRef = `erase-case-${randomBytes(4).toString('hex')}`;
    const { invitationId } = await detractor('ok', customerRef);
    await until(
      async () => (await caseOf(invitationId))?.deliveries?.ticketing?.state === 'delivered',
      'the delivery',
    );

    // Act
    const erased = await fetch(`${sandbox.outputs.apiUrl}/customers/${customerRef}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sandbox.outputs.users.admins?.idToken}` },
    });

    // Assess
    expect(erased.status).toBe(202);
    expect(await erased.json()).toMatchObject({ status: 'erased', invitations: 1 });
    expect(await caseOf(invitationId)).toBeUndefined();
  });
});
