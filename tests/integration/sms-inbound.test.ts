import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { LambdaHost } from '#sandbox/lambda/lambda-host.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { SMS_TEXTS } from '#shared/domain/sms-conversation.ts';
import { recordedSms, startRecording } from '../support/moto-recorder.ts';
import {
  directSurveysTable,
  linkKeyOf,
  postInvitation,
  startTestSandbox,
} from '../support/sandbox.ts';
import { signedWebhookRequest } from '../support/webhooks.ts';

let sandbox: Sandbox;
let documents: DynamoDBDocumentClient;
let tableName: string;
/** What the sandbox printed: the functions' log lines among them. */
const printed: string[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox({ print: (line) => printed.push(line) });
  ({ documents, tableName } = directSurveysTable(sandbox));
});

afterAll(async () => {
  await sandbox?.stop();
});

const phoneNumber = () => `+86139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

const invite = (phone: string, customerRef?: string) =>
  postInvitation(sandbox, {
    phone,
    channel: 'sms',
    touchpoint: 'hotline',
    region: 'SH',
    service: 'mobile_voice',
    ...(customerRef ? { customerRef } : {}),
  });

/** An inbound SMS as the gateway posts it, signed by the official Twilio helper. */
async function sms(
  from: string,
  text: string,
  options: { messageSid?: string; tamper?: string; to?: string } = {},
) {
  const url = `${sandbox.outputs.apiUrl}/sms/inbound`;
  const params = {
    MessageSid: options.messageSid ?? `SM${randomUUID().replaceAll('-', '')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: from,
    To: options.to ?? '+8610690000',
    Body: text,
  };
  const signature = twilio.getExpectedTwilioSignature(
    sandbox.outputs.secrets.smsAuthToken,
    url,
    params,
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams({
      ...params,
      ...(options.tamper ? { Body: options.tamper } : {}),
    }).toString(),
  });
  const body = await response.text();
  return {
    status: response.status,
    reply: /<Message>([\s\S]*)<\/Message>/.exec(body)?.[1] ?? body,
    sid: params.MessageSid,
  };
}

async function waitUntilSent(invitationId: string) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `INVITATION#${invitationId}`, sk: 'INVITATION' },
      }),
    );
    if (Item?.status === 'sent') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the SMS invitation was not sent');
}

/** An SMS invitation made in quiet hours that cover the whole day: deferred to their end. */
async function deferredInvite(phone: string) {
  const fn = sandbox.app.host('InvitationIntake').fn;
  const alwaysQuiet = new LambdaHost({
    fn: { ...fn, environment: { ...fn.environment, QUIET_HOURS: '00:00-23:59' } },
    endpoint: sandbox.app.endpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  try {
    const invocation = await alwaysQuiet.invoke(
      signedWebhookRequest({
        secret: sandbox.outputs.secrets.invitationSources.crm ?? '',
        route: { routeKey: 'POST /invitations', path: '/invitations' },
        body: {
          eventId: `inv-${randomUUID()}`,
          customerRef: `cust-${randomUUID().slice(0, 12)}`,
          phone,
          locale: 'en',
          channel: 'sms',
          touchpoint: 'store',
          region: 'GD-SZ',
          service: 'mobile_data',
          occurredAt: '2026-10-08T21:30:00+08:00',
          deferrable: true,
        },
      }),
    );
    if (!invocation.ok) throw new Error(invocation.error.errorMessage);
    return JSON.parse((invocation.result as { body: string }).body) as {
      invitationId: string;
      surveyUrl: string;
      status: string;
    };
  } finally {
    await alwaysQuiet.stop();
  }
}

/** The deferred SMS's wake-up comes due now (quiet hours over), through the real queue. */
async function wakeUp(invitationId: string) {
  await sandbox.app.sqs.send(
    new SendMessageCommand({
      QueueUrl: sandbox.app.host('SmsSender').fn.environment.SMS_WAKE_UP_QUEUE_URL,
      MessageBody: JSON.stringify({ invitationId, sendAt: new Date().toISOString() }),
    }),
  );
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const invitation = await invitationItem(invitationId);
    if (!['deferred', 'sending'].includes(String(invitation?.status))) return invitation;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the wake-up was not handled');
}

async function invitationItem(invitationId: string) {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: `INVITATION#${invitationId}`, sk: 'INVITATION' },
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe('a deferred SMS invitation', () => {
  it('is not sent when the customer opted out (TD) before it woke, and says so', async () => {
    // Prepare: deferred at 21:30, then "TD" from the same number.
    await startRecording(sandbox.app.endpoint);
    const phone = phoneNumber();
    const deferred = await deferredInvite(phone);
    const stop = await sms(phone, 'TD');

    // Act
    const woken = await wakeUp(deferred.invitationId);

    // Assess
    expect(deferred.status).toBe('deferred');
    expect(stop.reply).toContain(SMS_TEXTS.optedOut?.['zh-CN']);
    expect(woken).toMatchObject({ status: 'not_sent', notSentReason: 'opted_out' });
    expect((await recordedSms(sandbox.app.endpoint)).filter((m) => m.phone === phone)).toEqual([]);
    const outbox = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `INVITATION#${deferred.invitationId}`, sk: 'OUTBOX' },
      }),
    );
    expect(outbox.Item).toBeUndefined();
  });

  it('is not sent when its link was answered on the web before it woke', async () => {
    // Prepare
    await startRecording(sandbox.app.endpoint);
    const phone = phoneNumber();
    const deferred = await deferredInvite(phone);
    const answered = await fetch(deferred.surveyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csat: 4, nps: 8 }),
    });

    // Act
    const woken = await wakeUp(deferred.invitationId);

    // Assess
    expect(answered.status).toBe(202);
    expect(woken).toMatchObject({ status: 'not_sent', notSentReason: 'answered' });
    expect((await recordedSms(sandbox.app.endpoint)).filter((m) => m.phone === phone)).toEqual([]);
  });
});

describe('POST /sms/inbound replays and repeats', () => {
  it('keeps a later opt-out when a signed START is replayed after its 7-day retry window', async () => {
    // Prepare: START, then STOP; then what DynamoDB TTL would have removed 8 days later.
    const phone = phoneNumber();
    const start = await sms(phone, 'START');
    const stop = await sms(phone, 'STOP');
    const eightDaysLater = Math.floor(Date.now() / 1000) + 8 * 86_400;
    const key = { pk: `SMS#${start.sid}`, sk: 'INBOUND' };
    const { Item: record } = await documents.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    if (typeof record?.expiresAt === 'number' && record.expiresAt <= eightDaysLater) {
      await documents.send(new DeleteCommand({ TableName: tableName, Key: key }));
    }

    // Act: the signed START, captured, is sent again.
    const replayed = await sms(phone, 'START', { messageSid: start.sid });
    const invited = await invite(phone);

    // Assess
    expect(stop.reply).toContain(SMS_TEXTS.optedOut?.en);
    expect(replayed.status).toBe(200);
    expect(invited).toMatchObject({ status: 409, json: { reason: 'opted_out' } });
  });

  it('refuses a form field sent twice with 400, even signed as the Twilio helper signs it', async () => {
    // Prepare: Body twice, signed by the official helper.
    const phone = phoneNumber();
    const url = `${sandbox.outputs.apiUrl}/sms/inbound`;
    const params = {
      MessageSid: `SM${randomUUID().replaceAll('-', '')}`,
      AccountSid: 'AC00000000000000000000000000000000',
      From: phone,
      To: '+8610690000',
    };
    const signature = twilio.getExpectedTwilioSignature(sandbox.outputs.secrets.smsAuthToken, url, {
      ...params,
      Body: ['STOP', 'START'],
    });
    const body = new URLSearchParams([
      ...Object.entries(params),
      ['Body', 'STOP'],
      ['Body', 'START'],
    ]);

    // Act
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      },
      body: body.toString(),
    });
    const problem = await response.json();
    const invited = await invite(phone);

    // Assess: refused as invalid (not as unsigned), and nothing changed.
    expect(response.status).toBe(400);
    expect(problem).toMatchObject({
      type: 'urn:telecom-service-quality:problem:validation',
      errors: [{ pointer: '/Body' }],
    });
    expect(invited.status).toBe(201);
  });
});

describe('POST /sms/inbound', () => {
  it("ignores an SMS to a number that is not the deployment's: no reply, nothing recorded", async () => {
    // Prepare: a customer's STOP, signed by the gateway, but sent to another number.
    const phone = phoneNumber();

    // Act
    const stop = await sms(phone, 'STOP', { to: '+8610691234' });
    const invitation = await invite(phone);

    // Assess: answered without a message, and the opt-out was never recorded.
    expect(stop.status).toBe(200);
    expect(stop.reply).not.toContain('<Message>');
    expect(stop.reply).toContain('<Response');
    expect(invitation.status).toBe(201);
    expect(printed.join('\n')).toMatch(/sms to another number/);
  });

  it('runs the survey by SMS: CSAT, NPS, comment, then records the response once', async () => {
    const phone = phoneNumber();
    const { json } = await invite(phone);
    await waitUntilSent(json.invitationId ?? '');

    const csat = await sms(phone, '５分');
    const nps = await sms(phone, '十');
    const comment = await sms(phone, '客服很耐心');
    const retried = await sms(phone, '客服很耐心', { messageSid: comment.sid });

    expect(csat).toMatchObject({ status: 200, reply: SMS_TEXTS.nps?.['zh-CN'] });
    expect(nps.reply).toBe(SMS_TEXTS.comment?.['zh-CN']);
    expect(comment.reply).toBe(SMS_TEXTS.thanks?.['zh-CN']);
    expect(retried.reply).toBe(comment.reply);
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: linkKeyOf(json.surveyUrl ?? ''),
      }),
    );
    expect(Item).toMatchObject({
      csat: 5,
      nps: 10,
      comment: '客服很耐心',
      answeredBy: 'sms',
      region: 'SH',
    });
  });

  it('answers a late retry of an earlier message as the first time, and moves nothing', async () => {
    const phone = phoneNumber();
    const { json } = await invite(phone);
    await waitUntilSent(json.invitationId ?? '');

    const csat = await sms(phone, '4');
    const nps = await sms(phone, '8');
    // The gateway retries the CSAT message after the NPS one was answered.
    const retried = await sms(phone, '4', { messageSid: csat.sid });
    const comment = await sms(phone, 'fine');

    expect(retried.reply).toBe(csat.reply);
    expect(nps.reply).toBe(SMS_TEXTS.comment?.['zh-CN']);
    expect(comment.reply).toBe(SMS_TEXTS.thanks?.['zh-CN']);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: linkKeyOf(json.surveyUrl ?? '') }),
    );
    expect(Item).toMatchObject({ csat: 4, nps: 8, comment: 'fine', answeredBy: 'sms' });
  });

  it('re-prompts once on an unreadable reply', async () => {
    const phone = phoneNumber();
    const { json } = await invite(phone);
    await waitUntilSent(json.invitationId ?? '');

    const unreadable = await sms(phone, '还行吧');
    const fixed = await sms(phone, '4分');

    expect(unreadable.reply).toBe(SMS_TEXTS.repromptCsat?.['zh-CN']);
    expect(fixed.reply).toBe(SMS_TEXTS.nps?.['zh-CN']);
  });

  it('opts out at once on 退订, refuses new invitations, and START undoes it', async () => {
    const phone = phoneNumber();

    const stop = await sms(phone, '退订');
    const refused = await invite(phone);
    const start = await sms(phone, 'START');
    const allowed = await invite(phone);

    expect(stop.reply).toContain(SMS_TEXTS.optedOut?.['zh-CN']);
    expect(refused).toMatchObject({ status: 409, json: { reason: 'opted_out' } });
    expect(start.reply).toContain(SMS_TEXTS.optedIn?.en);
    expect(allowed.status).toBe(201);
  });

  it('logs an opt-out, and not every survey answer', async () => {
    const from = printed.length;
    const phone = phoneNumber();
    const { json } = await invite(phone);
    await waitUntilSent(json.invitationId ?? '');
    for (const text of ['5', '9', '无']) await sms(phone, text);
    await sms(phoneNumber(), 'STOP');

    const handled = async () => {
      for (let waited = 0; waited < 3_000; waited += 100) {
        const lines = printed.slice(from).filter((line) => line.includes('sms handled'));
        if (lines.some((line) => line.includes('change=optOut'))) return lines;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return printed.slice(from).filter((line) => line.includes('sms handled'));
    };
    const lines = await handled();
    expect(lines.filter((line) => line.includes('change=optOut'))).toHaveLength(1);
    expect(lines.filter((line) => /change=(conversation|response)/.test(line))).toEqual([]);
  });

  it('answers HELP, and refuses a request whose signature does not match its content', async () => {
    const phone = phoneNumber();

    const help = await sms(phone, 'HELP');
    const tampered = await sms(phone, 'HELP', { tamper: 'STOP' });

    expect(help.reply).toContain(SMS_TEXTS.help?.en);
    expect(tampered.status).toBe(401);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: `SMS#${tampered.sid}`, sk: 'INBOUND' } }),
    );
    expect(Item).toBeUndefined();
  });
});
