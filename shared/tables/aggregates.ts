import { TTL_ATTRIBUTE, tableDesign } from './table.ts';

/**
 * The aggregates table (docs/data-model.md): anonymous daily counters, the marks of
 * counted stream batches (which expire) and subscriber reference data. Nothing here
 * identifies anyone; counters and reference data never expire.
 */
export const AGGREGATES_TABLE = /* @__PURE__ */ tableDesign({
  timeToLiveAttribute: TTL_ATTRIBUTE,
  indexes: {},
});

/** Counter shards per group: a batch writes one, chosen at random, so none runs hot. */
export const AGGREGATE_SHARDS = 8;

/** The two kinds of daily counters: answers' scores, and invitations sent and answered. */
const COUNTER_PREFIX = { responses: 'AGG', invitations: 'INV' } as const;
export type CounterKind = keyof typeof COUNTER_PREFIX;

/** The survey group a counter counts, on one day. */
export interface CounterGroup {
  day: string;
  region: string;
  service: string;
  touchpoint: string;
  channel: string;
}

/** Key layout of the aggregates table. */
export const aggregateKeys = {
  /** One day's partition of a kind of counter: one Query reads every group and shard. */
  counterDay: (kind: CounterKind, day: string) => `${COUNTER_PREFIX[kind]}#${day}`,
  /** One shard of a group's counters. */
  counterShard: (kind: CounterKind, group: CounterGroup, shard: number) => ({
    pk: aggregateKeys.counterDay(kind, group.day),
    sk: `${group.region}#${group.service}#${group.touchpoint}#${group.channel}#${shard}`,
  }),
  /** The group a counter shard's sort key names. */
  groupOfCounterSk: (sk: string) => {
    const [region = '', service = '', touchpoint = '', channel = ''] = sk.split('#');
    return { region, service, touchpoint, channel };
  },
  /** The mark a counted stream batch leaves, by the batch's first sequence number. */
  countedBatch: (firstSequence: string) => ({ pk: `COUNTED#${firstSequence}`, sk: 'BATCH' }),
  /** A period's subscriber counts, every uploaded version. */
  subscriberPeriod: (period: string) => `SUBSCRIBERS#${period}`,
  subscriberVersionPrefix: 'VERSION#',
  /** One version of a period's subscriber counts. */
  subscriberCounts: (period: string, version: string) => ({
    pk: aggregateKeys.subscriberPeriod(period),
    sk: `${aggregateKeys.subscriberVersionPrefix}${version}`,
  }),
};
