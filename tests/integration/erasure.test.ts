import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbComplaintStore } from '#shared/adapters/dynamodb/complaint-store.ts';
import { dynamoDbErasure } from '#shared/adapters/dynamodb/erasure.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';
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
        ExpressionAttributeValues: { ':pk': complaintKeys.pk('crm', complaintId) },
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
    expect(mentioning.every((item) => String(item.pk) === complaintKeys.pk('crm', fresh))).toBe(
      true,
    );
  });
  it('reaches an event that named the customer before the operator corrected the reference', async () => {
    // Prepare: the complaint is filed under one reference, then corrected to another.
    const mistaken = `wrong-${randomUUID().slice(0, 8)}`;
    const corrected = `right-${randomUUID().slice(0, 8)}`;
    const complaintId = `cmp-${randomUUID().slice(0, 8)}`;
    await send([
      complaintEvent({
        complaintId,
        customerRef: mistaken,
        type: 'created',
        occurredAt: '2026-11-05T09:00:00+08:00',
      }),
      complaintEvent({
        complaintId,
        customerRef: corrected,
        type: 'updated',
        occurredAt: '2026-11-05T10:00:00+08:00',
      }),
    ]);
    await until(async () => (await stateOf(complaintId))?.eventCount === 2);
    expect((await stateOf(complaintId))?.customerRef).toBe(corrected);

    // Act
    const response = await erase(mistaken);

    // Assess: nothing names the first reference; the corrected one is another customer's.
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ complaintEventsAnonymised: 1 });
    expect(await itemsMentioning('COMPLAINTS_TABLE_NAME', mistaken)).toEqual([]);
    expect(await stateOf(complaintId)).toMatchObject({ customerRef: corrected, eventCount: 2 });
    expect((await itemsMentioning('COMPLAINTS_TABLE_NAME', corrected)).length).toBe(2);
  });

  it('keeps the customer erased when a processor that read the complaint before writes after', async () => {
    // Prepare: a complaint naming the customer, stored through the processor's own store,
    // and a processor whose first read happens just before the erasure runs.
    const ref = `race-${randomUUID().slice(0, 8)}`;
    const client = new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    });
    const store = dynamoDbComplaintStore({
      client,
      tableName: table('COMPLAINTS_TABLE_NAME'),
      reportingTimeZone: 'Asia/Shanghai',
      retentionDays: 400,
    });
    const erasure = dynamoDbErasure({
      client,
      surveysTable: table('SURVEYS_TABLE_NAME'),
      complaintsTable: table('COMPLAINTS_TABLE_NAME'),
    });
    const created = complaintEvent({ customerRef: ref, occurredAt: '2026-11-02T09:00:00+08:00' });
    const message = (event: ReturnType<typeof complaintEvent>) => ({
      source: 'crm',
      receivedAt: new Date().toISOString(),
      event,
    });
    await recordComplaintEvent(store, message(created));
    let erasedAfterFirstRead = false;
    const interleaved = {
      ...store,
      async load(source: string, complaintId: string) {
        const stored = await store.load(source, complaintId);
        if (!erasedAfterFirstRead) {
          erasedAfterFirstRead = true;
          await erasure.erase(ref);
        }
        return stored;
      },
    };
    const resolved = complaintEvent({
      complaintId: created.complaintId,
      customerRef: ref,
      type: 'resolved',
      occurredAt: '2026-11-03T09:00:00+08:00',
    });

    // Act
    const result = await recordComplaintEvent(interleaved, message(resolved));

    // Assess: the event landed, and nothing names the customer again.
    client.destroy();
    expect(erasedAfterFirstRead).toBe(true);
    expect(result.outcome).toBe('applied');
    expect(await stateOf(created.complaintId)).toMatchObject({
      status: 'resolved',
      customerErased: true,
    });
    expect(await itemsMentioning('COMPLAINTS_TABLE_NAME', ref)).toEqual([]);
  });
});

async function stateOf(complaintId: string) {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: table('COMPLAINTS_TABLE_NAME'),
      KeyConditionExpression: 'pk = :pk AND sk = :state',
      ExpressionAttributeValues: { ':pk': complaintKeys.pk('crm', complaintId), ':state': 'STATE' },
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
