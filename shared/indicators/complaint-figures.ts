/**
 * The complaint and fault figures a report's catalogue reads, made from the complaint
 * counters (shared/domain/complaint-aggregates.ts) instead of every complaint's state:
 * months × groups of counters, and for quantiles only the refinement items of the
 * buckets the ranks fall in. Reading is data-dependent (which hour holds the 90th
 * percentile decides which minute items to read), so it is planned as a sequence of read
 * batches (`planComplaintFigures`) that a reader answers one after another: the DynamoDB
 * reader asynchronously, the in-memory one synchronously. What comes out
 * (`ComplaintFigures`, one per period) is plain data the catalogue computes from
 * synchronously; every figure equals the one the states would give.
 */
import {
  type CounterIncrement,
  type CounterItems,
  countersOfStates,
  DAY_MS,
  HOUR_MS,
  QUARTER_HOUR_MS,
  TIME_COUNTER_PREFIXES,
} from '../domain/complaint-aggregates.ts';
import type { ComplaintState } from '../domain/complaint-lifecycle.ts';
import {
  type ComplaintCounterKey,
  type ComplaintKind,
  complaintAggregateKeys,
  type UnshardedKey,
} from '../tables/aggregates.ts';
import { type Period, previousPeriod } from './periods.ts';
import { nearestRankPosition } from './statistics.ts';

export const COMPLAINT_KINDS: readonly ComplaintKind[] = ['complaint', 'fault'];

/** One group's (region, service) figures of one kind for one period. */
export interface ComplaintGroupFigures {
  region: string;
  service: string;
  /** Created in the period: `received`, `cat_<category>`, `via_<via>`. */
  received: Readonly<Record<string, number>>;
  /** First resolved in the period: `resolved`, `reopened`, `untimed`. */
  resolved: Readonly<Record<string, number>>;
  /** Timed first resolutions in the period by whole hours of their duration. */
  hours: ReadonlyMap<number, number>;
  /** Of those, how many took exactly L hours, for the limits L the report reads. */
  exactHours: ReadonlyMap<number, number>;
  /** Open at the period's end (not for good): ⌈age in days⌉ → count. */
  openAges: ReadonlyMap<number, number>;
  /** Open for good at the period's end: start of the creation quarter hour (ms) → count. */
  openSince: ReadonlyMap<number, number>;
}

/** The figures of one kind in one period. */
export interface ComplaintKindFigures {
  /** Every group a complaint of the kind read by the report names, in code-point order. */
  groups: readonly ComplaintGroupFigures[];
  /** Nearest-rank durations in hours by cell (`quantileKey`), for the quantiles read. */
  quantiles: ReadonlyMap<string, number>;
}

/** The complaint and fault figures of one period. */
export interface ComplaintFigures {
  /** The period's id: the catalogue refuses figures of another period. */
  period: string;
  kinds: Readonly<Record<ComplaintKind, ComplaintKindFigures>>;
}

/** What a report reads of the counters, beyond the counters themselves. */
export interface ComplaintFiguresRequest {
  period: Period;
  previous: Period;
  /**
   * The months whose complaints the report reads: created in, or first resolved in, one
   * of them (build-report.ts: twelve months before the previous period to the period end).
   */
  window: readonly string[];
  /** The nearest-rank quantiles of durations the profile publishes. */
  quantiles: readonly { kind: ComplaintKind; q: number }[];
  /** The whole-hour limits of "resolved within" shares the profile publishes. */
  withinHours: readonly { kind: ComplaintKind; hours: number }[];
}

/**
 * How far back complaints are read for "open at period end": complaints still open after
 * a year are read only if they were created within this many months before the period.
 */
export const OPEN_COMPLAINT_LOOKBACK_MONTHS = 12;

/** Every `YYYY-MM` from `months` months before `first`'s month to `last`'s, inclusive. */
export function monthsBack(first: string, last: string, months: number): string[] {
  const result: string[] = [];
  const start = new Date(
    Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)) - 1 - months),
  );
  for (let at = start; at.toISOString().slice(0, 7) <= last.slice(0, 7); ) {
    result.push(at.toISOString().slice(0, 7));
    at = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1));
  }
  return result;
}

/**
 * What a report of the period reads: the period, the previous one, the months of
 * complaints it reads (OPEN_COMPLAINT_LOOKBACK_MONTHS before the previous period to the
 * period's end) and the quantiles and limits its indicators publish.
 */
export function complaintFiguresRequest(
  period: Period,
  reads: Pick<ComplaintFiguresRequest, 'quantiles' | 'withinHours'>,
): ComplaintFiguresRequest {
  const previous = previousPeriod(period);
  return {
    period,
    previous,
    window: monthsBack(previous.start, period.end, OPEN_COMPLAINT_LOOKBACK_MONTHS),
    ...reads,
  };
}

/** One batch of reads: ranges of sort keys in partitions, and items by key. */
export interface CounterReadBatch {
  /** Items of the partition (unsharded pk; every shard) whose sort key is in [from, to]. */
  ranges: readonly { pk: string; from: string; to: string }[];
  /** Items by key (unsharded pk; every shard). */
  keys: readonly UnshardedKey[];
}

/** Reads counter items, shards summed per item; items that do not exist are left out. */
export interface ComplaintCounterReader {
  read(batch: CounterReadBatch): Promise<readonly CounterIncrement[]>;
}

/** The key of a cell's quantile: region and service (`*` for all) and q. */
export const quantileKey = (region: string, service: string, q: number) =>
  `${region}\u0000${service}\u0000${q}`;

const ALL = '*';
const groupId = (region: string, service: string) => `${region}#${service}`;
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface MutableGroup {
  region: string;
  service: string;
  received: Record<string, number>;
  resolved: Record<string, number>;
  hours: Map<number, number>;
  exactHours: Map<number, number>;
  openAges: Map<number, number>;
  openSince: Map<number, number>;
}

const addTo = <K>(map: Map<K, number>, key: K, value: number) =>
  map.set(key, (map.get(key) ?? 0) + value);

const addCounts = (into: Record<string, number>, counts: Readonly<Record<string, number>>) => {
  for (const [name, value] of Object.entries(counts)) into[name] = (into[name] ?? 0) + value;
};

/** `<prefix><integer>` counters of an item as integer → count. */
function numbered(counts: Readonly<Record<string, number>>, prefix: string): Map<number, number> {
  const result = new Map<number, number>();
  for (const [name, value] of Object.entries(counts)) {
    if (!name.startsWith(prefix)) continue;
    const number = name.slice(prefix.length);
    if (!/^-?\d+$/.test(number) || value === 0) continue;
    addTo(result, Number(number), value);
  }
  return result;
}

/** The bucket the rank-th smallest falls in, and the rank within it. */
function bucketOf(
  counts: ReadonlyMap<number, number>,
  rank: number,
): { bucket: number; rank: number } {
  let below = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    const count = counts.get(bucket) ?? 0;
    if (count <= 0) continue;
    if (below + count >= rank) return { bucket, rank: rank - below };
    below += count;
  }
  throw new Error(`complaint counters hold fewer durations than rank ${rank}`);
}

/** One quantile being resolved: a cell's groups in a period, walked level by level. */
interface QuantileWalk {
  figures: ComplaintKindFiguresBuilder;
  kind: ComplaintKind;
  months: readonly string[];
  groups: readonly MutableGroup[];
  key: string;
  path: number[];
  rank: number;
}

interface ComplaintKindFiguresBuilder {
  groups: Map<string, MutableGroup>;
  quantiles: Map<string, number>;
}

/**
 * The reads a report's complaint figures need, in order, and the figures: a generator that
 * yields each batch and takes back its items. Four batches at most: the counters, hour
 * histograms, open items and tails; then one per refinement level.
 */
export function* planComplaintFigures(
  request: ComplaintFiguresRequest,
): Generator<
  CounterReadBatch,
  { current: ComplaintFigures; previous: ComplaintFigures },
  readonly CounterIncrement[]
> {
  const { period, previous, window } = request;
  const periods = [period, previous];
  const inWindow = new Set(window);
  const lastMonth = (of: Period) => of.months.at(-1) ?? '';
  const periodMonths = new Set(periods.flatMap((of) => of.months));
  const { countersRange, hoursRange } = complaintAggregateKeys;

  const ranges: CounterReadBatch['ranges'][number][] = [];
  for (const kind of COMPLAINT_KINDS) {
    for (const month of window) {
      ranges.push({ pk: complaintAggregateKeys.month(kind, month), ...countersRange });
    }
    for (const month of [...periodMonths].sort()) {
      ranges.push({ pk: complaintAggregateKeys.month(kind, month), ...hoursRange });
    }
    for (const of of periods) {
      ranges.push({
        pk: complaintAggregateKeys.monthEnd(kind, lastMonth(of)),
        from: '',
        to: '\uffff',
      });
    }
    const first = window[0] ?? lastMonth(previous);
    ranges.push({
      pk: complaintAggregateKeys.tail(kind),
      ...complaintAggregateKeys.tailRange(first, lastMonth(period)),
    });
  }
  const items = yield { ranges, keys: [] };

  // Per kind and month, per group: the counters and the hour histogram, as read.
  const counters = new Map<string, Record<string, number>>();
  const monthKey = (kind: string, month: string, region: string, service: string, item: string) =>
    `${kind}#${month}#${region}#${service}#${item}`;
  const present = new Map<ComplaintKind, Map<string, { region: string; service: string }>>(
    COMPLAINT_KINDS.map((kind) => [kind, new Map()]),
  );
  const opens: Extract<ComplaintCounterKey, { item: 'open' | 'tail' }>[] = [];
  const openCounts: Readonly<Record<string, number>>[] = [];
  for (const item of items) {
    const key = complaintAggregateKeys.parse(item);
    if (!key) continue;
    if (key.item === 'received' || key.item === 'resolved') {
      counters.set(monthKey(key.kind, key.month, key.region, key.service, key.item), {
        ...item.counts,
      });
      const count = item.counts[key.item] ?? 0;
      if (count > 0 && inWindow.has(key.month)) {
        present.get(key.kind)?.set(groupId(key.region, key.service), key);
      }
    } else if (key.item === 'time' && key.path.length === 0) {
      counters.set(monthKey(key.kind, key.month, key.region, key.service, 'hours'), {
        ...item.counts,
      });
    } else if (key.item === 'open' || key.item === 'tail') {
      opens.push(key);
      openCounts.push(item.counts);
    }
  }

  const builders = periods.map(
    () =>
      Object.fromEntries(
        COMPLAINT_KINDS.map((kind) => {
          const groups = new Map<string, MutableGroup>();
          for (const [id, { region, service }] of [...(present.get(kind) ?? [])].sort(([a], [b]) =>
            byCodePoint(a, b),
          )) {
            groups.set(id, {
              region,
              service,
              received: {},
              resolved: {},
              hours: new Map(),
              exactHours: new Map(),
              openAges: new Map(),
              openSince: new Map(),
            });
          }
          return [kind, { groups, quantiles: new Map<string, number>() }];
        }),
      ) as Record<ComplaintKind, ComplaintKindFiguresBuilder>,
  );

  periods.forEach((of, index) => {
    const builder = builders[index];
    if (!builder) return;
    for (const kind of COMPLAINT_KINDS) {
      for (const group of builder[kind].groups.values()) {
        for (const month of of.months) {
          const at = (item: string) =>
            counters.get(monthKey(kind, month, group.region, group.service, item)) ?? {};
          addCounts(group.received, at('received'));
          addCounts(group.resolved, at('resolved'));
          for (const [hour, count] of numbered(at('hours'), 'h')) addTo(group.hours, hour, count);
        }
      }
    }
  });

  // Open at each period's end: kept only for complaints the report reads (window months).
  opens.forEach((key, index) => {
    const counts = openCounts[index] ?? {};
    if (!inWindow.has(key.createdMonth) && !inWindow.has(key.firstResolvedMonth ?? '')) return;
    periods.forEach((of, periodIndex) => {
      const group = builders[periodIndex]?.[key.kind].groups.get(groupId(key.region, key.service));
      if (!group) return;
      if (key.item === 'open' && key.month === lastMonth(of)) {
        for (const [age, count] of numbered(counts, 'a')) addTo(group.openAges, age, count);
      }
      if (key.item === 'tail' && key.fromMonth <= lastMonth(of)) {
        const dayStart = Date.parse(`${key.createdDay}T00:00:00Z`);
        for (const [quarter, count] of numbered(counts, 'q')) {
          addTo(group.openSince, dayStart + quarter * QUARTER_HOUR_MS, count);
        }
      }
    });
  });

  // The refinement reads: durations of exactly L hours, then the quantiles' levels.
  const hoursOf = (kind: ComplaintKind, month: string, group: MutableGroup) =>
    numbered(counters.get(monthKey(kind, month, group.region, group.service, 'hours')) ?? {}, 'h');
  const timeKey = (kind: ComplaintKind, month: string, group: MutableGroup, path: number[]) =>
    complaintAggregateKeys.keyOf({
      item: 'time',
      kind,
      month,
      region: group.region,
      service: group.service,
      path,
    });
  const idOf = (key: UnshardedKey) => `${key.pk}\u0000${key.sk}`;
  const fetched = new Map<string, Readonly<Record<string, number>>>();
  const exactReads: { group: MutableGroup; hours: number; key: UnshardedKey }[] = [];
  const limits = new Map(
    request.withinHours.map((limit) => [`${limit.kind}#${limit.hours}`, limit]),
  );
  periods.forEach((of, index) => {
    for (const { kind, hours } of limits.values()) {
      for (const group of builders[index]?.[kind].groups.values() ?? []) {
        for (const month of of.months) {
          if ((hoursOf(kind, month, group).get(hours) ?? 0) <= 0) continue;
          exactReads.push({ group, hours, key: timeKey(kind, month, group, [hours, 0, 0]) });
        }
        if (!group.exactHours.has(hours)) group.exactHours.set(hours, 0);
      }
    }
  });

  const walks: QuantileWalk[] = [];
  periods.forEach((of, index) => {
    for (const { kind, q } of request.quantiles) {
      const figures = builders[index]?.[kind];
      if (!figures) continue;
      const all = [...figures.groups.values()];
      const cells: [string, string, MutableGroup[]][] = [[ALL, ALL, all]];
      for (const region of new Set(all.map((group) => group.region))) {
        cells.push([region, ALL, all.filter((group) => group.region === region)]);
      }
      for (const service of new Set(all.map((group) => group.service))) {
        cells.push([ALL, service, all.filter((group) => group.service === service)]);
      }
      for (const [region, service, groups] of cells) {
        const timed = groups.reduce(
          (sum, group) => sum + (group.resolved.resolved ?? 0) - (group.resolved.untimed ?? 0),
          0,
        );
        if (timed <= 0) continue;
        const hours = new Map<number, number>();
        for (const group of groups) {
          for (const [hour, count] of group.hours) addTo(hours, hour, count);
        }
        const { bucket, rank } = bucketOf(hours, nearestRankPosition(timed, q));
        walks.push({
          figures,
          kind,
          months: of.months,
          groups,
          key: quantileKey(region, service, q),
          path: [bucket],
          rank,
        });
      }
    }
  });

  /** The keys of the walk's next level: items of its groups and months whose bucket is non-empty. */
  const nextKeys = (walk: QuantileWalk) => {
    const keys: UnshardedKey[] = [];
    const level = walk.path.length;
    for (const group of walk.groups) {
      for (const month of walk.months) {
        const parentPath = walk.path.slice(0, -1);
        const parent =
          level === 1
            ? hoursOf(walk.kind, month, group)
            : numbered(
                fetched.get(idOf(timeKey(walk.kind, month, group, parentPath))) ?? {},
                TIME_COUNTER_PREFIXES[level - 1] ?? '',
              );
        if ((parent.get(walk.path.at(-1) ?? 0) ?? 0) > 0) {
          keys.push(timeKey(walk.kind, month, group, walk.path));
        }
      }
    }
    return keys;
  };

  for (let level = 1; level <= 3; level += 1) {
    const wanted = new Map<string, UnshardedKey>();
    for (const walk of walks) for (const key of nextKeys(walk)) wanted.set(idOf(key), key);
    if (level === 1) for (const { key } of exactReads) wanted.set(idOf(key), key);
    if (wanted.size === 0) break;
    for (const item of yield { ranges: [], keys: [...wanted.values()] }) {
      fetched.set(idOf(item), item.counts);
    }
    if (level === 1) {
      for (const { group, hours, key } of exactReads) {
        addTo(group.exactHours, hours, fetched.get(idOf(key))?.ms0 ?? 0);
      }
    }
    const prefix = TIME_COUNTER_PREFIXES[level] ?? '';
    for (const walk of walks) {
      const counts = new Map<number, number>();
      for (const group of walk.groups) {
        for (const month of walk.months) {
          const item = fetched.get(idOf(timeKey(walk.kind, month, group, walk.path)));
          for (const [bucket, count] of numbered(item ?? {}, prefix)) addTo(counts, bucket, count);
        }
      }
      const { bucket, rank } = bucketOf(counts, walk.rank);
      walk.path.push(bucket);
      walk.rank = rank;
    }
  }
  for (const walk of walks) {
    const [hour = 0, minute = 0, second = 0, milli = 0] = walk.path;
    const ms = hour * HOUR_MS + minute * 60_000 + second * 1000 + milli;
    walk.figures.quantiles.set(walk.key, ms / HOUR_MS);
  }

  const kindFigures = (builder: ComplaintKindFiguresBuilder): ComplaintKindFigures => ({
    groups: [...builder.groups.values()],
    quantiles: builder.quantiles,
  });
  const figuresOf = (
    of: Period,
    builder: Record<ComplaintKind, ComplaintKindFiguresBuilder>,
  ): ComplaintFigures => ({
    period: of.id,
    kinds: { complaint: kindFigures(builder.complaint), fault: kindFigures(builder.fault) },
  });
  const [current, before] = builders;
  if (!current || !before) throw new Error('two periods');
  return { current: figuresOf(period, current), previous: figuresOf(previous, before) };
}

/** Loads a report's complaint figures from a reader, batch after batch. */
export async function loadComplaintFigures(
  reader: ComplaintCounterReader,
  request: ComplaintFiguresRequest,
): Promise<{ current: ComplaintFigures; previous: ComplaintFigures }> {
  const plan = planComplaintFigures(request);
  let step = plan.next([]);
  while (!step.done) step = plan.next(await reader.read(step.value));
  return step.value;
}

/** Counts what an in-memory reader was asked, as DynamoDB would be. */
export interface ReadCounts {
  batches: number;
  ranges: number;
  keys: number;
  items: number;
}

/**
 * Reads counter items from memory (the sum of contributions, shards left out), indexed by
 * partition at creation: later additions to `items` are not seen.
 */
export function inMemoryCounterReader(items: CounterItems): {
  readSync(batch: CounterReadBatch): CounterIncrement[];
  read(batch: CounterReadBatch): Promise<CounterIncrement[]>;
  counts: ReadCounts;
} {
  const partitions = new Map<string, CounterIncrement[]>();
  for (const item of items.values()) {
    const list = partitions.get(item.pk) ?? [];
    list.push({ pk: item.pk, sk: item.sk, counts: { ...item.counts } });
    partitions.set(item.pk, list);
  }
  for (const list of partitions.values()) list.sort((a, b) => byCodePoint(a.sk, b.sk));
  const counts: ReadCounts = { batches: 0, ranges: 0, keys: 0, items: 0 };
  const readSync = (batch: CounterReadBatch) => {
    counts.batches += 1;
    counts.ranges += batch.ranges.length;
    counts.keys += batch.keys.length;
    const result: CounterIncrement[] = [];
    for (const { pk, from, to } of batch.ranges) {
      const list = partitions.get(pk) ?? [];
      let low = 0;
      let high = list.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if ((list[middle]?.sk ?? '') < from) low = middle + 1;
        else high = middle;
      }
      for (let index = low; index < list.length; index += 1) {
        const item = list[index];
        if (!item || item.sk > to) break;
        result.push(item);
      }
    }
    for (const key of batch.keys) {
      const item = items.get(`${key.pk}\u0000${key.sk}`);
      if (item) result.push({ pk: item.pk, sk: item.sk, counts: { ...item.counts } });
    }
    counts.items += result.length;
    return result;
  };
  return { readSync, read: async (batch) => readSync(batch), counts };
}

/** A report's complaint figures from counter items in memory, read synchronously. */
export function complaintFiguresOfItems(
  items: CounterItems,
  request: ComplaintFiguresRequest,
): { current: ComplaintFigures; previous: ComplaintFigures } {
  const reader = inMemoryCounterReader(items);
  const plan = planComplaintFigures(request);
  let step = plan.next([]);
  while (!step.done) step = plan.next(reader.readSync(step.value));
  return step.value;
}

/**
 * A report's complaint figures from folded states: the sum of their contributions, read
 * as the report reads the counters. What an assessor's extract and the tests start from.
 */
export function complaintFiguresOfStates(
  states: Iterable<ComplaintState>,
  timeZone: string,
  request: ComplaintFiguresRequest,
): { current: ComplaintFigures; previous: ComplaintFigures } {
  return complaintFiguresOfItems(countersOfStates(states, timeZone), request);
}

/** How many of a group's complaints were open at `end` for more than `days` × 24 h. */
export function openBeyond(group: ComplaintGroupFigures, end: number, days: number): number {
  const since = end - days * DAY_MS;
  // Quarter-hour starts compare exactly only with a quarter-hour instant (every zone's
  // offset today is a whole number of quarter hours, so every month end is one).
  if (since % QUARTER_HOUR_MS !== 0) {
    throw new RangeError(`period end ${new Date(end).toISOString()} is not on a quarter hour`);
  }
  let count = 0;
  for (const [age, n] of group.openAges) if (age > days) count += n;
  for (const [start, n] of group.openSince) if (start < since) count += n;
  return count;
}
