import { TTL_ATTRIBUTE, tableDesign } from './table.ts';

/**
 * The aggregates table (docs/data-model.md): anonymous daily counters, anonymous monthly
 * complaint counters, the marks of counted stream batches (which expire) and subscriber
 * reference data. Nothing here identifies anyone; counters and reference data never expire.
 */
export const AGGREGATES_TABLE = /* @__PURE__ */ tableDesign({
  timeToLiveAttribute: TTL_ATTRIBUTE,
  indexes: {},
});

/**
 * Shards of a day's counters of one kind: a batch adds each group to one, chosen at random,
 * so that no partition key takes every write of a day (docs/capacity.md, The hottest keys
 * at peak). The complaint counters are sharded as many ways.
 */
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

/** A Query of counter items: a partition, and where its sort keys are (none: all of it). */
export interface CounterQuery {
  KeyConditionExpression: string;
  ExpressionAttributeValues: Record<string, string>;
}

/** The month (`YYYY-MM`) a day (`YYYY-MM-DD`) is in. */
const monthOfDay = (day: string) => day.slice(0, 7);

/**
 * Key layout of the aggregates table. A month's counters of a kind are spread over
 * AGGREGATE_SHARDS partition keys (`AGG#<month>#<shard>`), each holding one item per day and
 * group (sort key `<day>#region#service#touchpoint#channel`): at the capacity model's peak a
 * single key for the day would take every counter write of the day, over DynamoDB's 1,000
 * WCU/s a partition key, while a shard in the sort key spreads nothing. Keyed by month, a
 * report reads a period's days as one range per month and shard (a quarter and the one
 * before: 48 queries a kind, not one per day and shard). Counters written before the shard
 * moved into the partition key stay where they are, under `AGG#<day>` with the shard at
 * the end of the sort key; readers read that key too and sum both (docs/data-model.md).
 * Every counter item also holds its day and group as attributes.
 */
export const aggregateKeys = {
  /** One shard's partition of a month's counters of a kind: one item per day and group. */
  counterMonthShard: (kind: CounterKind, month: string, shard: number) =>
    `${COUNTER_PREFIX[kind]}#${month}#${shard}`,
  /** The day's one partition of a kind in the layout before: read, no longer written. */
  counterDayBeforeSharding: (kind: CounterKind, day: string) => `${COUNTER_PREFIX[kind]}#${day}`,
  /** One shard of a group's counters of a day. */
  counterShard: (kind: CounterKind, group: CounterGroup, shard: number) => ({
    pk: aggregateKeys.counterMonthShard(kind, monthOfDay(group.day), shard),
    sk: `${group.day}#${group.region}#${group.service}#${group.touchpoint}#${group.channel}`,
  }),
  /**
   * The Queries that find a day's counters of a kind, in both layouts; with `group`, only
   * the groups whose `region#service#touchpoint#channel` starts with it.
   */
  counterDayQueries: (kind: CounterKind, day: string, group = ''): CounterQuery[] => [
    group === ''
      ? {
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': aggregateKeys.counterDayBeforeSharding(kind, day) },
        }
      : {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': aggregateKeys.counterDayBeforeSharding(kind, day),
            ':prefix': group,
          },
        },
    ...Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => ({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': aggregateKeys.counterMonthShard(kind, monthOfDay(day), shard),
        ':prefix': `${day}#${group}`,
      },
    })),
  ],
  /**
   * The Queries that find the counters of a kind of the days (a run of days: each month's
   * range runs from its first to its last day in `days`): per month, one range of each
   * shard; per day, the partition of the layout before.
   */
  counterDaysQueries: (kind: CounterKind, days: readonly string[]): CounterQuery[] => {
    const months = new Map<string, string[]>();
    for (const day of days)
      months.set(monthOfDay(day), [...(months.get(monthOfDay(day)) ?? []), day]);
    return [
      ...days.map((day) => ({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': aggregateKeys.counterDayBeforeSharding(kind, day) },
      })),
      ...[...months].flatMap(([month, inMonth]) =>
        Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => ({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': aggregateKeys.counterMonthShard(kind, month, shard),
            ':from': `${[...inMonth].sort()[0]}#`,
            ':to': `${[...inMonth].sort().at(-1)}#\uffff`,
          },
        })),
      ),
    ];
  },
  /** The day and group a counter item counts (attributes both layouts write). */
  groupOfCounter: (item: Record<string, unknown>): CounterGroup => ({
    day: String(item.day),
    region: String(item.region),
    service: String(item.service),
    touchpoint: String(item.touchpoint),
    channel: String(item.channel),
  }),
  /** The mark a counted stream batch leaves, by the batch's first sequence number. */
  countedBatch: (firstSequence: string) => ({ pk: `COUNTED#${firstSequence}`, sk: 'BATCH' }),
  /**
   * The mark a counted chunk of a complaint stream batch leaves, by its first record's
   * sequence number and part (a record too big for one transaction is cut into parts).
   */
  countedComplaintChunk: (first: { sequence: string; part: number }) => ({
    pk: `CPLCOUNTED#${first.sequence}#${first.part}`,
    sk: 'CHUNK',
  }),
  /** A period's subscriber counts, every uploaded version. */
  subscriberPeriod: (period: string) => `SUBSCRIBERS#${period}`,
  subscriberVersionPrefix: 'VERSION#',
  /** One version of a period's subscriber counts. */
  subscriberCounts: (period: string, version: string) => ({
    pk: aggregateKeys.subscriberPeriod(period),
    sk: `${aggregateKeys.subscriberVersionPrefix}${version}`,
  }),
};

/** Complaint kinds, as complaint counters are kept apart by them. */
export type ComplaintKind = 'complaint' | 'fault';

/**
 * The key of one complaint counter item without its shard (docs/data-model.md): what a
 * complaint's contribution adds to. `path` of a `time` item is the duration's whole hours,
 * then minutes, then seconds: level 1 (no path) counts by hour `h<H>`, [H] by minute
 * `m<M>`, [H, M] by second `s<S>`, [H, M, S] by millisecond `ms<L>`.
 */
export type ComplaintCounterKey =
  | { item: 'received'; kind: ComplaintKind; month: string; region: string; service: string }
  | { item: 'resolved'; kind: ComplaintKind; month: string; region: string; service: string }
  | {
      item: 'time';
      kind: ComplaintKind;
      month: string;
      region: string;
      service: string;
      path: readonly number[];
    }
  | {
      item: 'open';
      kind: ComplaintKind;
      /** The month whose end the complaint was open at. */
      month: string;
      region: string;
      service: string;
      createdMonth: string;
      /** Absent: never resolved. */
      firstResolvedMonth?: string | undefined;
    }
  | {
      item: 'tail';
      kind: ComplaintKind;
      /** The month of the last event: open at this month's end and every later one. */
      fromMonth: string;
      region: string;
      service: string;
      createdMonth: string;
      firstResolvedMonth?: string | undefined;
      /** The UTC day of createdAt, `YYYY-MM-DD`. */
      createdDay: string;
    };

/** A complaint counter item's stored key, shard left out (`pk` gets `#<shard>` appended). */
export interface UnshardedKey {
  pk: string;
  sk: string;
}

const TIME_LEVEL_PREFIX = ['T1', 'T2', 'T3', 'T4'] as const;
const NO_MONTH = '-';

/**
 * Key layout of the complaint counters. Partitions are a kind's month (`CPL#`), a kind's
 * month end (`OPEN#`) and a kind's open tail (`OPENTAIL#`), each in AGGREGATE_SHARDS shards
 * (`#<shard>` appended) so that no key takes every write; a reader sums the shards.
 * In a `CPL#` partition, `C#` and `R#` items are the counters (read for every month of a
 * report's window), `T1#` the hour histograms (read for the periods' months) and `T2#`…`T4#`
 * the refinements, read by key for the buckets a quantile's rank falls in.
 */
export const complaintAggregateKeys = {
  /** The `CPL#` partition of a kind's month, without shard. */
  month: (kind: ComplaintKind, month: string) => `CPL#${kind}#${month}`,
  /** The `OPEN#` partition of the complaints open at a month's end, without shard. */
  monthEnd: (kind: ComplaintKind, month: string) => `OPEN#${kind}#${month}`,
  /** The `OPENTAIL#` partition of a kind, without shard. */
  tail: (kind: ComplaintKind) => `OPENTAIL#${kind}`,
  /** A shard of an unsharded partition key. */
  shardOf: (pk: string, shard: number) => `${pk}#${shard}`,
  /** The unsharded partition key of a stored one. */
  unsharded: (pk: string) => pk.slice(0, pk.lastIndexOf('#')),
  /** Sort-key ranges (inclusive) of a month partition's counters and hour histograms. */
  countersRange: { from: 'C#', to: 'R#\uffff' },
  hoursRange: { from: 'T1#', to: 'T1#\uffff' },
  /** Sort-key range of the tails whose first month is in [from, to]. */
  tailRange: (from: string, to: string) => ({ from: `${from}#`, to: `${to}#\uffff` }),

  /** The stored key of a counter item, shard left out. */
  keyOf(key: ComplaintCounterKey): UnshardedKey {
    const group = `${key.region}#${key.service}`;
    switch (key.item) {
      case 'received':
        return { pk: complaintAggregateKeys.month(key.kind, key.month), sk: `C#${group}` };
      case 'resolved':
        return { pk: complaintAggregateKeys.month(key.kind, key.month), sk: `R#${group}` };
      case 'time': {
        const prefix = TIME_LEVEL_PREFIX[key.path.length];
        if (prefix === undefined) throw new RangeError('a time path has at most 3 parts');
        return {
          pk: complaintAggregateKeys.month(key.kind, key.month),
          sk: [`${prefix}#${group}`, ...key.path].join('#'),
        };
      }
      case 'open':
        return {
          pk: complaintAggregateKeys.monthEnd(key.kind, key.month),
          sk: `${group}#${key.createdMonth}#${key.firstResolvedMonth ?? NO_MONTH}`,
        };
      case 'tail':
        return {
          pk: complaintAggregateKeys.tail(key.kind),
          sk: `${key.fromMonth}#${group}#${key.createdMonth}#${key.firstResolvedMonth ?? NO_MONTH}#${key.createdDay}`,
        };
    }
  },

  /** The counter key a stored key names (shard removed or not), or undefined for another item. */
  parse(stored: UnshardedKey): ComplaintCounterKey | undefined {
    const pkParts = stored.pk.split('#');
    const [prefix, kindText, third] = pkParts;
    const kind = kindText === 'complaint' || kindText === 'fault' ? kindText : undefined;
    if (!kind) return undefined;
    const sk = stored.sk.split('#');
    const frMonth = (text: string | undefined) =>
      text === undefined || text === NO_MONTH ? undefined : text;
    if (prefix === 'CPL' && third !== undefined) {
      const [type = '', region = '', service = '', ...rest] = sk;
      if (type === 'C' || type === 'R') {
        return {
          item: type === 'C' ? 'received' : 'resolved',
          kind,
          month: third,
          region,
          service,
        };
      }
      const level = (TIME_LEVEL_PREFIX as readonly string[]).indexOf(type);
      if (level === -1 || rest.length !== level) return undefined;
      return { item: 'time', kind, month: third, region, service, path: rest.map(Number) };
    }
    if (prefix === 'OPEN' && third !== undefined) {
      const [region = '', service = '', createdMonth = '', firstResolved] = sk;
      return {
        item: 'open',
        kind,
        month: third,
        region,
        service,
        createdMonth,
        firstResolvedMonth: frMonth(firstResolved),
      };
    }
    if (prefix === 'OPENTAIL') {
      const [fromMonth = '', region = '', service = '', createdMonth = '', firstResolved, day] = sk;
      return {
        item: 'tail',
        kind,
        fromMonth,
        region,
        service,
        createdMonth,
        firstResolvedMonth: frMonth(firstResolved),
        createdDay: day ?? '',
      };
    }
    return undefined;
  },
};
