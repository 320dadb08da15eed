import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbCaseStore } from '#shared/adapters/dynamodb/case-store.ts';
import { openFollowUpCase } from '#shared/domain/follow-up.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import {
  directSurveysTable,
  linkKeyOf,
  postInvitation,
  startTestSandbox,
} from '../support/sandbox.ts';

let sandbox: Sandbox;
let surveys: ReturnType<typeof directSurveysTable>;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  surveys = directSurveysTable(sandbox);
});

afterAll(async () => {
  surveys?.documents.destroy();
  await sandbox?.stop();
});

/** A web invitation for a customer of its own, answered with these answers. */
async function answeredInvitation(answers: { csat: number; nps: number; comment?: string }) {
  const created = await postInvitation(sandbox, { channel: 'web', touchpoint: 'hotline' });
  expect(created.status).toBe(201);
  const answered = await fetch(created.json.surveyUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answers),
  });
  expect(answered.status).toBe(202);
  return created.json;
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

async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The case once the function is done with it: opened, and its deliveries queued. */
function settledCaseOf(invitationId: string) {
  return until(async () => {
    const item = await caseOf(invitationId);
    return item?.queuedAt ? item : undefined;
  }, 'the case, its deliveries queued');
}

/** What the stream would bring again: the answered link's MODIFY record, redelivered. */
async function answeredRecordOf(surveyUrl: string) {
  const { Item } = await surveys.documents.send(
    new GetCommand({ TableName: surveys.tableName, Key: linkKeyOf(surveyUrl) }),
  );
  const { answeredAt, answeredBy, csat, nps, comment, ...before } = Item ?? {};
  return {
    eventID: 'redelivered-1',
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall(linkKeyOf(surveyUrl)),
      NewImage: marshall(Item ?? {}, { removeUndefinedValues: true }),
      OldImage: marshall(before, { removeUndefinedValues: true }),
      SequenceNumber: '900000000000000000001',
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('follow-up cases', () => {
  it('opens one case for a detractor answer, with what a call back needs', async () => {
    // Prepare and Act
    const invitation = await answeredInvitation({ csat: 2, nps: 3, comment: '等了很久' });

    // Assess
    const opened = await until(() => caseOf(invitation.invitationId), 'the case');
    expect(opened).toMatchObject({
      caseId: `case_${invitation.invitationId}`,
      invitationId: invitation.invitationId,
      customerRef: expect.stringMatching(/^cust-/),
      touchpoint: 'hotline',
      channel: 'web',
      region: 'GD-SZ',
      service: 'fixed_broadband',
      csat: 2,
      nps: 3,
      comment: '等了很久',
      status: 'open',
    });
    expect(Date.parse(opened.answeredAt)).toBeLessThanOrEqual(Date.parse(opened.openedAt));
  });

  it('opens no case, and never starts the case function, for an answer that needs none', async () => {
    // Prepare: a detractor's case marks when the stream has passed the answer before it.
    const host = sandbox.app.host('FollowUpCases');
    const satisfied = await answeredInvitation({ csat: 4, nps: 9, comment: 'fine' });
    const before = host.usage.invocations;

    // Act: a later detractor's answer, so that the stream is read past the satisfied one.
    const detractor = await answeredInvitation({ csat: 1, nps: 0 });
    await until(() => caseOf(detractor.invitationId), "the detractor's case");
    // The host counts an invocation once it has ended, a moment after its write.
    await until(
      async () => (host.usage.invocations > before ? true : undefined),
      'the invocation counted',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Assess
    expect(await caseOf(satisfied.invitationId)).toBeUndefined();
    expect(host.usage.invocations - before).toBe(1);
  });

  it('opens nothing more when the stream brings the same answer again', async () => {
    // Prepare
    const invitation = await answeredInvitation({ csat: 3, nps: 8, comment: 'call me' });
    const first = await settledCaseOf(invitation.invitationId);
    const record = await answeredRecordOf(invitation.surveyUrl);

    // Act: the record redelivered, twice, as a retried batch would be.
    const again = await sandbox.app.host('FollowUpCases').invoke({ Records: [record, record] });

    // Assess
    expect(again.ok).toBe(true);
    expect(again.ok && again.result).toEqual({ batchItemFailures: [] });
    expect(await caseOf(invitation.invitationId)).toEqual(first);
  });
});

/** POST /cases/{caseId}/events, signed as an operator system signs (or not at all). */
async function postCaseEvent(
  caseId: string,
  event: object,
  signed = true,
  source: 'crm' | 'store-pos' = 'crm',
) {
  const body = Buffer.from(JSON.stringify(event));
  const secret = sandbox.outputs.secrets.invitationSources[source] ?? '';
  return fetch(`${sandbox.outputs.apiUrl}/cases/${caseId}/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signed
        ? { 'x-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body) }
        : {}),
    },
    body,
  });
}

describe('POST /cases/{caseId}/events', () => {
  it('records follow-up events once each, decided by occurredAt, not by arrival', async () => {
    // Prepare
    const invitation = await answeredInvitation({ csat: 1, nps: 1 });
    const opened = await until(() => caseOf(invitation.invitationId), 'the case');
    const resolved = { eventId: 'fu-2', type: 'resolved', occurredAt: '2026-10-09T09:00:00+08:00' };
    const contacted = {
      eventId: 'fu-1',
      type: 'contacted',
      occurredAt: '2026-10-08T10:00:00+08:00',
    };

    // Act: the resolution first, then the call, then the resolution again.
    const first = await postCaseEvent(opened.caseId, resolved);
    const second = await postCaseEvent(opened.caseId, contacted);
    const again = await postCaseEvent(opened.caseId, { ...resolved, type: 'unreachable' });

    // Assess
    expect([first.status, second.status, again.status]).toEqual([202, 202, 202]);
    const expected = {
      caseId: opened.caseId,
      status: 'resolved',
      firstContactedAt: '2026-10-08T02:00:00.000Z',
      resolvedAt: '2026-10-09T01:00:00.000Z',
    };
    expect(await second.json()).toEqual(expected);
    expect(await again.json()).toEqual(expected);
    const stored = await caseOf(invitation.invitationId);
    expect(stored).toMatchObject({
      status: 'resolved',
      firstContactedAt: expected.firstContactedAt,
    });
    expect(Object.keys(stored?.events ?? {}).sort()).toEqual(['fu-1', 'fu-2']);
  });

  it('keeps no case of an invitation erased between its read and the case write', async () => {
    // Prepare: the case function read the invitation; erasure has since deleted it (and
    // found no case to delete).
    const client = new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    });
    const store = dynamoDbCaseStore({ client, tableName: surveys.tableName, retentionDays: 400 });
    const invitationId = `erased${Date.now().toString(36)}`.padEnd(22, 'x');
    const followUpCase = openFollowUpCase({
      invitationId,
      customerRef: 'erased-customer',
      touchpoint: 'store',
      answeredBy: 'web',
      region: 'BJ',
      service: 'mobile_data',
      answers: { csat: 1, nps: 0 },
      answeredAt: new Date().toISOString(),
      now: new Date(),
    });

    // Act
    const opened = await store.open(followUpCase, ['ticketing'], 'crm');

    // Assess: nothing to deliver, nothing left.
    expect(opened).toEqual({ outcome: 'invitation_gone', queued: true });
    expect(await caseOf(invitationId)).toBeUndefined();
    client.destroy();
  });

  it("refuses an unsigned event, a bad body, an unknown case and another source's case, changing nothing", async () => {
    // Prepare
    const invitation = await answeredInvitation({ csat: 2, nps: 9 });
    const opened = await settledCaseOf(invitation.invitationId);
    const event = { eventId: 'fu-x', type: 'contacted', occurredAt: '2026-10-08T10:00:00+08:00' };

    // Act
    const unsigned = await postCaseEvent(opened.caseId, event, false);
    const invalid = await postCaseEvent(opened.caseId, { ...event, type: 'called' });
    const unknown = await postCaseEvent('case_AAAAAAAAAAAAAAAAAAAAAA', event);
    const otherSource = await postCaseEvent(opened.caseId, event, true, 'store-pos');

    // Assess
    expect(unsigned.status).toBe(401);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    expect(((await invalid.json()) as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ pointer: '/type' }),
    ]);
    expect(unknown.status).toBe(404);
    expect(otherSource.status).toBe(404);
    expect(await caseOf(invitation.invitationId)).toEqual(opened);
  });
});
