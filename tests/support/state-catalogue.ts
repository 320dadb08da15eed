/**
 * The complaint and fault figures as the catalogue computed them from folded states before
 * the counters (issue 17): the oracle that the figures from counters must equal
 * (tests/unit/complaint-figures-equivalence.test.ts). Only how a cell's numbers come from
 * the states is kept here; slicing, share cells, denominators and notes are the catalogue's
 * own, which the counters did not change. Not product code.
 */
import { CATEGORIES } from '#shared/domain/complaint-event.ts';
import { type ComplaintState, isOpenAt } from '#shared/domain/complaint-lifecycle.ts';
import {
  COMPLAINT_KEYS,
  type Dimensions,
  denominatorOf,
  FIXED_LINE_SERVICES,
  type IndicatorCell,
  NO_OBSERVATIONS,
  type SubscriberCount,
  shareCell,
  slices,
  untimedNote,
} from '#shared/indicators/catalogue.ts';
import { contains, type Period } from '#shared/indicators/periods.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';

/** What the oracle reads: every folded state a report read, and the subscribers. */
export interface StateInputs {
  complaints: readonly ComplaintState[];
  subscribers: SubscriberCount[] | undefined;
}

type Kind = ComplaintState['kind'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The states of a kind and the cells they are sliced into, subscriber regions included. */
function complaintSlices(inputs: StateInputs, kind: Kind, services?: readonly string[]) {
  const states = inputs.complaints.filter(
    (state) => state.kind === kind && (!services || services.includes(state.service)),
  );
  const rows = (inputs.subscribers ?? []).filter(
    (row) => !services || services.includes(row.service),
  );
  return slices(states, COMPLAINT_KEYS, {
    region: rows.map((row) => row.region),
    service: rows.map((row) => row.service),
  });
}

const createdIn = (period: Period) => (state: ComplaintState) =>
  state.createdAt !== undefined && contains(period, state.createdAt);

const firstResolvedIn = (period: Period) => (state: ComplaintState) =>
  state.firstResolvedAt !== undefined && contains(period, state.firstResolvedAt);

/** Resolution times of the states first resolved in the period, and how many had no creation time. */
function resolutionHours(states: readonly ComplaintState[], period: Period) {
  const hours: number[] = [];
  let untimed = 0;
  for (const state of states.filter(firstResolvedIn(period))) {
    if (state.createdAt === undefined || state.firstResolvedAt === undefined) untimed += 1;
    else hours.push((Date.parse(state.firstResolvedAt) - Date.parse(state.createdAt)) / HOUR_MS);
  }
  return { hours, untimed };
}

function rateCells(
  inputs: StateInputs,
  period: Period,
  options: {
    kind: Kind;
    scale: number;
    counted?: (state: ComplaintState) => boolean;
    services?: readonly string[];
  },
): IndicatorCell[] {
  const inPeriod = createdIn(period);
  return complaintSlices(inputs, options.kind, options.services).map(({ dimensions, items }) => {
    const count = items.filter(
      (state) => inPeriod(state) && (options.counted?.(state) ?? true),
    ).length;
    const denominator = denominatorOf(inputs.subscribers, dimensions, options.services);
    if ('note' in denominator) {
      return { dimensions, value: null, n: count, x: count, note: denominator.note };
    }
    return {
      dimensions,
      value: (count / denominator.subscribers) * options.scale,
      n: count,
      x: count,
      base: denominator.subscribers,
    };
  });
}

function receivedCells(inputs: StateInputs, period: Period, kind: Kind): IndicatorCell[] {
  const inPeriod = createdIn(period);
  return complaintSlices(inputs, kind).map(({ dimensions, items }) => {
    const count = items.filter(inPeriod).length;
    return { dimensions, value: count, n: count };
  });
}

function categoryShareCells(inputs: StateInputs, period: Period): IndicatorCell[] {
  const inPeriod = createdIn(period);
  return complaintSlices(inputs, 'complaint').flatMap(({ dimensions, items }) => {
    const received = items.filter(inPeriod);
    return CATEGORIES.map((category) =>
      shareCell(
        { ...dimensions, category } as Dimensions,
        received.filter((state) => state.category === category).length,
        received.length,
      ),
    );
  });
}

function withinCells(inputs: StateInputs, period: Period, kind: Kind, limitHours: number) {
  return complaintSlices(inputs, kind).map(({ dimensions, items }) => {
    const { hours, untimed } = resolutionHours(items, period);
    const within = hours.filter((elapsed) => elapsed <= limitHours).length;
    return shareCell(dimensions, within, hours.length, untimedNote(untimed));
  });
}

function quantileCells(inputs: StateInputs, period: Period, kind: Kind, q: number) {
  return complaintSlices(inputs, kind).map(({ dimensions, items }): IndicatorCell => {
    const { hours, untimed } = resolutionHours(items, period);
    const note = hours.length > 0 ? untimedNote(untimed) : NO_OBSERVATIONS;
    return {
      dimensions,
      value: nearestRank(hours, q),
      n: hours.length,
      ...(note ? { note } : {}),
    };
  });
}

function reopenedCells(inputs: StateInputs, period: Period): IndicatorCell[] {
  const resolvedIn = firstResolvedIn(period);
  return complaintSlices(inputs, 'complaint').map(({ dimensions, items }) => {
    const resolved = items.filter(resolvedIn);
    const reopened = resolved.filter((state) => state.reopenedAt !== undefined).length;
    return shareCell(dimensions, reopened, resolved.length);
  });
}

function openBeyondCells(inputs: StateInputs, period: Period, days: number): IndicatorCell[] {
  const end = period.endInstant;
  return complaintSlices(inputs, 'complaint').map(({ dimensions, items }) => {
    const count = items.filter(
      (state) =>
        isOpenAt(state, end) &&
        state.createdAt !== undefined &&
        end.getTime() - Date.parse(state.createdAt) > days * DAY_MS,
    ).length;
    return { dimensions, value: count, n: count };
  });
}

type Compute = (inputs: StateInputs, period: Period) => IndicatorCell[];

const FIXED: Readonly<Record<string, Compute>> = {
  'complaints.received': (inputs, period) => receivedCells(inputs, period, 'complaint'),
  'complaints.per_million_subscribers': (inputs, period) =>
    rateCells(inputs, period, { kind: 'complaint', scale: 1e6 }),
  'complaints.per_100k_subscribers': (inputs, period) =>
    rateCells(inputs, period, { kind: 'complaint', scale: 1e5 }),
  'complaints.regulator_per_million_subscribers': (inputs, period) =>
    rateCells(inputs, period, {
      kind: 'complaint',
      scale: 1e6,
      counted: (state) => state.via === 'regulator',
    }),
  'complaints.category_share_pct': categoryShareCells,
  'complaints.resolution_hours_p50': (inputs, period) =>
    quantileCells(inputs, period, 'complaint', 0.5),
  'complaints.resolution_hours_p90': (inputs, period) =>
    quantileCells(inputs, period, 'complaint', 0.9),
  'complaints.reopened_pct': reopenedCells,
  'faults.reported': (inputs, period) => receivedCells(inputs, period, 'fault'),
  'faults.per_100_lines': (inputs, period) =>
    rateCells(inputs, period, { kind: 'fault', scale: 100, services: FIXED_LINE_SERVICES }),
  'faults.repair_hours_p80': (inputs, period) => quantileCells(inputs, period, 'fault', 0.8),
  'faults.repair_hours_p95': (inputs, period) => quantileCells(inputs, period, 'fault', 0.95),
};

/** The oracle's cells of a complaint or fault indicator id; undefined for any other id. */
export function stateCells(
  id: string,
  inputs: StateInputs,
  period: Period,
): IndicatorCell[] | undefined {
  const fixed = FIXED[id];
  if (fixed) return fixed(inputs, period);
  const [, days] = /^complaints\.resolved_within_([1-9]\d{0,3})d_pct$/.exec(id) ?? [];
  if (days) return withinCells(inputs, period, 'complaint', Number(days) * 24);
  const [, beyond] = /^complaints\.open_beyond_([1-9]\d{0,3})d$/.exec(id) ?? [];
  if (beyond) return openBeyondCells(inputs, period, Number(beyond));
  const [, hours] = /^faults\.repaired_within_([1-9]\d{0,3})h_pct$/.exec(id) ?? [];
  if (hours) return withinCells(inputs, period, 'fault', Number(hours));
  return undefined;
}
