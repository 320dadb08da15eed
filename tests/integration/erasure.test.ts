import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { postInvitation, startTestSandbox } from '../support/sandbox.ts';
import { complaintEvent } from '../support/webhooks.ts';

let sandbox: Sandbox;
let documents: DynamoDBDocumentClient;
const customerRef = `erase-${randomUUID().slice(0, 8)}`;
const bystander = `keep-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
});

afterAll(async () => {
  documents?.destroy();
  await sandbox?.stop();
});

const table = (name: 'SURVEYS_TABLE_NAME' | 'COMPLAINTS_TABLE_NAME') =>
  sandbox.app.host('Erasure').fn.environment[name] ?? '';

/** Every item of a table that mentions the text anywhere (a scan: tests only). */
async function itemsMentioning(name: 'SURVEYS_TABLE_NAME' | 'COMPLAINTS_TABLE_NAME', text: string) {
  const { Items = [] } = await documents.send(new ScanCommand({ TableName: table(name) }));
  return Items.filter((item) => JSON.stringify(item).includes(text));
}

async function complaint(ref: string) {
  const complaintId = `cmp-${randomUUID().slice(0, 8)}`;
  await send([
    complaintEvent({
      complaintId,
      customerRef: ref,
      type: 'created',
      occurredAt: '2026-11-02T09:00:00+08:00',
    }),
    complaintEvent({
      complaintId,
      customerRef: ref,
      type: 'resolved',
      occurredAt: '2026-11-03T09:00:00+08:00',
    }),
  ]);
  return complaintId;
}

/** POST /webhooks/complaints/crm, signed. */
async function send(events: ReturnType<typeof complaintEvent>[]) {
  const body = Buffer.from(JSON.stringify({ events }));
  const response = await fetch(`${sandbox.outputs.apiUrl}/webhooks/complaints/crm`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(
        sandbox.outputs.secrets.complaintSources.crm ?? '',
        Math.floor(Date.now() / 1000),
        body,
      ),
    },
    body,
  });
  expect(response.status).toBe(202);
}

const erase = (ref: string, group: 'admins' | 'regulators' = 'admins') =>
  fetch(`${sandbox.outputs.apiUrl}/customers/${ref}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${sandbox.outputs.users[group]?.idToken}` },
  });

describe('DELETE /customers/{customerRef}', () => {
  it('removes every item that identifies the customer; complaints stay, anonymous', async () => {
    // Prepare: an invitation answered with a comment, and a complaint, for the customer;
    // the same for someone else.
    for (const ref of [customerRef, bystander]) {
      const web = await postInvitation(sandbox, { customerRef: ref, channel: 'web' });
      const answered = await fetch(web.json.surveyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csat=2&nps=3&comment=my+private+words',
        redirect: 'manual',
      });
      expect(answered.status).toBe(303);
    }
    const complaintId = await complaint(customerRef);
    await complaint(bystander);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const states = (await itemsMentioning('COMPLAINTS_TABLE_NAME', 'resolved')).filter(
        (item) => item.sk === 'STATE',
      );
      if (states.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await itemsMentioning('COMPLAINTS_TABLE_NAME', customerRef)).not.toEqual([]);
    expect(await itemsMentioning('SURVEYS_TABLE_NAME', customerRef)).not.toEqual([]);

    // Act
    const regulator = await erase(customerRef, 'regulators');
    const response = await erase(customerRef);
    const again = await erase(customerRef);

    // Assess
    expect(regulator.status).toBe(403);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      status: 'erased',
      invitations: 1,
      complaintsAnonymised: 1,
    });
    expect(await again.json()).toMatchObject({ invitations: 0, complaintsAnonymised: 0 });
    expect(await itemsMentioning('SURVEYS_TABLE_NAME', customerRef)).toEqual([]);
    expect(await itemsMentioning('COMPLAINTS_TABLE_NAME', customerRef)).toEqual([]);
    // One answered link, the bystander's, still holds a comment (as may the follow-up
    // case it opened, CSAT 2); the customer's link and case are gone.
    const commented = await itemsMentioning('SURVEYS_TABLE_NAME', 'my private words');
    expect(commented.filter((item) => item.sk === 'TOKEN')).toHaveLength(1);
    expect(
      commented.filter((item) => item.sk === 'CASE' && item.customerRef !== bystander),
    ).toEqual([]);
    expect(await itemsMentioning('SURVEYS_TABLE_NAME', bystander)).not.toEqual([]);
    const { Items: kept = [] } = await documents.send(
      new QueryCommand({
        TableName: table('COMPLAINTS_TABLE_NAME'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `COMPLAINT#${complaintId}` },
      }),
    );
    expect(kept.map((item) => item.sk).sort()).toEqual(expect.arrayContaining(['STATE']));
    expect(kept.length).toBe(3);
    expect(kept.find((item) => item.sk === 'STATE')).toMatchObject({ status: 'resolved' });
  });

  it('keeps an erased customer out of a late event of their complaint, not out of a new one', async () => {
    const ref = `late-${randomUUID().slice(0, 8)}`;
    const complaintId = await complaint(ref);
    await until(async () => (await itemsMentioning('COMPLAINTS_TABLE_NAME', ref)).length === 3);
    expect((await erase(ref)).status).toBe(202);

    // The operator's system, not yet told, sends a late event naming the customer again…
    await send([
      complaintEvent({
        complaintId,
        customerRef: ref,
        type: 'closed',
        occurredAt: '2026-11-04T09:00:00+08:00',
      }),
    ]);
    // …and the customer later complains anew: that is new processing, and names them.
    const fresh = await complaint(ref);
    await until(async () => (await stateOf(complaintId))?.status === 'closed');
    await until(async () => (await stateOf(fresh)) !== undefined);

    expect(await stateOf(complaintId)).toMatchObject({ status: 'closed', customerErased: true });
    expect((await stateOf(complaintId))?.customerRef).toBeUndefined();
    const mentioning = await itemsMentioning('COMPLAINTS_TABLE_NAME', ref);
    expect(mentioning.length).toBeGreaterThan(0);
    expect(mentioning.every((item) => String(item.pk) === `COMPLAINT#${fresh}`)).toBe(true);
  });
});

async function stateOf(complaintId: string) {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: table('COMPLAINTS_TABLE_NAME'),
      KeyConditionExpression: 'pk = :pk AND sk = :state',
      ExpressionAttributeValues: { ':pk': `COMPLAINT#${complaintId}`, ':state': 'STATE' },
      ConsistentRead: true,
    }),
  );
  return Items[0];
}

async function until(predicate: () => Promise<boolean>) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out waiting for the complaint processor');
}
