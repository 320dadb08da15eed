import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import { postInvitation, startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;
let documents: DynamoDBDocumentClient;
const printed: string[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox({ print: (line) => printed.push(line) });
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
});

afterEach(() => {
  sandbox.app.proxy.refuseSms = false;
});

afterAll(async () => {
  documents?.destroy();
  await sandbox?.stop();
});

/** A phone number no other test uses, and its digits as a log or a queue might spell them. */
function uniquePhone() {
  const phone = `+86137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  return { phone, digits: phone.slice(1) };
}

async function invitationStatus(invitationId: string) {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: sandbox.app.host('SmsSender').fn.environment.SURVEYS_TABLE_NAME,
      Key: surveyKeys.invitation(invitationId),
      ConsistentRead: true,
    }),
  );
  return Item?.status as string | undefined;
}

/** The sample SNS event in events/, carrying another phone, text and message id. */
function snsEvent(phone: string, text: string, inboundMessageId: string) {
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
    });
  }
  return event;
}

describe('an SMS that SNS refuses', () => {
  it('dead-letters the invitation SMS by its ids, with no phone number in the queue or the logs', async () => {
    // Prepare: SNS refuses every SMS, naming the number in its error.
    sandbox.app.proxy.refuseSms = true;
    const { phone, digits } = uniquePhone();
    const queueUrl =
      sandbox.app.provisioned.streamMappings.find(
        (mapping) => mapping.functionArn === sandbox.app.host('SmsSender').fn.functionArn,
      )?.onFailureQueueUrl ?? '';

    // Act
    const { status, json } = await postInvitation(sandbox, { phone, channel: 'sms' });
    const bodies: string[] = [];
    for (let attempt = 0; attempt < 120 && bodies.length === 0; attempt += 1) {
      const { Messages = [] } = await sandbox.app.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      bodies.push(...Messages.map((message) => message.Body ?? ''));
    }

    // Assess
    expect(status).toBe(201);
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.join('\n')).toContain('DDBStreamBatchInfo');
    expect(bodies.join('\n')).not.toContain(digits);
    expect(printed.join('\n')).not.toContain(digits);
    expect(await invitationStatus(json.invitationId)).toBe('queued');
  });

  it('answers an inbound SMS whose reply SNS refuses without a failure to retry or a number in the logs', async () => {
    // Prepare: an SMS survey under way, then SNS starts refusing.
    const { phone, digits } = uniquePhone();
    const { json } = await postInvitation(sandbox, { phone, channel: 'sms', locale: 'en' });
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await invitationStatus(json.invitationId)) === 'sent') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await invitationStatus(json.invitationId)).toBe('sent');
    sandbox.app.proxy.refuseSms = true;
    const host = sandbox.app.host('SmsInboundSns');

    // Act: a retry could not send the reply either (the message is recorded by then), so a
    // failure would only carry the number and text to the dead-letter queue.
    const invocation = await host.invoke(snsEvent(phone, 'five', randomUUID()));

    // Assess
    expect(invocation.ok ? 'handled' : invocation.error.errorMessage).toBe('handled');
    expect(printed.join('\n')).not.toContain(digits);
    expect(printed.join('\n')).toMatch(/sms reply not sent/);
  });
});
