import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { dynamoDbComplaintCounterReader } from '#shared/adapters/dynamodb/complaint-counter-reader.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import {
  type ComplaintFigures,
  complaintFiguresOfStates,
  complaintFiguresRequest,
  loadComplaintFigures,
} from '#shared/indicators/complaint-figures.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import {
  expectedComplaintCounters,
  storedComplaintCounters,
} from '../support/complaint-counters.ts';
import { streamRecordsOf } from '../support/stream-records.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

let app: LocalApp;
let documents: DynamoDBDocumentClient;
let dynamodb: DynamoDBClient;
let complaintsTable: string;
let aggregatesTable: string;
let timeZone: string;

beforeAll(async () => {
  app = await startLocalApp({ assemblyDirectory: inject('assemblyDirectory') });
  const aggregator = app.host('ComplaintAggregator').fn.environment;
  complaintsTable = app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME ?? '';
  aggregatesTable = aggregator.AGGREGATES_TABLE_NAME ?? '';
  timeZone = aggregator.REPORTING_TIME_ZONE ?? '';
  dynamodb = new DynamoDBClient({
    endpoint: app.endpoint,
    region: app.region,
    credentials: emulatorCredentials,
  });
  documents = DynamoDBDocumentClient.from(dynamodb);
});

afterAll(async () => {
  dynamodb?.destroy();
  await app?.stop();
});

/** Posts events as the operator's system does, and lets the processor apply them. */
async function post(events: ComplaintEvent[]) {
  const secret = app.complaintSourceSecrets().crm ?? '';
  for (let start = 0; start < events.length; start += 100) {
    const accepted = await app
      .host('ComplaintIntake')
      .invoke(signedWebhookRequest({ secret, body: { events: events.slice(start, start + 100) } }));
    expect(accepted.ok && (accepted.result as { statusCode: number }).statusCode).toBe(202);
  }
  await app.drain('ComplaintProcessor');
}

/** The stored states of the complaints, as the report builder reads them. */
async function statesOf(complaintIds: readonly string[]): Promise<ComplaintState[]> {
  const states: ComplaintState[] = [];
  for (const complaintId of new Set(complaintIds)) {
    const { Item } = await documents.send(
      new GetCommand({
        TableName: complaintsTable,
        Key: { pk: complaintKeys.pk('crm', complaintId), sk: complaintKeys.stateSk },
        ConsistentRead: true,
      }),
    );
    expect(Item, complaintId).toBeDefined();
    states.push(Item as ComplaintState);
  }
  return states;
}

/** What the counters of a region should hold: the contributions of its states, summed. */
const expectedCounters = (states: readonly ComplaintState[]) =>
  expectedComplaintCounters(states, timeZone);

/** The complaint counter items of a region as stored, shards summed, zeros left out. */
const storedCounters = (region: string) =>
  storedComplaintCounters(documents, aggregatesTable, region);

/** A region's part of a period's complaint figures: its groups, and its cells' quantiles. */
const regionOf = (figures: ComplaintFigures, region: string) =>
  Object.fromEntries(
    Object.entries(figures.kinds).map(([kind, { groups, quantiles }]) => [
      kind,
      {
        groups: groups.filter((group) => group.region === region),
        quantiles: [...quantiles].filter(([key]) => key.startsWith(`${region}\u0000`)),
      },
    ]),
  );

/**
 * A region's complaint figures of a month and the month before, as the report builder
 * reads them from the stored counters, and as its states give them.
 */
async function figures(region: string, month: string, states: readonly ComplaintState[]) {
  const request = complaintFiguresRequest(parsePeriod(month, timeZone), {
    quantiles: [0.5, 0.9, 0.95].map((q) => ({ kind: 'complaint' as const, q })),
    withinHours: [24, 48].map((hours) => ({ kind: 'complaint' as const, hours })),
  });
  const read = await loadComplaintFigures(
    dynamoDbComplaintCounterReader(dynamodb, aggregatesTable),
    request,
  );
  const expected = complaintFiguresOfStates(states, timeZone, request);
  return {
    read: [regionOf(read.current, region), regionOf(read.previous, region)],
    expected: [regionOf(expected.current, region), regionOf(expected.previous, region)],
  };
}

/** The complaints table's stream records of these complaints' STATE items, as Lambda gets them. */
function stateRecordsOf(complaintIds: readonly string[]) {
  const keys = new Set(complaintIds.map((id) => complaintKeys.pk('crm', id)));
  return streamRecordsOf(
    app,
    complaintsTable,
    (record) =>
      record.dynamodb?.Keys?.sk?.S === complaintKeys.stateSk &&
      keys.has(record.dynamodb?.Keys?.pk?.S ?? ''),
  );
}

/** A complaint's created and resolved events, resolved `minutes` (and some ms) later. */
function createdAndResolved(region: string, n: number, createdAt: string, minutes: number) {
  const base = { complaintId: `${region}-${n}`, region, service: 'mobile_data' as const };
  const resolvedAt = new Date(Date.parse(createdAt) + minutes * 60_000 + n * 1_001).toISOString();
  return [
    complaintEvent({ ...base, type: 'created', occurredAt: createdAt }),
    complaintEvent({ ...base, type: 'resolved', occurredAt: resolvedAt }),
  ];
}

describe('complaint aggregates', () => {
  it('count every complaint once, whether a batch comes again whole, shorter or longer', async () => {
    // Prepare: 40 complaints whose resolution times differ in every part (hour, minute,
    // second), so that their duration items do not merge: more items than one
    // transaction holds. Counted once, by the mapping.
    const region = 'HB-RD';
    const first = Array.from({ length: 40 }, (_, n) =>
      createdAndResolved(region, n, '2026-10-03T02:00:00.000Z', 61 * n),
    ).flat();
    await post(first);
    await app.drain('ComplaintAggregator');
    const firstIds = first.map((event) => event.complaintId);
    const counted = await storedCounters(region);
    const batch = await stateRecordsOf(firstIds);
    expect(batch).toHaveLength(80);
    const later = createdAndResolved(region, 40, '2026-10-04T02:00:00.000Z', 90);
    await post(later);
    const longer = await stateRecordsOf([...firstIds, `${region}-40`]);
    const aggregator = app.host('ComplaintAggregator');

    // Act: the mapping's batch again; the same first record, shorter (ending inside a
    // counted chunk) and then the event source going on after it; then reaching further;
    // then the mapping's own delivery of what came later.
    const again = await aggregator.invoke({ Records: batch });
    const shorter = await aggregator.invoke({ Records: batch.slice(0, 30) });
    const rest = await aggregator.invoke({ Records: batch.slice(30) });
    const further = await aggregator.invoke({ Records: longer });
    await app.drain('ComplaintAggregator');

    // Assess
    expect([again, shorter, rest, further].every((outcome) => outcome.ok)).toBe(true);
    const firstStates = await statesOf(firstIds);
    expect(counted).toEqual(expectedCounters(firstStates));
    expect(Object.keys(counted).length).toBeGreaterThan(100);
    const all = await statesOf([...firstIds, `${region}-40`]);
    expect(await storedCounters(region)).toEqual(expectedCounters(all));
    // What a report of October reads: the same figures as the states give, quantiles too.
    const october = await figures(region, '2026-10', all);
    expect(october.read).toEqual(october.expected);
    expect(october.read[0]?.complaint?.quantiles).toHaveLength(3);
  });

  it('moves a complaint whose created event arrives after its resolution', async () => {
    // Prepare: the resolution arrives first (a resolved complaint without creation time).
    const region = 'HB-LT';
    const base = { complaintId: `${region}-1`, region };
    const created = complaintEvent({
      ...base,
      type: 'created',
      occurredAt: '2026-10-05T01:00:00Z',
    });
    const resolved = complaintEvent({
      ...base,
      type: 'resolved',
      occurredAt: '2026-10-06T03:30:00Z',
    });
    await post([resolved]);
    await app.drain('ComplaintAggregator');
    const untimed = await storedCounters(region);
    const resolvedOnly = await statesOf([base.complaintId]);

    // Act
    await post([created]);
    await app.drain('ComplaintAggregator');

    // Assess: first counted as resolved without a time, then timed: 26.5 hours.
    expect(untimed).toEqual(expectedCounters(resolvedOnly));
    expect(Object.values(untimed)).toContainEqual({ resolved: 1, untimed: 1 });
    const stored = await storedCounters(region);
    expect(stored).toEqual(expectedCounters(await statesOf([base.complaintId])));
    expect(Object.values(stored)).toContainEqual({ resolved: 1 });
    expect(Object.values(stored)).toContainEqual({ h26: 1 });
    const october = await figures(region, '2026-10', await statesOf([base.complaintId]));
    expect(october.read).toEqual(october.expected);
  });

  it('moves a reopened complaint, and keeps its first resolution, as its events come', async () => {
    // Prepare
    const region = 'HB-RO';
    const base = { complaintId: `${region}-1`, region };
    const steps = [
      complaintEvent({ ...base, type: 'created', occurredAt: '2026-10-05T01:00:00Z' }),
      complaintEvent({ ...base, type: 'resolved', occurredAt: '2026-10-07T01:00:00Z' }),
      complaintEvent({ ...base, type: 'reopened', occurredAt: '2026-11-03T01:00:00Z' }),
      complaintEvent({ ...base, type: 'resolved', occurredAt: '2026-11-20T01:00:00Z' }),
    ];
    const seen: Record<string, Record<string, number>>[] = [];

    // Act: one event at a time, each counted before the next.
    for (const step of steps) {
      await post([step]);
      await app.drain('ComplaintAggregator');
      seen.push(await storedCounters(region));
    }

    // Assess: after each event, exactly the contribution of the state it made.
    const final = await statesOf([base.complaintId]);
    expect(seen.at(-1)).toEqual(expectedCounters(final));
    // Reopened: counted as reopened in October, its first resolution; open from November on.
    expect(seen[2]).toMatchObject({
      'CPL#complaint#2026-10 R#HB-RO#mobile_data': { resolved: 1, reopened: 1 },
    });
    expect(Object.keys(seen[2] ?? {}).some((key) => key.startsWith('OPENTAIL#'))).toBe(true);
    // Resolved again in November: nothing is open any more at any month end.
    expect(Object.keys(seen[3] ?? {}).some((key) => key.startsWith('OPEN'))).toBe(false);
    const november = await figures(region, '2026-11', final);
    expect(november.read).toEqual(november.expected);
  });

  it('moves a complaint when an event dated in a month already over arrives late', async () => {
    // Prepare: created on 20 September and open at its end.
    const region = 'HB-LE';
    const base = { complaintId: `${region}-1`, region };
    await post([complaintEvent({ ...base, type: 'created', occurredAt: '2026-09-20T01:00:00Z' })]);
    await app.drain('ComplaintAggregator');
    const open = await storedCounters(region);

    // Act: in December, its resolution of 28 September arrives.
    await post([complaintEvent({ ...base, type: 'resolved', occurredAt: '2026-09-28T01:00:00Z' })]);
    await app.drain('ComplaintAggregator');

    // Assess: resolved in September after 8 days, open at no month end.
    expect(Object.keys(open).some((key) => key.startsWith('OPENTAIL'))).toBe(true);
    const stored = await storedCounters(region);
    expect(stored).toEqual(expectedCounters(await statesOf([base.complaintId])));
    expect(stored).toMatchObject({ 'CPL#complaint#2026-09 R#HB-LE#mobile_data': { resolved: 1 } });
    expect(Object.keys(stored).some((key) => key.startsWith('OPEN'))).toBe(false);
    const september = await figures(region, '2026-09', await statesOf([base.complaintId]));
    expect(september.read).toEqual(september.expected);
    expect(september.read[0]?.complaint?.groups[0]?.openAges.size).toBe(0);
  });

  it('counts a duplicate event nothing, and a state expired by its TTL stays counted', async () => {
    // Prepare
    const region = 'HB-DU';
    const events = createdAndResolved(region, 1, '2026-10-10T05:00:00Z', 200);
    await post(events);
    await app.drain('ComplaintAggregator');
    const before = await storedCounters(region);
    const [latest] = (await stateRecordsOf([`${region}-1`])).slice(-1);
    const expiry = {
      ...latest,
      eventName: 'REMOVE',
      dynamodb: {
        ...latest?.dynamodb,
        SequenceNumber: `${BigInt(latest?.dynamodb.SequenceNumber ?? '0') + 1n}`,
        NewImage: undefined,
        OldImage: latest?.dynamodb.NewImage,
      },
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    };

    // Act: both events again, and then the TTL's removal of the state.
    await post(events);
    await app.drain('ComplaintAggregator');
    const removed = await app.host('ComplaintAggregator').invoke({ Records: [expiry] });

    // Assess
    expect(removed.ok).toBe(true);
    expect(before).toEqual(expectedCounters(await statesOf([`${region}-1`])));
    expect(await storedCounters(region)).toEqual(before);
  });
});
