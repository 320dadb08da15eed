import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { answerLinkUpdate } from '#shared/adapters/dynamodb/link-answer.ts';
import { dayInTimeZone } from '#shared/domain/zoned-time.ts';
import { AGGREGATE_SHARDS, type CounterKind } from '#shared/tables/aggregates.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import { dayCounters } from '../support/aggregates.ts';
import { streamRecordsOf } from '../support/stream-records.ts';

let app: LocalApp;
let documents: DynamoDBDocumentClient;
let tableName: string;
let aggregatesTable: string;

beforeAll(async () => {
  app = await startLocalApp({ assemblyDirectory: inject('assemblyDirectory') });
  tableName = app.host('SurveyPage').fn.environment.SURVEYS_TABLE_NAME ?? '';
  aggregatesTable = app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '';
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

/** A survey link, and the answers it will get, as the survey page or the SMS flow gives them. */
function response(
  csat: number,
  nps: number,
  overrides: { region?: string; answeredAt?: string; answeredBy?: 'web' | 'sms' } = {},
) {
  return {
    tokenHash: randomUUID(),
    invitationId: randomUUID(),
    region: overrides.region ?? 'GD-SZ',
    answers: { csat, nps, comment: '私人意见' },
    answeredAt: overrides.answeredAt ?? '2026-10-08T01:00:00.000Z',
    answeredBy: overrides.answeredBy ?? 'web',
  };
}

/** Creates the link, then answers it: the change the aggregator counts. */
async function record(item: ReturnType<typeof response>, options: { createdAt?: false } = {}) {
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...surveyKeys.token(item.tokenHash),
        invitationId: item.invitationId,
        channel: 'web',
        touchpoint: 'store',
        region: item.region,
        service: 'fixed_broadband',
        locale: 'zh-CN',
        surveyVersion: 1,
        linkExpiresAt: '2099-01-01T00:00:00.000Z',
        // 23:00 on 7 October in Shanghai: the response rate's day for this invitation.
        ...(options.createdAt === false ? {} : { createdAt: '2026-10-07T15:00:00.000Z' }),
      },
    }),
  );
  await documents.send(
    new UpdateCommand(
      answerLinkUpdate({
        TableName: tableName,
        tokenHash: item.tokenHash,
        answers: item.answers,
        channel: item.answeredBy,
        at: new Date(item.answeredAt),
        retentionDays: 400,
      }),
    ),
  );
}

/** A group's counters, summed over every partition and shard of the day. */
async function aggregate(day: string, group: string, kind: CounterKind = 'responses') {
  const { totals, items } = await dayCounters(documents, aggregatesTable, kind, day, group);
  const counters = Object.fromEntries(
    Object.entries(totals).filter(([name]) =>
      /^(responses|csat_\d|nps_\d+|sent|answered)$/.test(name),
    ),
  );
  return { totals: counters, items, comments: items.some((item) => 'comment' in item) };
}

describe('daily response aggregates', () => {
  it('count each response once per day and group in the reporting time zone', async () => {
    // Prepare: 16:30 UTC on 7 October is 00:30 on 8 October in Shanghai.
    const responses = [
      response(5, 10),
      response(4, 9),
      response(2, 3, { answeredAt: '2026-10-07T16:30:00.000Z' }),
      response(5, 7, { answeredBy: 'sms' }),
      response(1, 0, { region: 'BJ' }),
    ];
    for (const item of responses) await record(item);

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
    // Each batch's counters of the day under one of the month's shard keys, one item a
    // day and group.
    for (const item of web.items) {
      expect(item.pk).toMatch(/^AGG#2026-10#\d+$/);
      expect(Number(String(item.pk).split('#')[2])).toBeLessThan(AGGREGATE_SHARDS);
      expect(item.sk).toBe('2026-10-08#GD-SZ#fixed_broadband#store#web');
    }
    expect((await aggregate('2026-10-08', 'GD-SZ#fixed_broadband#store#sms')).totals).toEqual({
      responses: 1,
      csat_5: 1,
      nps_7: 1,
    });
    expect((await aggregate('2026-10-08', 'BJ#fixed_broadband#store#web')).totals.responses).toBe(
      1,
    );
    // Response-rate tallies: by the invitations' creation day and invitation channel (web,
    // even when answered by SMS): 4 links made in GD-SZ and all 4 answered.
    const tallies = await aggregate('2026-10-07', 'GD-SZ#fixed_broadband#store#web', 'invitations');
    expect(tallies.totals).toEqual({ sent: 4, answered: 4 });
    expect(dayInTimeZone(new Date('2026-10-07T16:30:00.000Z'), 'Asia/Shanghai')).toBe('2026-10-08');
  });

  it('counts the answers of links made before they recorded their creation time', async () => {
    // Prepare: two links without createdAt (made before it was recorded), answered.
    const day = '2026-10-10';
    const items = [4, 5].map((n) =>
      response(n, 9, { region: 'SC-CD', answeredAt: `${day}T03:00:00.000Z` }),
    );
    for (const item of items) await record(item, { createdAt: false });

    // Act
    await app.drain('ResponseAggregator');

    // Assess: the answers count; the invitations cannot be tallied and are skipped.
    expect((await aggregate(day, 'SC-CD#fixed_broadband#store#web')).totals).toEqual({
      responses: 2,
      csat_4: 1,
      csat_5: 1,
      nps_9: 2,
    });
  });

  it('counts nothing twice when a batch comes again, even when the redelivery reaches further', async () => {
    // Prepare: three responses in their own group, counted once.
    const day = '2026-10-09';
    const group = 'ZJ-HZ#fixed_broadband#store#web';
    const inGroup = (n: number) =>
      response(n, n, { region: 'ZJ-HZ', answeredAt: `${day}T02:00:00.000Z` });
    const items = [1, 2, 3].map(inGroup);
    for (const item of items) await record(item);
    await app.drain('ResponseAggregator');
    const before = await aggregate(day, group);
    const fourth = inGroup(4);
    await record(fourth);
    const batch = await responseRecordsOf([...items, fourth]);

    // Act: the first batch exactly as the stream gave it, again; then a redelivery from
    // the same first record that reaches the fourth; then the mapping's own delivery.
    // Each item brings two records: its link made (INSERT) and answered (MODIFY).
    const again = await app.host('ResponseAggregator').invoke({ Records: batch.slice(0, 6) });
    const further = await app.host('ResponseAggregator').invoke({ Records: batch });
    await app.drain('ResponseAggregator');

    // Assess
    expect(again.ok && further.ok).toBe(true);
    expect(before.totals).toEqual({
      responses: 3,
      csat_1: 1,
      csat_2: 1,
      csat_3: 1,
      nps_1: 1,
      nps_2: 1,
      nps_3: 1,
    });
    expect((await aggregate(day, group)).totals).toEqual({
      ...before.totals,
      responses: 4,
      csat_4: 1,
      nps_4: 1,
    });
    expect(
      (await aggregate('2026-10-07', 'ZJ-HZ#fixed_broadband#store#web', 'invitations')).totals,
    ).toEqual({
      sent: 4,
      answered: 4,
    });
  });
});

/** The stream records of the given response items, in stream order, as Lambda gets them. */
async function responseRecordsOf(items: { invitationId: string }[]) {
  const ids = new Set(items.map((item) => item.invitationId));
  const records = await streamRecordsOf(
    app,
    tableName,
    (record) =>
      (record.eventName === 'MODIFY' || record.eventName === 'INSERT') &&
      ids.has(record.dynamodb?.NewImage?.invitationId?.S ?? ''),
  );
  expect(records).toHaveLength(2 * ids.size);
  return records;
}
