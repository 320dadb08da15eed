import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApp, startLocalApp } from '#local/local-app.ts';
import { emulatorCredentials } from '#local/provision.ts';
import { dayInTimeZone } from '#shared/domain/zoned-time.ts';

let app: LocalApp;
let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  app = await startLocalApp({ assemblyDirectory: inject('assemblyDirectory') });
  tableName = app.host('ResponseAggregator').fn.environment.SURVEYS_TABLE_NAME ?? '';
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: app.endpoint,
      region: app.region,
      credentials: emulatorCredentials,
    }),
  );
});

afterAll(async () => {
  await app?.stop();
});

/** A recorded response, as the survey page or the SMS flow writes it. */
function response(csat: number, nps: number, overrides: Record<string, unknown> = {}) {
  const invitationId = randomUUID();
  return {
    pk: `INVITATION#${invitationId}`,
    sk: 'RESPONSE',
    entity: 'response',
    invitationId,
    channel: 'web',
    touchpoint: 'store',
    region: 'GD-SZ',
    service: 'fixed_broadband',
    locale: 'zh-CN',
    csat,
    nps,
    comment: '私人意见',
    submittedAt: '2026-10-08T01:00:00.000Z',
    ...overrides,
  };
}

/** A group's counters, summed over its shards. */
async function aggregate(day: string, group: string) {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :group)',
      ExpressionAttributeValues: { ':pk': `AGG#${day}`, ':group': `${group}#` },
    }),
  );
  const totals: Record<string, number> = {};
  for (const item of Items) {
    for (const [key, value] of Object.entries(item)) {
      if (/^(responses|csat_\d|nps_\d+)$/.test(key))
        totals[key] = (totals[key] ?? 0) + Number(value);
    }
  }
  return { totals, shards: Items.length, comments: Items.some((item) => 'comment' in item) };
}

describe('daily response aggregates', () => {
  it('count each response once per day and group in the reporting time zone', async () => {
    // Prepare: 16:30 UTC on 7 October is 00:30 on 8 October in Shanghai.
    const responses = [
      response(5, 10),
      response(4, 9),
      response(2, 3, { submittedAt: '2026-10-07T16:30:00.000Z' }),
      response(5, 7, { channel: 'sms' }),
      response(1, 0, { region: 'BJ' }),
    ];
    for (const item of responses)
      await documents.send(new PutCommand({ TableName: tableName, Item: item }));

    // Act
    await app.drain('ResponseAggregator');

    // Assess
    const web = await aggregate('2026-10-08', 'GD-SZ#fixed_broadband#store#web');
    expect(web.totals).toEqual({
      responses: 3,
      csat_5: 1,
      csat_4: 1,
      csat_2: 1,
      nps_10: 1,
      nps_9: 1,
      nps_3: 1,
    });
    expect(web.comments).toBe(false);
    expect((await aggregate('2026-10-08', 'GD-SZ#fixed_broadband#store#sms')).totals).toEqual({
      responses: 1,
      csat_5: 1,
      nps_7: 1,
    });
    expect((await aggregate('2026-10-08', 'BJ#fixed_broadband#store#web')).totals.responses).toBe(
      1,
    );
    expect(dayInTimeZone(new Date('2026-10-07T16:30:00.000Z'), 'Asia/Shanghai')).toBe('2026-10-08');
  });

  it('counts nothing twice when a batch is delivered again, or twice within itself', async () => {
    // Prepare: three responses in their own group, counted once.
    const day = '2026-10-09';
    const items = [1, 2, 3].map((n) =>
      response(n, n, { region: 'ZJ-HZ', submittedAt: `${day}T02:00:00.000Z` }),
    );
    for (const item of items)
      await documents.send(new PutCommand({ TableName: tableName, Item: item }));
    await app.drain('ResponseAggregator');
    const group = 'ZJ-HZ#fixed_broadband#store#web';
    const before = await aggregate(day, group);

    // Act: the same records arrive again as a stream batch, one of them twice.
    const records = [...items, items[0]].map((item, index) => ({
      eventID: `redelivered-${index}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall({ pk: item?.pk, sk: 'RESPONSE' }),
        NewImage: marshall(item),
        SequenceNumber: String(index),
      },
    }));
    const first = await app.host('ResponseAggregator').invoke({ Records: records });
    const second = await app.host('ResponseAggregator').invoke({ Records: records });

    // Assess
    expect(first.ok && second.ok).toBe(true);
    expect(before.totals).toEqual({
      responses: 3,
      csat_1: 1,
      csat_2: 1,
      csat_3: 1,
      nps_1: 1,
      nps_2: 1,
      nps_3: 1,
    });
    expect((await aggregate(day, group)).totals).toEqual(before.totals);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: items[0]?.pk, sk: 'RESPONSE' } }),
    );
    expect(Item?.countedAt).toEqual(expect.any(String));
  });
});
