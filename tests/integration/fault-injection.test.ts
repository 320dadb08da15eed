import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dayInTimeZone } from '#shared/domain/zoned-time.ts';
import { dayCounters } from '../support/aggregates.ts';
import { directSurveysTable, postInvitation, startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;
let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ({ documents, tableName } = directSurveysTable(sandbox));
});

afterAll(async () => {
  await sandbox?.stop();
});

/** Retries a request on 5xx, as an operator system or a browser user would. */
async function withRetries<T extends { status: number }>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    if (response.status < 500 || attempt === 5) return response;
  }
}

describe('with every fifth DynamoDB write throttled', () => {
  it('creates each invitation once and counts each answer exactly once', async () => {
    sandbox.app.proxy.faults = { everyNth: 5 };
    const region = 'HB-WH';
    const count = 25;

    // Act: invitations and answers over HTTP, retried on 5xx like real clients.
    const links: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const eventId = `fault-${randomUUID()}`;
      const first = await withRetries(() =>
        postInvitation(sandbox, { eventId, region, customerRef: eventId }),
      );
      // A client that lost the first answer repeats the request: still one invitation.
      const again = await withRetries(() =>
        postInvitation(sandbox, { eventId, region, customerRef: eventId }),
      );
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.json.invitationId).toBe(first.json.invitationId);
      links.push(first.json.surveyUrl);
    }
    let recorded = 0;
    for (const [index, link] of links.entries()) {
      const response = await withRetries(() =>
        fetch(link, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `csat=${1 + (index % 5)}&nps=${index % 11}`,
          redirect: 'manual',
        }),
      );
      if (response.status === 303) recorded += 1;
    }

    // Assess: every answer counted once in the day's aggregates, faults and all.
    const day = dayInTimeZone(new Date(), 'Asia/Shanghai');
    let counted = 0;
    for (let attempt = 0; attempt < 100 && counted < count; attempt += 1) {
      const { totals } = await dayCounters(
        documents,
        sandbox.app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '',
        'responses',
        day,
        region,
      );
      counted = totals.responses ?? 0;
      if (counted < count) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    sandbox.app.proxy.faults = undefined;
    // 25 creations, 25 answers and the aggregation make over 50 writes: 10 or more refused.
    expect(sandbox.app.proxy.faultsInjected).toBeGreaterThanOrEqual(10);
    expect(recorded).toBe(count);
    expect(counted).toBe(count);
    const { Items = [] } = await documents.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#region = :region AND sk = :sk',
        ExpressionAttributeNames: { '#region': 'region' },
        ExpressionAttributeValues: { ':region': region, ':sk': 'INVITATION' },
      }),
    );
    expect(Items).toHaveLength(count);
  });
});
