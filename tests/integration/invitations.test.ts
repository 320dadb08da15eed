import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { LambdaHost } from '#sandbox/lambda/lambda-host.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { SMS_TEXTS } from '#shared/domain/sms-conversation.ts';
import { deriveSurveyKey, hashSurveyToken, phoneHash } from '#shared/domain/survey-token.ts';
import { recordedSms, startRecording } from '../support/moto-recorder.ts';
import { signedWebhookRequest } from '../support/webhooks.ts';

let app: LocalApp;
let documents: DynamoDBDocumentClient;
let tableName: string;
let secret: string;
let phonePepper: Buffer;
const logs: string[] = [];
const route = { routeKey: 'POST /invitations', path: '/invitations' };

beforeAll(async () => {
  app = await startLocalApp({
    assemblyDirectory: inject('assemblyDirectory'),
    httpApiUrl: 'https://surveys.operator.example',
    onLog: (_fn, line) => logs.push(line),
    onError: (fn, error) => logs.push(`${fn} ${error.errorType} ${error.errorMessage}`),
  });
  const intake = app.host('InvitationIntake').fn;
  // Quiet hours that never apply, so that SMS tests do not depend on the time of day.
  intake.environment.QUIET_HOURS = '00:00-00:00';
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: app.endpoint,
      region: app.region,
      credentials: emulatorCredentials,
    }),
  );
  tableName = intake.environment.SURVEYS_TABLE_NAME ?? '';
  const secretArns = JSON.parse(intake.environment.INVITATION_SOURCE_SECRETS ?? '{}') as Record<
    string,
    string
  >;
  secret = JSON.parse(app.provisioned.secretValues.get(secretArns.crm ?? '') ?? '{}').current;
  const pepperSecret = JSON.parse(
    app.provisioned.secretValues.get(intake.environment.PHONE_PEPPER_SECRET_ARN ?? '') ?? '{}',
  );
  phonePepper = deriveSurveyKey('phone-hash', pepperSecret.key);
});

afterAll(async () => {
  await app?.stop();
});

function invitation(overrides: Record<string, unknown> = {}) {
  return {
    eventId: `inv-${randomUUID()}`,
    customerRef: `cust-${randomUUID().slice(0, 8)}`,
    phone: `+86138${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    locale: 'zh-CN',
    channel: 'web',
    touchpoint: 'store',
    region: 'GD-SZ',
    service: 'mobile_data',
    occurredAt: '2026-10-08T09:15:00+08:00',
    ...overrides,
  };
}

async function post(body: unknown, host = app.host('InvitationIntake')) {
  const invocation = await host.invoke(signedWebhookRequest({ secret, body, route }));
  if (!invocation.ok) throw new Error(invocation.error.errorMessage);
  const response = invocation.result as {
    statusCode: number;
    headers?: Record<string, string>;
    body: string;
  };
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

async function allItems() {
  const { Items = [] } = await documents.send(new ScanCommand({ TableName: tableName }));
  return Items;
}

describe('POST /invitations', () => {
  it('creates a web invitation with an absolute survey link and stores only the token hash', async () => {
    const request = invitation();
    const before = Date.now();

    const response = await post(request);

    expect(response.statusCode).toBe(201);
    expect(response.json).toMatchObject({
      invitationId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      surveyUrl: expect.stringMatching(
        /^https:\/\/surveys\.operator\.example\/s\/[A-Za-z0-9_-]{43}$/,
      ),
      channel: 'web',
      status: 'created',
    });
    const expiresAt = Date.parse(String(response.json.expiresAt));
    expect(expiresAt - before).toBeGreaterThanOrEqual(7 * 86_400_000 - 5_000);
    expect(expiresAt - before).toBeLessThanOrEqual(7 * 86_400_000 + 5_000);
    const token = String(response.json.surveyUrl).split('/').at(-1) ?? '';
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `TOKEN#${hashSurveyToken(token)}`, sk: 'TOKEN' },
      }),
    );
    expect(Item?.invitationId).toBe(response.json.invitationId);
    const stored = JSON.stringify(await allItems());
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(request.phone.slice(1));
  });

  it('answers 200 with the same body when the same eventId comes again', async () => {
    const request = invitation();

    const first = await post(request);
    const second = await post(request);

    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json).toEqual(first.json);
  });

  /** Ten pairs of requests at once through four execution environments. */
  async function pairsAtOnce(pair: () => [unknown, unknown]) {
    const intake = new LambdaHost({
      fn: app.host('InvitationIntake').fn,
      endpoint: app.endpoint,
      region: app.region,
      credentials: emulatorCredentials,
      concurrency: 4,
    });
    try {
      return await Promise.all(
        Array.from({ length: 10 }, () =>
          Promise.all(pair().map((request) => post(request, intake))),
        ),
      );
    } finally {
      await intake.stop();
    }
  }

  it('creates one invitation for an eventId sent twice at once, and answers both with it', async () => {
    // The second of a pair may find the first, or lose the race to it in the transaction.
    const pairs = await pairsAtOnce(() => {
      const request = invitation();
      return [request, request];
    });

    for (const pair of pairs) {
      expect(pair.map((response) => response.statusCode).sort()).toEqual([200, 201]);
      expect(pair[0]?.json).toEqual(pair[1]?.json);
    }
  });

  it('lets one of two invitations to a customer sent at once through, and caps the other', async () => {
    const pairs = await pairsAtOnce(() => {
      const first = invitation();
      return [first, invitation({ customerRef: first.customerRef })];
    });

    for (const pair of pairs) {
      expect(pair.map((response) => response.statusCode).sort()).toEqual([201, 409]);
      expect(pair.find((response) => response.statusCode === 409)?.json).toMatchObject({
        reason: 'frequency_cap',
      });
    }
  });

  it('refuses a second invitation to a customer within 30 days with 409 frequency_cap', async () => {
    const first = invitation();

    await post(first);
    const second = await post(invitation({ customerRef: first.customerRef }));

    expect(second.statusCode).toBe(409);
    expect(second.headers?.['content-type']).toBe('application/problem+json');
    expect(second.json).toMatchObject({ status: 409, reason: 'frequency_cap' });
  });

  it('refuses an opted-out phone with 409 opted_out and creates nothing', async () => {
    const request = invitation();
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: `PHONE#${phoneHash(phonePepper, request.phone)}`, sk: 'OPTOUT' },
      }),
    );

    const response = await post(request);

    expect(response.statusCode).toBe(409);
    expect(response.json).toMatchObject({ reason: 'opted_out' });
    const items = await allItems();
    expect(items.some((item) => item.customerRef === request.customerRef)).toBe(false);
  });

  it('defers a deferrable SMS in quiet hours to their end and suppresses one that is not', async () => {
    // An intake whose quiet hours cover the whole day.
    const fn = app.host('InvitationIntake').fn;
    const alwaysQuiet = new LambdaHost({
      fn: { ...fn, environment: { ...fn.environment, QUIET_HOURS: '00:00-23:59' } },
      endpoint: app.endpoint,
      region: app.region,
      credentials: emulatorCredentials,
    });
    try {
      const deferred = await post(invitation({ channel: 'sms', deferrable: true }), alwaysQuiet);
      const suppressed = await post(invitation({ channel: 'sms' }), alwaysQuiet);

      await app.drain('SmsSender');
      const wakeUpQueueUrl = app.host('SmsSender').fn.environment.SMS_WAKE_UP_QUEUE_URL;
      const { Attributes } = await app.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: wakeUpQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
        }),
      );

      // The deferred SMS sleeps on the wake-up queue; nothing is sent in quiet hours.
      expect(Number(Attributes?.ApproximateNumberOfMessagesDelayed)).toBeGreaterThanOrEqual(1);
      expect(deferred.statusCode).toBe(201);
      expect(deferred.json).toMatchObject({
        status: 'deferred',
        sendAt: expect.stringMatching(/T15:59:00.000Z$/),
      });
      expect(suppressed.statusCode).toBe(409);
      expect(suppressed.json).toMatchObject({ reason: 'quiet_hours' });
    } finally {
      await alwaysQuiet.stop();
    }
  });

  it('sends a queued SMS once, in the invitation locale, and opens the conversation', async () => {
    const request = invitation({ channel: 'sms', locale: 'en' });
    await startRecording(app.endpoint);

    const created = await post(request);
    const repeated = await post(request);
    await app.drain('SmsSender');

    expect(created.json).toMatchObject({ channel: 'sms', status: 'queued' });
    expect(repeated.statusCode).toBe(200);
    const sms = (await recordedSms(app.endpoint)).filter(
      (message) => message.phone === request.phone,
    );
    expect(sms).toEqual([{ phone: request.phone, text: SMS_TEXTS.csat?.en }]);
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `INVITATION#${String(created.json.invitationId)}`, sk: 'INVITATION' },
      }),
    );
    expect(Item).toMatchObject({ status: 'sent', sentAt: expect.any(String) });
    // Sent: the outbox entry, and the encrypted number in it, are gone.
    const outbox = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `INVITATION#${String(created.json.invitationId)}`, sk: 'OUTBOX' },
      }),
    );
    expect(outbox.Item).toBeUndefined();
    const conversation = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: {
          pk: `PHONE#${phoneHash(phonePepper, request.phone)}`,
          sk: 'CONVERSATION',
        },
      }),
    );
    expect(conversation.Item).toMatchObject({
      invitationId: created.json.invitationId,
      step: 'csat',
    });
  });

  it('refuses an invalid request with 400 and a pointer per field, and a bad signature with 401', async () => {
    const invalid = await post(
      invitation({ phone: '13800138000', touchpoint: 'kiosk', extra: true }),
    );
    const unsigned = await app.host('InvitationIntake').invoke(
      signedWebhookRequest({
        secret: 'someone-elses-secret-entirely',
        body: invitation(),
        route,
      }),
    );

    expect(invalid.statusCode).toBe(400);
    expect(
      (invalid.json.errors as { pointer: string }[]).map((error) => error.pointer).sort(),
    ).toEqual(['/extra', '/phone', '/touchpoint']);
    expect(unsigned.ok && (unsigned.result as { statusCode: number }).statusCode).toBe(401);
  });

  it('logs no phone number and no survey link', () => {
    const joined = logs.join('\n');
    expect(joined).toContain('invitation answered');
    expect(joined).not.toMatch(/\+86138\d{8}/);
    expect(joined).not.toContain('/s/');
  });
});
