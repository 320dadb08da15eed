import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { answerLinkUpdate } from '#shared/adapters/dynamodb/link-answer.ts';
import { SMS_TEXTS } from '#shared/domain/sms-conversation.ts';
import { deriveSurveyKey, phoneHash } from '#shared/domain/survey-token.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import { dayCounters } from '../support/aggregates.ts';
import { recordedSms, startRecording } from '../support/moto-recorder.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

const LEASE_SECONDS = 2;
let app: LocalApp;
let documents: DynamoDBDocumentClient;
const logs: string[] = [];

beforeAll(async () => {
  // Nothing polls on its own: each test runs the event source of the function it crashes,
  // and a failed message is visible again at once (the queue's visibility timeout would
  // make the retry wait minutes; what is retried is the same).
  app = await startLocalApp({
    assemblyDirectory: inject('assemblyDirectory'),
    failedMessageVisibilitySeconds: 0,
    onLog: (_fn, line) => logs.push(line),
    onError: (fn, error) => logs.push(`${fn} ${error.errorType} ${error.errorMessage}`),
  });
  app.host('InvitationIntake').fn.environment.QUIET_HOURS = '00:00-00:00';
  // A claim's lease of 2 s instead of twice the sender's time limit, so that a claim left
  // by a dead sender is resolved within the test.
  app.host('SmsSender').fn.environment.SMS_CLAIM_LEASE_SECONDS = String(LEASE_SECONDS);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: app.directEndpoint,
      region: app.region,
      credentials: emulatorCredentials,
    }),
  );
});

afterAll(async () => {
  await app?.stop();
});

/** Invokes an HTTP function with an API Gateway request; answers status and JSON body. */
async function call(name: string, request: Parameters<LocalApp['hosts'][number]['invoke']>[0]) {
  const invocation = await app.host(name).invoke(request);
  if (!invocation.ok) throw new Error(`${name} failed: ${invocation.error.errorMessage}`);
  const response = invocation.result as { statusCode: number; body: string };
  return { statusCode: response.statusCode, json: JSON.parse(response.body) as unknown };
}

/** Messages still on a queue, visible or in flight. */
async function messagesOn(queueUrl: string) {
  const { Attributes } = await app.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** The log lines of one message, parsed, from a given point on. */
function logged(message: string, from = 0) {
  return logs
    .slice(from)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.message === message);
}

describe('the complaint processor killed mid-batch', () => {
  it('records every complaint event once after the retry', async () => {
    // Prepare: ten complaints in one request, so that one batch of ten reaches the processor.
    const secret = app.complaintSourceSecrets().crm ?? '';
    const events = Array.from({ length: 10 }, () => complaintEvent({ region: 'HB-WH' }));
    const accepted = await call(
      'ComplaintIntake',
      signedWebhookRequest({ secret, body: { events } }),
    );
    expect(accepted).toMatchObject({ statusCode: 202, json: { accepted: 10 } });
    const processor = app.host('ComplaintProcessor');
    const queueUrl = app.host('ComplaintIntake').fn.environment.COMPLAINT_EVENTS_QUEUE_URL ?? '';
    processor.setCrashFault({ operation: /TransactWriteItems$/, nth: 4 });
    const logsBefore = logs.length;

    // Act: the first delivery crashes once four of its writes have landed; then the retries.
    const delivered = await app.eventSourceOf('ComplaintProcessor').pollOnce(0);
    const crashes = [...processor.crashesInjected];
    await app.drain('ComplaintProcessor');

    // Assess: the crash hit the batch with writes of it already stored…
    expect(delivered).toBe(10);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]?.environments).toBe(1);
    expect(
      crashes[0]?.callsLanded.filter((operation) => operation.endsWith('TransactWriteItems')),
    ).toHaveLength(4);
    expect(logs.slice(logsBefore).some((line) => line.includes('Runtime.ExitError'))).toBe(true);
    // …which the retry found already applied (at least those four),
    const outcomes = logged('complaint event processed', logsBefore).map((entry) => entry.outcome);
    expect(outcomes.filter((outcome) => outcome === 'duplicate').length).toBeGreaterThanOrEqual(4);
    // …and every event is stored exactly once: one event item, one version, one count.
    const tableName = processor.fn.environment.COMPLAINTS_TABLE_NAME ?? '';
    for (const event of events) {
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': complaintKeys.pk('crm', event.complaintId) },
        }),
      );
      expect(Items.map((item) => item.sk).sort()).toEqual([`EVENT#${event.eventId}`, 'STATE']);
      expect(Items.find((item) => item.sk === 'STATE')).toMatchObject({
        eventCount: 1,
        version: 1,
        status: 'open',
      });
    }
    expect(await messagesOn(queueUrl)).toBe(0);
  });
});

describe('the response aggregator killed mid-batch', () => {
  it('counts every answer once after the retry', async () => {
    // Prepare: twenty answered links in a region of their own, on one day.
    const surveysTable = app.host('SurveyPage').fn.environment.SURVEYS_TABLE_NAME ?? '';
    const aggregatesTable =
      app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '';
    const aggregator = app.host('ResponseAggregator');
    await app.drain('ResponseAggregator');
    const region = 'HB-XG';
    const scores = Array.from({ length: 20 }, (_, index) => ({
      csat: 1 + (index % 5),
      nps: index % 11,
    }));
    for (const answers of scores) {
      const tokenHash = randomUUID();
      await documents.send(
        new PutCommand({
          TableName: surveysTable,
          Item: {
            ...surveyKeys.token(tokenHash),
            invitationId: randomUUID(),
            channel: 'web',
            touchpoint: 'store',
            region,
            service: 'mobile_data',
            locale: 'zh-CN',
            surveyVersion: 1,
            linkExpiresAt: '2099-01-01T00:00:00.000Z',
            createdAt: '2026-10-07T15:00:00.000Z',
          },
        }),
      );
      await documents.send(
        new UpdateCommand(
          answerLinkUpdate({
            TableName: surveysTable,
            tokenHash,
            answers,
            channel: 'web',
            at: new Date('2026-10-08T01:00:00.000Z'),
            retentionDays: 400,
          }),
        ),
      );
    }
    // The batch's one transaction lands, and the environment dies before it hears so.
    aggregator.setCrashFault({ operation: /TransactWriteItems$/, nth: 1 });
    const logsBefore = logs.length;

    // Act: the stream's retries.
    await app.drain('ResponseAggregator');

    // Assess: the crash came after the counts were stored…
    expect(aggregator.crashesInjected).toHaveLength(1);
    expect(aggregator.crashesInjected[0]?.callsLanded.at(-1)).toMatch(/TransactWriteItems$/);
    const runs = logged('responses aggregated', logsBefore);
    // …so the retry found its batch mark and counted nothing again,
    expect(runs.reduce((sum, run) => sum + Number(run.counted), 0)).toBe(0);
    expect(runs.reduce((sum, run) => sum + Number(run.duplicates), 0)).toBe(40);
    // …and the aggregates equal the answers, score by score.
    const { totals } = await dayCounters(
      documents,
      aggregatesTable,
      'responses',
      '2026-10-08',
      region,
    );
    const expected: Record<string, number> = { responses: scores.length };
    for (const { csat, nps } of scores) {
      expected[`csat_${csat}`] = (expected[`csat_${csat}`] ?? 0) + 1;
      expected[`nps_${nps}`] = (expected[`nps_${nps}`] ?? 0) + 1;
    }
    expect(totals).toEqual(expected);
  });
});

/**
 * `count` SMS invitations (numbers starting +86`prefix`) in one region, created through the
 * intake as the operator's CRM would, once the sender has nothing else pending and the SMS
 * recorder is on: one batch of their outbox entries waits on the stream.
 */
async function smsInvitations(count: number, prefix: string, region: string) {
  await app.drain('SmsSender');
  await startRecording(app.directEndpoint);
  const secret = app.invitationSourceSecrets().crm ?? '';
  const phones = Array.from(
    { length: count },
    (_, index) =>
      `+86${prefix}${String(index).padStart(2, '0')}${String(randomUUID().replace(/\D/g, '')).slice(0, 6).padEnd(6, '0')}`,
  );
  const invitationIds: string[] = [];
  for (const phone of phones) {
    const created = await call(
      'InvitationIntake',
      signedWebhookRequest({
        secret,
        route: { routeKey: 'POST /invitations', path: '/invitations' },
        body: {
          eventId: `crash-${randomUUID()}`,
          customerRef: `crash-${randomUUID().slice(0, 8)}`,
          phone,
          locale: 'en',
          channel: 'sms',
          touchpoint: 'store',
          region,
          service: 'mobile_data',
          occurredAt: new Date().toISOString(),
        },
      }),
    );
    expect(created.statusCode).toBe(201);
    invitationIds.push(String((created.json as { invitationId: string }).invitationId));
  }
  return { phones, invitationIds };
}

/** Each number got the first question once, and only once. */
async function expectOneSmsEach(phones: string[]) {
  const sms = await recordedSms(app.directEndpoint);
  for (const phone of phones) {
    expect(sms.filter((message) => message.phone === phone)).toEqual([
      { phone, text: SMS_TEXTS.csat?.en },
    ]);
  }
}

/**
 * Each invitation has the status `statusOf` names, no outbox entry left (the number is
 * gone), and its customer's conversation open at the first question.
 */
async function expectConversationsOpen(
  phones: string[],
  invitationIds: string[],
  statusOf: (invitationId: string) => string,
) {
  const intake = app.host('InvitationIntake').fn;
  const pepperSecret = JSON.parse(
    app.provisioned.secretValues.get(intake.environment.PHONE_PEPPER_SECRET_ARN ?? '') ?? '{}',
  ) as { key: string };
  const phonePepper = deriveSurveyKey('phone-hash', pepperSecret.key);
  const tableName = intake.environment.SURVEYS_TABLE_NAME ?? '';
  for (const [index, invitationId] of invitationIds.entries()) {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: surveyKeys.invitation(invitationId) }),
    );
    expect(Item).toMatchObject({ status: statusOf(invitationId) });
    const outbox = await documents.send(
      new GetCommand({ TableName: tableName, Key: surveyKeys.smsOutbox(invitationId) }),
    );
    expect(outbox.Item).toBeUndefined();
    const conversation = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: surveyKeys.conversation(phoneHash(phonePepper, phones[index] ?? '')),
      }),
    );
    expect(conversation.Item).toMatchObject({ invitationId, step: 'csat' });
  }
}

describe('the SMS sender killed mid-batch', () => {
  it('sends every SMS once and opens every conversation after the retry', async () => {
    // Prepare: ten SMS invitations, one batch of ten outbox entries on the stream.
    const sender = app.host('SmsSender');
    const { phones, invitationIds } = await smsInvitations(10, '139', 'GD-SZ');
    // Each SMS is claimed, published, then recorded as sent (a transaction each side): the
    // fourth record lands, and the environment dies before it hears so.
    sender.setCrashFault({ operation: /TransactWriteItems$/, nth: 8 });
    const logsBefore = logs.length;

    // Act: the stream's delivery crashes; then its retries.
    await app.drain('SmsSender');

    // Assess: the crash came after four SMS had been published and recorded…
    expect(sender.crashesInjected).toHaveLength(1);
    expect(
      sender.crashesInjected[0]?.callsLanded.filter((operation) => operation.endsWith('Publish')),
    ).toHaveLength(4);
    expect(logs.slice(logsBefore).some((line) => line.includes('Runtime.ExitError'))).toBe(true);
    // …the retry found those four sent,
    const outcomes = logged('sms invitation handled', logsBefore).map((entry) => entry.outcome);
    expect(outcomes.filter((outcome) => outcome === 'already_sent')).toHaveLength(4);
    // …and each customer got the question exactly once,
    await expectOneSmsEach(phones);
    // …and each invitation is sent, its conversation open for the reply.
    await expectConversationsOpen(phones, invitationIds, () => 'sent');
  });

  it('never sends again an SMS whose sender died between SNS and its record: unconfirmed once its lease is over', async () => {
    // Prepare: five SMS invitations in a group of their own, one batch on the stream.
    const region = 'SC-CD';
    const sender = app.host('SmsSender');
    await app.drain('ResponseAggregator');
    const { phones, invitationIds } = await smsInvitations(5, '137', region);
    // The third SMS reaches SNS, and its environment dies before it hears so: claimed,
    // published, never recorded.
    const crashesBefore = sender.crashesInjected.length;
    sender.setCrashFault({ operation: /Publish$/, nth: 3 });
    const logsBefore = logs.length;

    // Act: the stream's delivery crashes and is retried; the in-doubt claim is still within
    // its lease, so its delivery comes back on the wake-up queue when the lease is over.
    await app.drain('SmsSender');
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
    await app.drain('SmsSender');
    await app.drain('ResponseAggregator');

    // Assess: the crash came right after the third SMS reached SNS…
    expect(sender.crashesInjected).toHaveLength(crashesBefore + 1);
    expect(
      sender.crashesInjected[crashesBefore]?.callsLanded.filter((operation) =>
        operation.endsWith('Publish'),
      ),
    ).toHaveLength(3);
    const inDoubt = invitationIds[2] ?? '';
    const outcomes = logged('sms invitation handled', logsBefore)
      .filter((entry) => entry.invitationId === inDoubt)
      .map((entry) => entry.outcome);
    expect(outcomes).toEqual(['delayed', 'unconfirmed']);
    expect(
      logged('sms invitation unconfirmed', logsBefore).map((entry) => entry.invitationId),
    ).toEqual([inDoubt]);
    // …the alarm's metric counted it once,
    expect(
      logs
        .slice(logsBefore)
        .filter((line) => line.includes('"smsUnconfirmed"'))
        .map((line) => (JSON.parse(line) as { smsUnconfirmed: number }).smsUnconfirmed),
    ).toEqual([1]);
    // …each customer got the question exactly once, the one in doubt included,
    await expectOneSmsEach(phones);
    // …the one in doubt is unconfirmed, its number gone, its conversation open for a reply,
    await expectConversationsOpen(phones, invitationIds, (invitationId) =>
      invitationId === inDoubt ? 'unconfirmed' : 'sent',
    );
    // …and the response rate counts all five as sent (understated if it never went).
    const timeZone = app.host('ResponseAggregator').fn.environment.REPORTING_TIME_ZONE ?? 'UTC';
    const day = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
    const { totals } = await dayCounters(
      documents,
      app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '',
      'invitations',
      day,
      region,
    );
    expect(totals.sent).toBe(5);
  });
});
