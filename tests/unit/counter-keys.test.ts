import { describe, expect, it } from 'vitest';
import { dynamoDbAggregateStore } from '#shared/adapters/dynamodb/aggregate-store.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import {
  AGGREGATE_SHARDS,
  AGGREGATES_TABLE,
  aggregateKeys,
  type CounterGroup,
} from '#shared/tables/aggregates.ts';
import {
  aggregateResponses,
  type StreamedResponse,
} from '#shared/use-cases/aggregate-responses.ts';
import {
  type FlowUnits,
  hottestCounterKeyWrites,
  type MeasuredUnits,
  NATIONAL,
  PARTITION,
  peakOf,
} from '../../bench/capacity.ts';
import { MemoryDynamoDb } from '../../bench/scale/memory-dynamodb.ts';

const GROUP: CounterGroup = {
  day: '2026-10-08',
  region: 'BJ',
  service: 'mobile_data',
  touchpoint: 'store',
  channel: 'web',
};

describe('aggregateKeys', () => {
  it("spreads a month's counters of a kind over one partition key per shard, the day and group in the sort key", () => {
    const keys = Array.from({ length: AGGREGATE_SHARDS }, (_, shard) =>
      aggregateKeys.counterShard('responses', GROUP, shard),
    );

    expect(new Set(keys.map((key) => key.pk)).size).toBe(AGGREGATE_SHARDS);
    expect(keys[3]).toEqual({ pk: 'AGG#2026-10#3', sk: '2026-10-08#BJ#mobile_data#store#web' });
    expect(aggregateKeys.counterShard('invitations', GROUP, 0).pk).toBe('INV#2026-10#0');
  });

  it("finds a day's counters in the earlier unsharded partition and in each shard's month", () => {
    const queries = aggregateKeys.counterDayQueries('responses', '2026-10-08', 'BJ#');

    expect(queries.map((query) => query.ExpressionAttributeValues)).toEqual([
      { ':pk': 'AGG#2026-10-08', ':prefix': 'BJ#' },
      ...Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => ({
        ':pk': `AGG#2026-10#${shard}`,
        ':prefix': '2026-10-08#BJ#',
      })),
    ]);
    const written = aggregateKeys.counterShard('responses', GROUP, AGGREGATE_SHARDS - 1);
    expect(queries.map((query) => query.ExpressionAttributeValues[':pk'])).toContain(written.pk);
    expect(written.sk.startsWith('2026-10-08#BJ#')).toBe(true);
  });

  it("reads a quarter and the one before as a range per month and shard, and the old layout's days", () => {
    const days = Array.from({ length: 183 }, (_, index) =>
      new Date(Date.UTC(2026, 3, 1 + index)).toISOString().slice(0, 10),
    );

    const queries = aggregateKeys.counterDaysQueries('responses', days);

    const ranges = queries.filter((query) => query.KeyConditionExpression.includes('BETWEEN'));
    expect(ranges).toHaveLength(6 * AGGREGATE_SHARDS);
    expect(queries).toHaveLength(183 + 6 * AGGREGATE_SHARDS);
    expect(ranges[0]?.ExpressionAttributeValues).toEqual({
      ':pk': 'AGG#2026-04#0',
      ':from': '2026-04-01#',
      ':to': '2026-04-30#\uffff',
    });
  });
});

/** A flow that wrote only to the aggregates table, so many write units a unit. */
const aggregateWrites = (writeUnits: number): FlowUnits => ({
  measured: 1,
  functions: new Map(),
  tables: new Map([
    [
      'aggregates',
      { readUnits: 0, writeUnits, items: 0, bytes: 0, byteDays: 0, keptItems: 0, keptBytes: 0 },
    ],
  ]),
  sqsRequests: 0,
  apiRequests: 0,
  cost: {},
});

describe("the capacity model's hottest counter key", () => {
  it("stays well within a key's 1,000 WCU/s at 2,000 answers a second", () => {
    // Prepare: the aggregates table's write units a unit as docs/capacity.md quotes the
    // bench's run (batch marks included): a web answer, an SMS answer, a complaint event.
    const units: MeasuredUnits = {
      webSurvey: aggregateWrites(1.1),
      webAnswer: aggregateWrites(0.54),
      smsSurvey: aggregateWrites(3.4),
      smsAnswer: aggregateWrites(2.3),
      complaintEvent: aggregateWrites(0.9),
    };

    // Act
    const peak = peakOf(units);
    const hottest = hottestCounterKeyWrites(peak);

    // Assess: the table's peak (about 1,964 WCU/s) would be over one key's limit; spread
    // over the day's shard keys the hottest takes a quarter of it at most.
    expect(NATIONAL.peakAnswersPerSecond).toBe(2000);
    const table = peak.tables.get('aggregates')?.writeUnits ?? 0;
    expect(table).toBeCloseTo(2000 * (0.8 * 0.54 + 0.2 * 2.3) + 200 * 0.9, 6);
    expect(table).toBeGreaterThan(PARTITION.writeUnits);
    expect(hottest).toBeCloseTo(table / AGGREGATE_SHARDS, 6);
    expect(hottest).toBeLessThan(PARTITION.writeUnits / 4);
  });
});

describe('the response aggregator at peak', () => {
  /** A seeded pseudo-random integer below n (mulberry32), so that the run repeats exactly. */
  function seeded(seed: number) {
    let state = seed >>> 0;
    return (n: number) => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
  }

  it("spreads a second of 2,000 answers over the country's groups evenly across the day's shard keys", async () => {
    // Prepare: one second of the national peak, each answer in one of the model's 1,860
    // groups, its invitation made the same day; the stream's batches of 49 records.
    const store = new MemoryDynamoDb([{ name: 'aggregates', design: AGGREGATES_TABLE }]);
    const client = store.client();
    const random = seeded(17);
    const answers: StreamedResponse[] = Array.from(
      { length: NATIONAL.peakAnswersPerSecond },
      (_, n) => {
        const group = random(NATIONAL.surveyGroups);
        return {
          kind: 'answered',
          invitationId: `invitation-${n}`,
          sequenceNumber: String(10_000_000 + n),
          submittedAt: '2026-10-08T03:00:00.000Z',
          region: `R${group % 31}`,
          service: `S${Math.floor(group / 31) % 5}`,
          touchpoint: `T${Math.floor(group / 155) % 6}`,
          channel: group % 2 ? 'web' : 'sms',
          csat: 5,
          nps: 9,
          invitation: { createdAt: '2026-10-08T01:00:00.000Z', channel: 'web' },
        };
      },
    );
    const dependencies = {
      store: dynamoDbAggregateStore(client, 'aggregates'),
      timeZone: 'Asia/Shanghai',
      shard: () => random(AGGREGATE_SHARDS),
      now: () => new Date('2026-10-08T03:00:01.000Z'),
    };

    // Act
    for (let start = 0; start < answers.length; start += 49) {
      await aggregateResponses(dependencies, answers.slice(start, start + 49));
    }

    // Assess: every answer counted once, as the report builder reads them…
    const rows = await dynamoDbReportInputs({
      client,
      aggregatesTable: 'aggregates',
      complaintsTable: 'complaints',
      surveysTable: 'surveys',
    }).responseAggregates(['2026-10-08']);
    client.destroy();
    expect(rows.reduce((sum, row) => sum + (row.counts.responses ?? 0), 0)).toBe(2000);
    // …written under the month's shard keys only…
    const writes = store.partitionWrites.get('aggregates') ?? new Map<string, number>();
    const answerKeys = [...writes].filter(([key]) => key.startsWith('AGG#'));
    expect(answerKeys.map(([key]) => key).sort()).toEqual(
      Array.from({ length: AGGREGATE_SHARDS }, (_, shard) =>
        aggregateKeys.counterMonthShard('responses', '2026-10', shard),
      ).sort(),
    );
    // …each key near its even share of the second's answer counter writes…
    const total = answerKeys.reduce((sum, [, units]) => sum + units, 0);
    const hottest = Math.max(...answerKeys.map(([, units]) => units));
    expect(hottest).toBeLessThan((1.25 * total) / AGGREGATE_SHARDS);
    // …and the hottest key of the busiest second well within DynamoDB's 1,000 WCU/s.
    expect(hottest).toBeLessThan(0.6 * PARTITION.writeUnits);
  });
});
