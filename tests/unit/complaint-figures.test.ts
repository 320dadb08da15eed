import { describe, expect, it } from 'vitest';
import { countersOfStates } from '#shared/domain/complaint-aggregates.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import { type ComplaintState, foldComplaintEvents } from '#shared/domain/complaint-lifecycle.ts';
import {
  type ComplaintFiguresRequest,
  complaintFiguresOfItems,
  complaintFiguresRequest,
  inMemoryCounterReader,
  loadComplaintFigures,
  openBeyond,
  quantileKey,
} from '#shared/indicators/complaint-figures.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';

const ZONE = 'Asia/Shanghai';
const HOUR = 3_600_000;
let sequence = 0;

/** A complaint's state from its lifecycle steps (BJ mobile data unless told). */
function stateOf(
  steps: [ComplaintEvent['type'], number][],
  extra: Partial<ComplaintEvent> = {},
): ComplaintState {
  sequence += 1;
  return foldComplaintEvents(
    steps.map(([type, at], index) => ({
      eventId: `e${sequence}-${index}`,
      complaintId: `c${sequence}`,
      type,
      occurredAt: new Date(at).toISOString(),
      kind: 'complaint',
      category: 'billing',
      region: 'BJ',
      service: 'mobile_data',
      via: 'direct',
      ...extra,
    })),
  );
}

const OCTOBER = parsePeriod('2026-10', ZONE);
const requestFor = (
  quantiles: number[],
  withinHours: number[] = [],
  period = OCTOBER,
): ComplaintFiguresRequest =>
  complaintFiguresRequest(period, {
    quantiles: quantiles.map((q) => ({ kind: 'complaint', q })),
    withinHours: withinHours.map((hours) => ({ kind: 'complaint', hours })),
  });

/** Durations spread over many hours, with ties and millisecond differences, in two regions. */
function resolvedInOctober(count: number): ComplaintState[] {
  const start = OCTOBER.startInstant.getTime();
  return Array.from({ length: count }, (_, index) => {
    const created = start + index * 997_003;
    const duration = ((index * 7919) % 500) * 60_013 + (index % 3) * HOUR * 24;
    return stateOf(
      [
        ['created', created],
        ['resolved', created + duration],
      ],
      { region: index % 2 === 0 ? 'BJ' : 'GD-SZ' },
    );
  });
}

const hoursOf = (states: ComplaintState[]) =>
  states.flatMap((state) =>
    state.createdAt && state.firstResolvedAt
      ? [(Date.parse(state.firstResolvedAt) - Date.parse(state.createdAt)) / HOUR]
      : [],
  );

describe('complaint figures from counters', () => {
  it('finds each nearest-rank quantile exactly, reading only the buckets its rank falls in', () => {
    const states = resolvedInOctober(400).filter(
      (state) => state.firstResolvedAt && state.firstResolvedAt < OCTOBER.endInstant.toISOString(),
    );
    const { current } = complaintFiguresOfItems(
      countersOfStates(states, ZONE),
      requestFor([0.5, 0.9]),
    );

    const { quantiles } = current.kinds.complaint;
    for (const q of [0.5, 0.9]) {
      expect(quantiles.get(quantileKey('*', '*', q))).toBe(nearestRank(hoursOf(states), q));
      for (const region of ['BJ', 'GD-SZ']) {
        const inRegion = states.filter((state) => state.region === region);
        expect(quantiles.get(quantileKey(region, '*', q))).toBe(nearestRank(hoursOf(inRegion), q));
      }
    }
  });

  it('reads refinement items by key, a handful per cell, however many complaints', async () => {
    const reads = async (count: number) => {
      const items = countersOfStates(resolvedInOctober(count), ZONE);
      const reader = inMemoryCounterReader(items);
      await loadComplaintFigures(reader, requestFor([0.5, 0.9]));
      return reader.counts;
    };

    const small = await reads(200);
    const large = await reads(2000);

    expect(small.batches).toBe(4);
    // Cells (all, 2 regions, 1 service) × 2 quantiles × 3 levels × 2 groups at most.
    expect(large.keys).toBeLessThanOrEqual(4 * 2 * 3 * 2);
    expect(large.ranges).toBe(small.ranges);
  });

  it('counts durations of exactly the limit as within it, and a millisecond more as not', () => {
    const start = OCTOBER.startInstant.getTime() + HOUR;
    const states = [
      stateOf([
        ['created', start],
        ['resolved', start + 24 * HOUR],
      ]),
      stateOf([
        ['created', start],
        ['resolved', start + 24 * HOUR + 1],
      ]),
      stateOf([
        ['created', start],
        ['resolved', start + 23 * HOUR],
      ]),
    ];

    const { current } = complaintFiguresOfItems(
      countersOfStates(states, ZONE),
      requestFor([], [24]),
    );

    const [group] = current.kinds.complaint.groups;
    expect(group?.exactHours.get(24)).toBe(1);
    expect(group?.hours.get(24)).toBe(2);
    expect(group?.hours.get(23)).toBe(1);
  });

  it('counts open complaints at each period end only when the report reads them', () => {
    const october = OCTOBER.startInstant.getTime();
    const states = [
      // Created in August, open for good: counted at both ends.
      stateOf([['created', october - 50 * 24 * HOUR]]),
      // Created 20 months before: outside the window, never counted.
      stateOf([['created', october - 600 * 24 * HOUR]]),
      // Created in September, resolved in October: open only at September's end.
      stateOf([
        ['created', october - 10 * 24 * HOUR],
        ['resolved', october + 5 * 24 * HOUR],
      ]),
    ];

    const { current, previous } = complaintFiguresOfItems(
      countersOfStates(states, ZONE),
      requestFor([]),
    );

    const [now] = current.kinds.complaint.groups;
    const [before] = previous.kinds.complaint.groups;
    const octoberEnd = OCTOBER.endInstant.getTime();
    const septemberEnd = october;
    expect(now && openBeyond(now, octoberEnd, 1)).toBe(1);
    expect(before && openBeyond(before, septemberEnd, 1)).toBe(2);
    expect(before && openBeyond(before, septemberEnd, 10)).toBe(1);
    expect(before && openBeyond(before, septemberEnd, 9)).toBe(2);
  });

  it('gives the same figures read asynchronously as synchronously', async () => {
    const items = countersOfStates(resolvedInOctober(300), ZONE);
    const request = requestFor([0.5, 0.8], [24, 48]);

    const loaded = await loadComplaintFigures(inMemoryCounterReader(items), request);

    expect(loaded).toEqual(complaintFiguresOfItems(items, request));
  });
});
