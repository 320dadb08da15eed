import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { SMS_TEXTS } from '#shared/domain/sms-conversation.ts';
import { recordedSms, startRecording } from '../support/moto-recorder.ts';
import { postInvitation, startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.stop();
});

/** Waits until the sandbox's sender has sent the invitation (its conversation is open). */
async function waitUntilSent(invitationId: string) {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
  const TableName = sandbox.app.host('SmsInboundSns').fn.environment.SURVEYS_TABLE_NAME;
  try {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: { pk: `INVITATION#${invitationId}`, sk: 'INVITATION' } }),
      );
      if (Item?.status === 'sent') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the SMS invitation was not sent');
  } finally {
    documents.destroy();
  }
}

/** The sample SNS event in events/, carrying another phone, text and message id. */
function snsEvent(phone: string, text: string, inboundMessageId: string, destination?: string) {
  const event = JSON.parse(
    readFileSync(new URL('../../events/sms-inbound.sns.json', import.meta.url), 'utf8'),
  ) as { Records: { Sns: { Message: string } }[] };
  for (const record of event.Records) {
    const message = JSON.parse(record.Sns.Message) as Record<string, string>;
    record.Sns.Message = JSON.stringify({
      ...message,
      originationNumber: phone,
      messageBody: text,
      inboundMessageId,
      ...(destination ? { destinationNumber: destination } : {}),
    });
  }
  return event;
}

describe('two-way SMS through AWS End User Messaging (SNS → Lambda)', () => {
  it("ignores a message to a number that is not the deployment's: no reply, nothing recorded", async () => {
    // Prepare
    const phone = `+86136${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    await startRecording(sandbox.app.directEndpoint);

    // Act: a STOP to another number of the same account.
    const invocation = await sandbox.app
      .host('SmsInboundSns')
      .invoke(snsEvent(phone, 'STOP', randomUUID(), '+8610691234'));
    const invitation = await postInvitation(sandbox, { phone, channel: 'web' });

    // Assess
    expect(invocation.ok).toBe(true);
    expect(invitation.status).toBe(201);
    const replies = (await recordedSms(sandbox.app.directEndpoint)).filter(
      (sms) => sms.phone === phone,
    );
    expect(replies).toEqual([]);
  });

  it('runs the same conversation and replies by SMS, once per inbound message', async () => {
    const phone = `+86136${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const { json } = await postInvitation(sandbox, { phone, channel: 'sms', locale: 'en' });
    await waitUntilSent(json.invitationId);
    await startRecording(sandbox.app.directEndpoint);
    const host = sandbox.app.host('SmsInboundSns');
    const messageId = randomUUID();

    const first = await host.invoke(snsEvent(phone, 'five', messageId));
    const redelivered = await host.invoke(snsEvent(phone, 'five', messageId));

    expect(first.ok && redelivered.ok).toBe(true);
    const replies = (await recordedSms(sandbox.app.directEndpoint)).filter(
      (sms) => sms.phone === phone,
    );
    expect(replies).toEqual([{ phone, text: SMS_TEXTS.nps?.en }]);
  });
});
