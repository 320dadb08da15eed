/**
 * Complaint counters (docs/data-model.md, issue 17): what one complaint's folded state adds
 * to the aggregates table's anonymous monthly counters, and the change a new state makes
 * against the old one. The contribution is a pure function of the state, so a late event,
 * a reopening or a reclassification moves a complaint from its old counters to its new
 * ones exactly, and the sum of every state's contribution is what the report reads.
 *
 * Per kind, month (reporting time zone) and group (region, service):
 * - created in the month: `received`, `cat_<category>`, `via_<via>`;
 * - first resolved in the month: `resolved`, `reopened` (reopenedAt set), `untimed` (no
 *   createdAt); with createdAt, the exact duration firstResolvedAt − createdAt in ms, as
 *   whole hours `h<H>` (level 1), then `m<M>` in hour H, `s<S>` in minute M, `ms<L>` in
 *   second S, so a nearest-rank quantile is found exactly by walking four items;
 * - open at the end E of a month (createdAt < E ≤ lastEventAt, where the state at E must
 *   be rebuilt from the lifecycle times): `a<⌈(E − createdAt)/24 h⌉>` under the month, its
 *   created and first-resolved months (a report keeps only complaints it would have read);
 * - open for good (status open: open at every month end after lastEventAt): `q<n>`, the
 *   UTC quarter hour of createdAt within its UTC day, under the month of lastEventAt.
 */
import {
  type ComplaintCounterKey,
  complaintAggregateKeys,
  type UnshardedKey,
} from '../tables/aggregates.ts';
import { type ComplaintState, isOpenAt } from './complaint-lifecycle.ts';
import { instantOfWallClock } from './zoned-time.ts';

/** An increment of some counters of one item (shard left out). */
export interface CounterIncrement extends UnshardedKey {
  counts: Readonly<Record<string, number>>;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const QUARTER_HOUR_MS = 900_000;

/** A duration in ms as whole hours, then minutes, seconds and ms within them (floored). */
export function durationParts(
  ms: number,
): [hour: number, minute: number, second: number, milli: number] {
  const hour = Math.floor(ms / HOUR_MS);
  const inHour = ms - hour * HOUR_MS;
  const minute = Math.floor(inHour / 60_000);
  const inMinute = inHour - minute * 60_000;
  const second = Math.floor(inMinute / 1000);
  return [hour, minute, second, inMinute - second * 1000];
}

/** The counter names of each level of the duration items: hours, minutes, seconds, ms. */
export const TIME_COUNTER_PREFIXES = ['h', 'm', 's', 'ms'] as const;

const monthEnds = new Map<string, number>();

/** The instant a reporting-zone month `YYYY-MM` ends (00:00 of the next month's first day). */
export function monthEndInstant(month: string, timeZone: string): number {
  const key = `${timeZone}\u0000${month}`;
  let found = monthEnds.get(key);
  if (found === undefined) {
    const year = Number(month.slice(0, 4));
    const next = Number(month.slice(5, 7)) + 1;
    found = instantOfWallClock(
      {
        year: next === 13 ? year + 1 : year,
        month: next === 13 ? 1 : next,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
      },
      timeZone,
    ).getTime();
    monthEnds.set(key, found);
  }
  return found;
}

/** The month before `YYYY-MM`. */
export function previousMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const before = Number(month.slice(5, 7)) - 1;
  return before === 0 ? `${year - 1}-12` : `${month.slice(0, 5)}${String(before).padStart(2, '0')}`;
}

/**
 * The reporting-zone month `YYYY-MM` of an instant (as monthInTimeZone), from cached month
 * boundaries: the UTC month, moved by one when the zone's offset crosses a boundary.
 */
export function monthOfInstant(instant: string, timeZone: string): string {
  const at = Date.parse(instant);
  const month = new Date(at).toISOString().slice(0, 7);
  if (at >= monthEndInstant(month, timeZone)) return nextMonth(month);
  if (at < monthEndInstant(previousMonth(month), timeZone)) return previousMonth(month);
  return month;
}

/** The month after `YYYY-MM`. */
export function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const next = Number(month.slice(5, 7)) + 1;
  return next === 13 ? `${year + 1}-01` : `${month.slice(0, 5)}${String(next).padStart(2, '0')}`;
}

const itemId = (key: UnshardedKey) => `${key.pk}\u0000${key.sk}`;

/** Sums of counters per item, for adding contributions up (in memory, or a batch's). */
export type CounterItems = Map<string, { pk: string; sk: string; counts: Record<string, number> }>;

/** Adds `sign` × each increment to the items. */
export function addIncrements(
  items: CounterItems,
  increments: readonly CounterIncrement[],
  sign = 1,
): CounterItems {
  for (const increment of increments) {
    const id = itemId(increment);
    let item = items.get(id);
    if (!item) {
      item = { pk: increment.pk, sk: increment.sk, counts: {} };
      items.set(id, item);
    }
    for (const name in increment.counts) {
      item.counts[name] = (item.counts[name] ?? 0) + sign * (increment.counts[name] ?? 0);
    }
  }
  return items;
}

/** The items' non-zero counters, items with none left out, in key order. */
export function nonZero(items: CounterItems): CounterIncrement[] {
  const result: { id: string; increment: CounterIncrement }[] = [];
  for (const [id, item] of items) {
    let counts: Record<string, number> | undefined;
    for (const name in item.counts) {
      const value = item.counts[name] ?? 0;
      if (value === 0) continue;
      counts ??= {};
      counts[name] = value;
    }
    if (counts) result.push({ id, increment: { pk: item.pk, sk: item.sk, counts } });
  }
  return result
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ increment }) => increment);
}

/**
 * What a complaint's state adds to the counters (see the module comment), in key order. A
 * state without createdAt and first resolution adds nothing.
 */
export function complaintContribution(state: ComplaintState, timeZone: string): CounterIncrement[] {
  const items: CounterItems = new Map();
  const add = (key: ComplaintCounterKey, counts: Record<string, number>) =>
    addIncrements(items, [{ ...complaintAggregateKeys.keyOf(key), counts }]);
  const { kind, region, service } = state;
  const createdMonth = state.createdAt ? monthOfInstant(state.createdAt, timeZone) : undefined;
  const firstResolvedMonth = state.firstResolvedAt
    ? monthOfInstant(state.firstResolvedAt, timeZone)
    : undefined;

  if (createdMonth) {
    add(
      { item: 'received', kind, month: createdMonth, region, service },
      { received: 1, [`cat_${state.category}`]: 1, [`via_${state.via}`]: 1 },
    );
  }
  if (state.firstResolvedAt && firstResolvedMonth) {
    const month = firstResolvedMonth;
    add(
      { item: 'resolved', kind, month, region, service },
      {
        resolved: 1,
        ...(state.reopenedAt !== undefined ? { reopened: 1 } : {}),
        ...(state.createdAt === undefined ? { untimed: 1 } : {}),
      },
    );
    if (state.createdAt !== undefined) {
      const parts = durationParts(Date.parse(state.firstResolvedAt) - Date.parse(state.createdAt));
      TIME_COUNTER_PREFIXES.forEach((prefix, level) => {
        const path = parts.slice(0, level);
        add(
          { item: 'time', kind, month, region, service, path },
          { [`${prefix}${parts[level]}`]: 1 },
        );
      });
    }
  }
  if (state.createdAt !== undefined && createdMonth) {
    const created = Date.parse(state.createdAt);
    const lastEvent = Date.parse(state.lastEventAt);
    const months = { createdMonth, firstResolvedMonth };
    // Month ends up to the last event: the state there is rebuilt from the lifecycle times.
    for (let month = createdMonth; ; month = nextMonth(month)) {
      const end = monthEndInstant(month, timeZone);
      if (end > lastEvent) break;
      if (!isOpenAt(state, new Date(end))) continue;
      add(
        { item: 'open', kind, month, region, service, ...months },
        { [`a${Math.ceil((end - created) / DAY_MS)}`]: 1 },
      );
    }
    // After the last event the folded status holds at every month end.
    if (state.status === 'open') {
      const day = new Date(created).toISOString().slice(0, 10);
      const quarter = Math.floor((created - Date.parse(`${day}T00:00:00Z`)) / QUARTER_HOUR_MS);
      add(
        {
          item: 'tail',
          kind,
          fromMonth: monthOfInstant(state.lastEventAt, timeZone),
          region,
          service,
          ...months,
          createdDay: day,
        },
        { [`q${quarter}`]: 1 },
      );
    }
  }
  return nonZero(items);
}

/**
 * What a complaint's change does to the counters: the new state's contribution minus the
 * old one's (either may be absent), merged per item, zeros dropped, in key order.
 */
export function complaintChange(
  old: ComplaintState | undefined,
  next: ComplaintState | undefined,
  timeZone: string,
): CounterIncrement[] {
  const items: CounterItems = new Map();
  if (next) addIncrements(items, complaintContribution(next, timeZone));
  if (old) addIncrements(items, complaintContribution(old, timeZone), -1);
  return nonZero(items);
}

/** The counters of a set of states: the sum of their contributions. */
export function countersOfStates(states: Iterable<ComplaintState>, timeZone: string): CounterItems {
  const items: CounterItems = new Map();
  for (const state of states) addIncrements(items, complaintContribution(state, timeZone));
  return items;
}
