import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { LambdaHost } from '#sandbox/lambda/lambda-host.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { SMS_TEXTS } from '#shared/domain/sms-conversation.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import { dayCounters } from '../support/aggregates.ts';
import { recordedSms, startRecording } from '../support/moto-recorder.ts';
import { directSurveysTable, postInvitation, startTestSandbox } from '../support/sandbox.ts';

/** A reminder webhook the local receiver got, verified with the official package. */
interface Received {
  webhookId: string;
  verified: boolean;
  type: string;
  data: Record<string, string>;
}

const endpointSecret = `whsec_${randomBytes(32).toString('base64')}`;
let sandbox: Sandbox;
let surveys: ReturnType<typeof directSurveysTable>;
let receiver: Server;
let runsQueueUrl = '';
const received: Received[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        new Webhook(endpointSecret).verify(body, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const payload = JSON.parse(body) as { type: string; data: Record<string, string> };
      received.push({
        webhookId: String(request.headers['webhook-id']),
        verified,
        type: payload.type,
        data: payload.data,
      });
      response.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/reminders`;

  sandbox = await startTestSandbox();
  surveys = directSurveysTable(sandbox);
  const secrets = new SecretsManagerClient({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  const { ARN = '' } = await secrets.send(
    new CreateSecretCommand({
      Name: `crm-reminders-${randomBytes(4).toString('hex')}`,
      SecretString: JSON.stringify({ current: endpointSecret }),
    }),
  );
  secrets.destroy();
  // One endpoint that takes invitation.reminder_due, as `-c followUpEndpoints=…` would make
  // it: web invitations then get reminders too. No quiet hours, but where a test sets them.
  sandbox.app.host('InvitationIntake').fn.environment.REMINDER_CHANNELS = '["sms","web"]';
  Object.assign(sandbox.app.host('Reminders').fn.environment, {
    REMINDER_DUE_ENDPOINTS: JSON.stringify({ crm: url }),
    QUIET_HOURS: '00:00-00:00',
  });
  Object.assign(sandbox.app.host('CaseDelivery').fn.environment, {
    CASE_ENDPOINT_URLS: JSON.stringify({ crm: url }),
    CASE_ENDPOINT_SECRETS: JSON.stringify({ crm: ARN }),
    SANDBOX_LOOPBACK_DELIVERY: '1',
  });
  // The reminders' own schedule (the report checks' schedules also pass their scheduledTime).
  const schedule = sandbox.schedules.all.find((s) => /ReminderSchedule/.test(s.name));
  const { QueueUrl = '' } = await sandbox.app.sqs.send(
    new GetQueueUrlCommand({ QueueName: schedule?.targetArn.split(':').at(-1) ?? '' }),
  );
  runsQueueUrl = QueueUrl;
});

afterAll(async () => {
  surveys?.documents.destroy();
  await sandbox?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const phoneNumber = () => `+86137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
/** A region of this test's own, so that its response-rate tallies are its alone. */
const ownRegion = () => `GD-${randomBytes(3).toString('hex').toUpperCase()}`;

async function until<T>(read: () => Promise<T>, test: (value: T) => boolean, what: string) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const value = await read();
    if (test(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function item(key: { pk: string; sk: string }) {
  const { Item } = await surveys.documents.send(
    new GetCommand({ TableName: surveys.tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}

const invitationOf = (invitationId: string) => item(surveyKeys.invitation(invitationId));

/** An invitation whose first SMS (or web link) has gone out, with its due reminder. */
async function invited(channel: 'sms' | 'web', fields: { region?: string } = {}) {
  const phone = phoneNumber();
  const created = await postInvitation(sandbox, { channel, phone, locale: 'en', ...fields });
  expect(created.status).toBe(201);
  const { invitationId, surveyUrl } = created.json;
  const invitation = await until(
    () => invitationOf(invitationId),
    (found) => channel === 'web' || found?.status === 'sent',
    'the first SMS',
  );
  const dueAt = String(invitation?.reminderDueAt);
  return { phone, invitationId, surveyUrl, dueAt, customerRef: String(invitation?.customerRef) };
}

/** A minute after the reminder came due: as the schedule's run would find it. */
const justAfter = (dueAt: string) => new Date(Date.parse(dueAt) + 60_000).toISOString();

/** The reminder schedule fires for `scheduledTime`: its message, on its real queue. */
async function runAt(scheduledTime: string, times = 1) {
  for (let run = 0; run < times; run += 1) {
    await sandbox.app.sqs.send(
      new SendMessageCommand({
        QueueUrl: runsQueueUrl,
        MessageBody: JSON.stringify({ scheduledTime }),
      }),
    );
  }
  await until(
    async () =>
      (
        await sandbox.app.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: runsQueueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
            ],
          }),
        )
      ).Attributes ?? {},
    (attributes) =>
      attributes.ApproximateNumberOfMessages === '0' &&
      attributes.ApproximateNumberOfMessagesNotVisible === '0',
    'the reminder runs',
  );
}

/** A run of the reminders function in quiet hours that cover the whole day. */
async function runInQuietHours(scheduledTime: string) {
  const fn = sandbox.app.host('Reminders').fn;
  const quiet = new LambdaHost({
    fn: { ...fn, environment: { ...fn.environment, QUIET_HOURS: '00:00-23:59' } },
    endpoint: sandbox.app.endpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  try {
    const invocation = await quiet.invoke({
      Records: [
        {
          messageId: randomUUID(),
          receiptHandle: 'quiet',
          body: JSON.stringify({ scheduledTime }),
          attributes: { ApproximateReceiveCount: '1' },
          messageAttributes: {},
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:reminder-runs',
          awsRegion: 'us-east-1',
        },
      ],
    });
    if (!invocation.ok) throw new Error(invocation.error.errorMessage);
    expect(invocation.result).toEqual({ batchItemFailures: [] });
  } finally {
    await quiet.stop();
  }
}

/** A deferred SMS's wake-up comes due now, through the real queue. */
async function wakeUp(invitationId: string) {
  await sandbox.app.sqs.send(
    new SendMessageCommand({
      QueueUrl: sandbox.app.host('SmsSender').fn.environment.SMS_WAKE_UP_QUEUE_URL,
      MessageBody: JSON.stringify({ invitationId, sendAt: new Date().toISOString() }),
    }),
  );
  return until(
    () => invitationOf(invitationId),
    (found) => ['sent', 'not_sent'].includes(String(found?.reminderStatus)),
    'the woken reminder',
  );
}

async function answerOnTheWeb(surveyUrl: string) {
  const answered = await fetch(surveyUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ csat: 4, nps: 8 }),
  });
  expect(answered.status).toBe(202);
}

/** "TD" from the customer's phone, signed by the official Twilio helper. */
async function optOutBySms(phone: string) {
  const url = `${sandbox.outputs.apiUrl}/sms/inbound`;
  const params = {
    MessageSid: `SM${randomUUID().replaceAll('-', '')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: phone,
    To: '+8610690000',
    Body: 'TD',
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(
        sandbox.outputs.secrets.smsAuthToken,
        url,
        params,
      ),
    },
    body: new URLSearchParams(params).toString(),
  });
  // The reply is in the conversation's locale, the invitation's.
  expect(await response.text()).toContain(SMS_TEXTS.optedOut?.en);
}

const smsTo = async (phone: string) =>
  (await recordedSms(sandbox.app.endpoint)).filter((m) => m.phone === phone).map((m) => m.text);

/** The response rate's counters of a group, summed over their shards. */
async function tallies(day: string, group: string) {
  const { totals } = await dayCounters(
    surveys.documents,
    sandbox.app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '',
    'invitations',
    day,
    group,
  );
  return { sent: totals.sent ?? 0, answered: totals.answered ?? 0 };
}

const shanghaiDay = (iso: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(iso));

describe('an SMS reminder', () => {
  it('goes once, with the same link, when the invitation is unanswered; no second invitation counted', async () => {
    // Prepare
    await startRecording(sandbox.app.endpoint);
    const region = ownRegion();
    const invitation = await invited('sms', { region });
    const contactBefore = await item(surveyKeys.customerContact(invitation.customerRef));

    // Act: the schedule fires twice for the same minute.
    await runAt(justAfter(invitation.dueAt), 2);
    const reminded = await until(
      () => invitationOf(invitation.invitationId),
      (found) => found?.reminderStatus === 'sent',
      'the reminder',
    );
    await answerOnTheWeb(invitation.surveyUrl);

    // Assess
    const texts = await smsTo(invitation.phone);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toBe(SMS_TEXTS.csat?.en);
    expect(texts[1]).toContain(invitation.surveyUrl);
    expect(texts[1]).toContain('Reply 1-5');
    expect(reminded).toMatchObject({ status: 'sent', reminderStatus: 'sent' });
    expect(await item(surveyKeys.smsOutbox(invitation.invitationId))).toBeUndefined();
    expect(await item(surveyKeys.reminderDue(invitation.invitationId, invitation.dueAt))).toBe(
      undefined,
    );
    // The frequency cap's clock stays at the invitation.
    expect(await item(surveyKeys.customerContact(invitation.customerRef))).toEqual(contactBefore);
    // The response rate: one invitation sent, one answered, once the answer is counted.
    const group = `${region}#fixed_broadband#store#sms`;
    const counted = await until(
      () => tallies(shanghaiDay(String(reminded?.createdAt)), group),
      (found) => found.answered === 1,
      'the answer to be counted',
    );
    expect(counted).toEqual({ sent: 1, answered: 1 });
  });

  it('is not sent when the link was answered before it came due', async () => {
    // Prepare
    await startRecording(sandbox.app.endpoint);
    const invitation = await invited('sms');
    await answerOnTheWeb(invitation.surveyUrl);

    // Act
    await runAt(justAfter(invitation.dueAt));

    // Assess
    expect(await invitationOf(invitation.invitationId)).toMatchObject({
      reminderStatus: 'not_sent',
      reminderNotSentReason: 'answered',
    });
    expect(await smsTo(invitation.phone)).toEqual([SMS_TEXTS.csat?.en]);
    expect(await item(surveyKeys.reminderDue(invitation.invitationId, invitation.dueAt))).toBe(
      undefined,
    );
  });

  it('is deferred out of quiet hours, and goes out once they are over', async () => {
    // Prepare
    await startRecording(sandbox.app.endpoint);
    const invitation = await invited('sms');

    // Act
    await runInQuietHours(justAfter(invitation.dueAt));
    const deferred = await invitationOf(invitation.invitationId);
    const outbox = await item(surveyKeys.smsOutbox(invitation.invitationId));
    const textsWhileQuiet = await smsTo(invitation.phone);
    const woken = await wakeUp(invitation.invitationId);

    // Assess: deferred to 23:59 in Shanghai, the end of the day-long quiet hours.
    expect(deferred).toMatchObject({ reminderStatus: 'deferred' });
    expect(outbox).toMatchObject({ reminder: true, sendAt: deferred?.reminderSendAt });
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(String(outbox?.sendAt))),
    ).toBe('23:59');
    expect(textsWhileQuiet).toEqual([SMS_TEXTS.csat?.en]);
    expect(woken).toMatchObject({ reminderStatus: 'sent' });
    expect(await smsTo(invitation.phone)).toHaveLength(2);
  });

  it('is not sent when an answer races it: answered after it was handed over, before it went', async () => {
    // Prepare: handed over in quiet hours, then answered on the web.
    await startRecording(sandbox.app.endpoint);
    const invitation = await invited('sms');
    await runInQuietHours(justAfter(invitation.dueAt));
    await answerOnTheWeb(invitation.surveyUrl);

    // Act
    const woken = await wakeUp(invitation.invitationId);

    // Assess
    expect(woken).toMatchObject({ reminderStatus: 'not_sent', reminderNotSentReason: 'answered' });
    expect(await smsTo(invitation.phone)).toEqual([SMS_TEXTS.csat?.en]);
    expect(await item(surveyKeys.smsOutbox(invitation.invitationId))).toBeUndefined();
  });

  it('is not sent when the customer opts out between its hand-over and its sending', async () => {
    // Prepare
    await startRecording(sandbox.app.endpoint);
    const invitation = await invited('sms');
    await runInQuietHours(justAfter(invitation.dueAt));
    await optOutBySms(invitation.phone);

    // Act
    const woken = await wakeUp(invitation.invitationId);

    // Assess
    expect(woken).toMatchObject({
      reminderStatus: 'not_sent',
      reminderNotSentReason: 'opted_out',
    });
    // The opt-out's confirmation went back as the gateway's TwiML reply, not by SNS.
    expect(await smsTo(invitation.phone)).toEqual([SMS_TEXTS.csat?.en]);
    expect(await item(surveyKeys.smsOutbox(invitation.invitationId))).toBeUndefined();
  });

  it('is erased with the customer while pending: nothing left, nothing sent', async () => {
    // Prepare
    await startRecording(sandbox.app.endpoint);
    const invitation = await invited('sms');
    const dueKey = surveyKeys.reminderDue(invitation.invitationId, invitation.dueAt);
    const pending = await item(dueKey);

    // Act
    const erased = await fetch(`${sandbox.outputs.apiUrl}/customers/${invitation.customerRef}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sandbox.outputs.users.admins?.idToken}` },
    });
    await runAt(justAfter(invitation.dueAt));

    // Assess
    expect(pending).toMatchObject({ invitationId: invitation.invitationId, channel: 'sms' });
    expect(erased.status).toBe(202);
    expect(await item(dueKey)).toBeUndefined();
    expect(await smsTo(invitation.phone)).toEqual([SMS_TEXTS.csat?.en]);
  });
});

describe('a web invitation reminder', () => {
  it('reaches the operator once as a signed invitation.reminder_due webhook with the link', async () => {
    // Prepare
    const invitation = await invited('web');

    // Act
    await runAt(justAfter(invitation.dueAt), 2);
    const delivered = await until(
      () => invitationOf(invitation.invitationId),
      (found) => found?.reminderDeliveries?.crm?.state === 'delivered',
      'the reminder webhook',
    );

    // Assess
    // Delivery is at least once with one webhook id, which the receiver takes once: a
    // message that comes back after its visibility timeout (several batches of a queue run
    // at once, as in Lambda) may be sent again, never as another webhook.
    const webhooks = received.filter((r) => r.data.invitationId === invitation.invitationId);
    expect(new Set(webhooks.map((webhook) => webhook.webhookId))).toEqual(
      new Set([`msg_${invitation.invitationId}_reminder_due`]),
    );
    expect(webhooks[0]).toMatchObject({
      verified: true,
      type: 'invitation.reminder_due',
      webhookId: `msg_${invitation.invitationId}_reminder_due`,
      data: {
        invitationId: invitation.invitationId,
        customerRef: invitation.customerRef,
        touchpoint: 'store',
        locale: 'en',
        surveyUrl: invitation.surveyUrl,
        dueAt: invitation.dueAt,
        expiresAt: delivered?.linkExpiresAt,
        invitedAt: delivered?.createdAt,
      },
    });
    expect(delivered).toMatchObject({ status: 'created', reminderStatus: 'queued' });
  });
});
