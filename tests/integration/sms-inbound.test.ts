import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { SMS_TEXTS } from '#shared/domain/sms-conversation.ts';
import {
  directSurveysTable,
  linkKeyOf,
  postInvitation,
  startTestSandbox,
} from '../support/sandbox.ts';

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
