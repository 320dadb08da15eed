/**
 * The indicator catalogue of docs/regulatory-indicators.md §3: for each indicator id its unit, its formula as the
 * methodology prints it, the inputs it reads and the function that computes it, exactly and
 * unrounded, for the whole operator and for each region, service and (surveys) touchpoint and
 * channel. Pure: plain data in, plain data out.
 *
 * Semantics fixed here (the methodology repeats them):
 * - "In the period" is [period start, period end) in the reporting time zone: `createdAt`,
 *   `firstResolvedAt` for complaints; the aggregate or tally row's reporting-zone `day` for
 *   surveys (rows must be keyed by days of the same zone as the period).
 * - complaints.* read states of kind `complaint` only, faults.* of kind `fault` only.
 * - survey.detractor_followup_within_48h_pct: a follow-up case belongs to the period of its
 *   answer (`answeredAt` in [period start, period end) in the reporting zone); it was
 *   contacted within 48 h when its first `contacted` event's `occurredAt` − `answeredAt` ≤
 *   48 elapsed hours (a DST change moves the wall clock, not the 48 hours). A case never
 *   contacted by build time, or contacted later, is not within.
 * - Resolution (repair) time is `firstResolvedAt − createdAt`, in elapsed hours; "within D days"
 *   means ≤ D × 24 h. A complaint first resolved in the period is counted in that period, whatever
 *   the period it was created in. Resolved complaints without a `created` event have no time, so
 *   they are left out of the time-based sets (the cell's note says how many).
 * - complaints.reopened_pct: of the complaints first resolved in the period, those with a
 *   `reopenedAt` (a reopening after the first resolution, up to build time).
 * - complaints.open_beyond_{D}d: complaints created before the period end E, neither resolved
 *   nor closed at E, with E − createdAt > D × 24 h. The state at E is the folded status when the
 *   last event is before E; otherwise it is rebuilt from the lifecycle times (resolved before E
 *   and not reopened before E, or re-resolved after the first reopening and before E; closed when
 *   the last close is before E). That rebuild is exact unless a complaint is reopened twice or
 *   closed, reopened and closed again across E.
 * - Fault lines are subscribers of fixed_broadband + fixed_voice; faults.per_100_lines counts
 *   faults on those two services only, so numerator and denominator describe the same lines, and
 *   has no cell for the other services.
 * - Per-subscriber rates divide by the sum of the subscriber rows matching the cell. No row (or a
 *   sum of 0) gives value null with a note, never a guess.
 * - A cell exists for every region and service named by the indicator's input (the states of its
 *   kind, the survey rows in the period, plus the subscriber rows for complaint and fault
 *   indicators): counts and rates with nothing counted are 0, shares and quantiles are null with
 *   the note "no observations in the period".
 */
import { CATEGORIES } from '../domain/complaint-event.ts';
import type { ComplaintKind } from '../tables/aggregates.ts';
import {
  type ComplaintFigures,
  type ComplaintFiguresRequest,
  type ComplaintGroupFigures,
  openBeyond,
  quantileKey,
} from './complaint-figures.ts';
import { contains, containsDay, type Period } from './periods.ts';
import { DECIMALS, npsMargin95, wilson95 } from './statistics.ts';

/** One day's survey counters for one group, shards already summed (response-aggregates.ts). */
export interface ResponseAggregateRow {
  /** `YYYY-MM-DD` in the reporting time zone. */
  day: string;
  region: string;
  service: string;
  touchpoint: string;
  channel: string;
  /** `responses`, `csat_1`…`csat_5`, `nps_0`…`nps_10`; a missing counter is 0. */
  counts: Readonly<Record<string, number>>;
}

/** Invitations created on a day (reporting zone) and sent, and how many got a response by build time. */
export interface InvitationTallyRow {
  day: string;
  region: string;
  service: string;
  touchpoint: string;
  channel: string;
  sent: number;
  answered: number;
}

/** Subscribers of a region and service, already resolved for the period (docs/design.md §3). */
export interface SubscriberCount {
  region: string;
  service: string;
  subscribers: number;
}

/** A follow-up case (docs/design.md §10) as survey.detractor_followup_within_48h_pct reads it. */
export interface FollowUpCaseRow {
  /** The case's id, or its pseudonym in an assessor extract. */
  caseId: string;
  region: string;
  service: string;
  touchpoint: string;
  /** How the customer answered. */
  channel: string;
  /** UTC ISO 8601. */
  answeredAt: string;
  /** Its first `contacted` event's `occurredAt`, UTC ISO 8601; absent when never contacted. */
  firstContactedAt?: string | undefined;
}

/** Everything an indicator may read for one period. */
export interface IndicatorInputs {
  responses: readonly ResponseAggregateRow[];
  invitations: readonly InvitationTallyRow[];
  /** Follow-up cases whose answer falls in the period or near it; absent reads as none. */
  cases?: readonly FollowUpCaseRow[] | undefined;
  /**
   * The period's complaint and fault figures, from the complaint counters: groups, their
   * counters, and the quantiles and limits the report reads (complaint-figures.ts);
   * absent reads as none.
   */
  complaints?: ComplaintFigures | undefined;
  /** Undefined when no subscriber record exists for the period. */
  subscribers?: readonly SubscriberCount[] | undefined;
}

export type Unit =
  | '%'
  | 'points'
  | 'count'
  | 'per million'
  | 'per 100k'
  | 'per 100 lines'
  | 'hours';

/** How the value is made, which decides its interval, suppression and change test. */
export type Statistic = 'proportion' | 'nps' | 'count' | 'rate' | 'quantile';

export type InputName =
  | 'responses'
  | 'invitations'
  | 'cases'
  | 'complaints'
  | 'faults'
  | 'subscribers';

/** The dimensions a cell is computed over; `'*'` means all values. */
export interface Dimensions {
  region: string;
  service: string;
  touchpoint?: string;
  channel?: string;
  /** complaints.category_share_pct only. */
  category?: string;
}

/** The keys whose marginals every indicator is computed over, in report order. */
export const SLICE_KEYS = ['region', 'service', 'touchpoint', 'channel'] as const;
export type SliceKey = (typeof SLICE_KEYS)[number];

/** A dimension value meaning "all values". */
export const ALL = '*';

/** Whether a cell is the whole operator's: every dimension "all values". */
export const isWholeOperator = (cell: { dimensions: object }) =>
  Object.values(cell.dimensions).every((value) => value === ALL);

/** One computed cell, exact and unrounded. */
export interface IndicatorCell {
  dimensions: Dimensions;
  value: number | null;
  /**
   * Observations behind the value: the denominator of a share, the answers of an NPS, the set
   * of a quantile, the items counted by a count or rate.
   */
  n: number;
  /** Numerator of a share or rate, for the change test. */
  x?: number;
  /** Denominator of a share (= n) or rate (subscribers or lines), for the change test. */
  base?: number;
  ci95?: [number, number] | null;
  margin95?: number | null;
  note?: string;
}

/** An indicator of the catalogue, ready to compute. */
export interface IndicatorDefinition {
  id: string;
  unit: Unit;
  statistic: Statistic;
  /** Decimal places of the published value. */
  decimals: number;
  inputs: readonly InputName[];
  /** The formula in English, for the methodology. */
  formula: string;
  /** Small-cell suppression applies (shares, NPS, quantiles: figures about a few people). */
  suppressible: boolean;
  /** Which way is better, for rankings; null when neither is (a category's share). */
  better: 'lower' | 'higher' | null;
  compute(inputs: IndicatorInputs, period: Period): IndicatorCell[];
  /** What the complaint figures must hold beyond counters: a quantile or an hour limit. */
  complaintReads?: { kind: ComplaintKind; quantile?: number; withinHours?: number };
}

export const NO_OBSERVATIONS = 'no observations in the period';
const HOUR_MS = 3_600_000;
/** Services whose subscribers are fault "lines" (ETSI EG 202 057-1 counts access lines). */
export const FIXED_LINE_SERVICES: readonly string[] = ['fixed_broadband', 'fixed_voice'];

const CSAT_ANSWERS = ['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5'];
const CSAT_SATISFIED = ['csat_4', 'csat_5'];
const NPS_ANSWERS = Array.from({ length: 11 }, (_, score) => `nps_${score}`);
const NPS_PROMOTERS = ['nps_9', 'nps_10'];
const NPS_DETRACTORS = NPS_ANSWERS.slice(0, 7);

const SURVEY_KEYS: readonly SliceKey[] = SLICE_KEYS;
/** Complaint and fault cells: by region and by service. */
export const COMPLAINT_KEYS: readonly SliceKey[] = ['region', 'service'];

interface Sliceable {
  region: string;
  service: string;
  touchpoint?: string;
  channel?: string;
}

type ExtraValues = Partial<Record<SliceKey, Iterable<string>>>;

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function totalOf(keys: readonly SliceKey[]): Dimensions {
  return {
    region: ALL,
    service: ALL,
    ...(keys.includes('touchpoint') ? { touchpoint: ALL } : {}),
    ...(keys.includes('channel') ? { channel: ALL } : {}),
  };
}

/**
 * The whole-operator slice and one slice per value of each key (one-way marginals), with the
 * items that fall in each. `extra` adds values that must have a cell though no item has them.
 */
export function slices<T extends Sliceable>(
  items: readonly T[],
  keys: readonly SliceKey[],
  extra: ExtraValues = {},
): { dimensions: Dimensions; items: T[] }[] {
  const total = totalOf(keys);
  const result = [{ dimensions: total, items: [...items] }];
  for (const key of keys) {
    const groups = new Map<string, T[]>();
    for (const value of extra[key] ?? []) groups.set(value, []);
    for (const item of items) {
      const value = item[key] ?? '';
      const group = groups.get(value);
      if (group) group.push(item);
      else groups.set(value, [item]);
    }
    for (const value of [...groups.keys()].sort(byCodePoint)) {
      result.push({ dimensions: { ...total, [key]: value }, items: groups.get(value) ?? [] });
    }
  }
  return result;
}

const sumOf = (values: Iterable<number>) => {
  let total = 0;
  for (const value of values) total += value;
  return total;
};

const countersOf = (rows: readonly ResponseAggregateRow[], names: readonly string[]) =>
  sumOf(rows.map((row) => sumOf(names.map((name) => row.counts[name] ?? 0))));

const withNote = (note: string | undefined) => (note ? { note } : {});

/** A share x/n in percent with its Wilson interval. */
export function shareCell(
  dimensions: Dimensions,
  x: number,
  n: number,
  note?: string,
): IndicatorCell {
  return {
    dimensions,
    value: n > 0 ? (100 * x) / n : null,
    n,
    x,
    base: n,
    ci95: wilson95(x, n),
    ...withNote(n > 0 ? note : NO_OBSERVATIONS),
  };
}

// --- surveys -------------------------------------------------------------------------------

function surveyRowsIn(inputs: IndicatorInputs, period: Period) {
  return inputs.responses.filter((row) => containsDay(period, row.day));
}

function csatCells(inputs: IndicatorInputs, period: Period): IndicatorCell[] {
  return slices(surveyRowsIn(inputs, period), SURVEY_KEYS).map(({ dimensions, items }) =>
    shareCell(dimensions, countersOf(items, CSAT_SATISFIED), countersOf(items, CSAT_ANSWERS)),
  );
}

function npsCells(inputs: IndicatorInputs, period: Period): IndicatorCell[] {
  return slices(surveyRowsIn(inputs, period), SURVEY_KEYS).map(({ dimensions, items }) => {
    const n = countersOf(items, NPS_ANSWERS);
    const promoters = countersOf(items, NPS_PROMOTERS);
    const detractors = countersOf(items, NPS_DETRACTORS);
    return {
      dimensions,
      value: n > 0 ? (100 * (promoters - detractors)) / n : null,
      n,
      margin95: npsMargin95(promoters, detractors, n),
      ...withNote(n > 0 ? undefined : NO_OBSERVATIONS),
    };
  });
}

function responseRateCells(inputs: IndicatorInputs, period: Period): IndicatorCell[] {
  const rows = inputs.invitations.filter((row) => containsDay(period, row.day));
  return slices(rows, SURVEY_KEYS).map(({ dimensions, items }) =>
    shareCell(
      dimensions,
      sumOf(items.map((row) => row.answered)),
      sumOf(items.map((row) => row.sent)),
    ),
  );
}

/** The follow-up clock: a case is contacted in time within this many elapsed hours. */
export const FOLLOW_UP_LIMIT_HOURS = 48;

/** Whether a case's first contact came within `limitHours` elapsed hours of the answer. */
export function contactedWithin(row: FollowUpCaseRow, limitHours: number): boolean {
  if (row.firstContactedAt === undefined) return false;
  return Date.parse(row.firstContactedAt) - Date.parse(row.answeredAt) <= limitHours * HOUR_MS;
}

function followUpCells(inputs: IndicatorInputs, period: Period): IndicatorCell[] {
  const cases = (inputs.cases ?? []).filter((row) => contains(period, row.answeredAt));
  return slices(cases, SURVEY_KEYS).map(({ dimensions, items }) =>
    shareCell(
      dimensions,
      items.filter((row) => contactedWithin(row, FOLLOW_UP_LIMIT_HOURS)).length,
      items.length,
    ),
  );
}

// --- complaints and faults -----------------------------------------------------------------

type Kind = ComplaintKind;

/** The figures of the period, refusing another period's (a wiring mistake, not data). */
function complaintFiguresOf(inputs: IndicatorInputs, period: Period, kind: Kind) {
  const figures = inputs.complaints;
  if (!figures) return { groups: [], quantiles: new Map<string, number>() };
  if (figures.period !== period.id) {
    throw new Error(`complaint figures of ${figures.period} given for period ${period.id}`);
  }
  return figures.kinds[kind];
}

/** The groups of a kind and the cells they are sliced into, subscriber regions included. */
function complaintSlices(
  inputs: IndicatorInputs,
  period: Period,
  kind: Kind,
  services?: readonly string[],
): { dimensions: Dimensions; items: ComplaintGroupFigures[] }[] {
  const groups = complaintFiguresOf(inputs, period, kind).groups.filter(
    (group) => !services || services.includes(group.service),
  );
  const rows = (inputs.subscribers ?? []).filter(
    (row) => !services || services.includes(row.service),
  );
  return slices(groups, COMPLAINT_KEYS, {
    region: rows.map((row) => row.region),
    service: rows.map((row) => row.service),
  });
}

const receivedOf = (groups: readonly ComplaintGroupFigures[], counter = 'received') =>
  sumOf(groups.map((group) => group.received[counter] ?? 0));
const resolvedOf = (groups: readonly ComplaintGroupFigures[], counter: string) =>
  sumOf(groups.map((group) => group.resolved[counter] ?? 0));

/** First resolutions in the period with a duration, and those without (no created event). */
function timedResolutions(groups: readonly ComplaintGroupFigures[]) {
  const untimed = resolvedOf(groups, 'untimed');
  return { timed: resolvedOf(groups, 'resolved') - untimed, untimed };
}

export const untimedNote = (untimed: number) =>
  untimed > 0
    ? `${untimed} first resolved in the period without a created event left out`
    : undefined;

function describeSlice(dimensions: Dimensions): string {
  if (dimensions.region !== ALL) return `region ${dimensions.region}`;
  if (dimensions.service !== ALL) return `service ${dimensions.service}`;
  return 'the whole operator';
}

/** Subscribers (or lines) behind a cell, or why there is no denominator. */
export function denominatorOf(
  rows: readonly SubscriberCount[] | undefined,
  dimensions: Dimensions,
  services?: readonly string[],
): { subscribers: number } | { note: string } {
  if (!rows || rows.length === 0) return { note: 'no subscriber counts for the period' };
  const matching = rows.filter(
    (row) =>
      (dimensions.region === ALL || row.region === dimensions.region) &&
      (dimensions.service === ALL || row.service === dimensions.service) &&
      (!services || services.includes(row.service)),
  );
  const what = services ? 'fixed-line subscriber count' : 'subscriber count';
  if (matching.length === 0) return { note: `no ${what} for ${describeSlice(dimensions)}` };
  const subscribers = sumOf(matching.map((row) => row.subscribers));
  if (!(subscribers > 0)) return { note: `${what} for ${describeSlice(dimensions)} is 0` };
  return { subscribers };
}

function rateCells(
  inputs: IndicatorInputs,
  period: Period,
  options: {
    kind: Kind;
    scale: number;
    /** The received counter counted: all received, or those with via = regulator. */
    counter?: string;
    services?: readonly string[];
  },
): IndicatorCell[] {
  return complaintSlices(inputs, period, options.kind, options.services).map(
    ({ dimensions, items }) => {
      const count = receivedOf(items, options.counter);
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
    },
  );
}

function receivedCells(inputs: IndicatorInputs, period: Period, kind: Kind): IndicatorCell[] {
  return complaintSlices(inputs, period, kind).map(({ dimensions, items }) => {
    const count = receivedOf(items);
    return { dimensions, value: count, n: count };
  });
}

function categoryShareCells(inputs: IndicatorInputs, period: Period): IndicatorCell[] {
  return complaintSlices(inputs, period, 'complaint').flatMap(({ dimensions, items }) => {
    const received = receivedOf(items);
    return CATEGORIES.map((category) =>
      shareCell({ ...dimensions, category }, receivedOf(items, `cat_${category}`), received),
    );
  });
}

/** Durations of at most `limitHours` whole hours: the hours below, and those of exactly L. */
function resolvedWithin(groups: readonly ComplaintGroupFigures[], limitHours: number): number {
  let within = 0;
  for (const group of groups) {
    for (const [hour, count] of group.hours) if (hour < limitHours) within += count;
    const exact = group.exactHours.get(limitHours);
    if (exact === undefined && (group.hours.get(limitHours) ?? 0) > 0) {
      throw new Error(`complaint figures read without the ${limitHours} h limit`);
    }
    within += exact ?? 0;
  }
  return within;
}

function withinCells(
  inputs: IndicatorInputs,
  period: Period,
  kind: Kind,
  limitHours: number,
): IndicatorCell[] {
  return complaintSlices(inputs, period, kind).map(({ dimensions, items }) => {
    const { timed, untimed } = timedResolutions(items);
    return shareCell(dimensions, resolvedWithin(items, limitHours), timed, untimedNote(untimed));
  });
}

function quantileCells(
  inputs: IndicatorInputs,
  period: Period,
  kind: Kind,
  q: number,
): IndicatorCell[] {
  const { quantiles } = complaintFiguresOf(inputs, period, kind);
  return complaintSlices(inputs, period, kind).map(({ dimensions, items }) => {
    const { timed, untimed } = timedResolutions(items);
    let value: number | null = null;
    if (timed > 0) {
      const found = quantiles.get(quantileKey(dimensions.region, dimensions.service, q));
      if (found === undefined) throw new Error(`complaint figures read without quantile ${q}`);
      value = found;
    }
    return {
      dimensions,
      value,
      n: timed,
      ...withNote(timed > 0 ? untimedNote(untimed) : NO_OBSERVATIONS),
    };
  });
}

function reopenedCells(inputs: IndicatorInputs, period: Period): IndicatorCell[] {
  return complaintSlices(inputs, period, 'complaint').map(({ dimensions, items }) =>
    shareCell(dimensions, resolvedOf(items, 'reopened'), resolvedOf(items, 'resolved')),
  );
}

function openBeyondCells(inputs: IndicatorInputs, period: Period, days: number): IndicatorCell[] {
  const end = period.endInstant.getTime();
  return complaintSlices(inputs, period, 'complaint').map(({ dimensions, items }) => {
    const count = sumOf(items.map((group) => openBeyond(group, end, days)));
    return { dimensions, value: count, n: count };
  });
}

// --- the catalogue -------------------------------------------------------------------------

type Shape = Pick<IndicatorDefinition, 'unit' | 'statistic' | 'decimals' | 'suppressible'>;

const SHARE: Shape = {
  unit: '%',
  statistic: 'proportion',
  decimals: DECIMALS.percent,
  suppressible: true,
};
const COUNT: Shape = { unit: 'count', statistic: 'count', decimals: 0, suppressible: false };
const HOURS: Shape = {
  unit: 'hours',
  statistic: 'quantile',
  decimals: DECIMALS.hours,
  suppressible: true,
};
const rate = (unit: Unit): Shape => ({
  unit,
  statistic: 'rate',
  decimals: DECIMALS.rate,
  suppressible: false,
});

const FIXED: readonly IndicatorDefinition[] = [
  {
    id: 'survey.csat_pct',
    ...SHARE,
    inputs: ['responses'],
    better: 'higher',
    formula:
      'responses answering CSAT 4 or 5 ÷ responses with a CSAT answer (1–5), submitted in the ' +
      'period × 100; Wilson 95% interval',
    compute: csatCells,
  },
  {
    id: 'survey.nps',
    unit: 'points',
    statistic: 'nps',
    decimals: DECIMALS.points,
    suppressible: true,
    inputs: ['responses'],
    better: 'higher',
    formula:
      '% of NPS answers 9–10 − % of NPS answers 0–6, submitted in the period; margin ' +
      '1.96·100·√((p + d − (p − d)²)/n)',
    compute: npsCells,
  },
  {
    id: 'survey.response_rate_pct',
    ...SHARE,
    inputs: ['invitations'],
    better: 'higher',
    formula:
      'invitations created in the period and sent that got a response by build time ÷ ' +
      'invitations created in the period and sent × 100; Wilson 95% interval',
    compute: responseRateCells,
  },
  {
    id: 'survey.detractor_followup_within_48h_pct',
    ...SHARE,
    inputs: ['cases'],
    better: 'higher',
    formula:
      'follow-up cases whose answer was submitted in the period with first contacted − ' +
      'answered ≤ 48 h (elapsed) by build time ÷ follow-up cases whose answer was submitted ' +
      'in the period × 100; Wilson 95% interval',
    compute: followUpCells,
  },
  {
    id: 'complaints.received',
    ...COUNT,
    inputs: ['complaints'],
    better: 'lower',
    formula: 'complaints (kind complaint) created in the period',
    compute: (inputs, period) => receivedCells(inputs, period, 'complaint'),
  },
  {
    id: 'complaints.per_million_subscribers',
    ...rate('per million'),
    inputs: ['complaints', 'subscribers'],
    better: 'lower',
    formula: 'complaints created in the period ÷ subscribers × 1,000,000',
    compute: (inputs, period) => rateCells(inputs, period, { kind: 'complaint', scale: 1e6 }),
  },
  {
    id: 'complaints.per_100k_subscribers',
    ...rate('per 100k'),
    inputs: ['complaints', 'subscribers'],
    better: 'lower',
    formula: 'complaints created in the period ÷ subscribers × 100,000',
    compute: (inputs, period) => rateCells(inputs, period, { kind: 'complaint', scale: 1e5 }),
  },
  {
    id: 'complaints.regulator_per_million_subscribers',
    ...rate('per million'),
    inputs: ['complaints', 'subscribers'],
    better: 'lower',
    formula: 'complaints created in the period with via = regulator ÷ subscribers × 1,000,000',
    compute: (inputs, period) =>
      rateCells(inputs, period, {
        kind: 'complaint',
        scale: 1e6,
        counter: 'via_regulator',
      }),
  },
  {
    id: 'complaints.category_share_pct',
    ...SHARE,
    inputs: ['complaints'],
    better: null,
    formula:
      'complaints created in the period in the category ÷ complaints created in the period × 100 ' +
      '(dimension category); Wilson 95% interval',
    compute: categoryShareCells,
  },
  {
    id: 'complaints.resolution_hours_p50',
    ...HOURS,
    inputs: ['complaints'],
    better: 'lower',
    formula:
      'nearest-rank 50th percentile (the ⌈0.5·n⌉-th smallest) of firstResolvedAt − createdAt ' +
      'in hours, over complaints first resolved in the period',
    compute: (inputs, period) => quantileCells(inputs, period, 'complaint', 0.5),
    complaintReads: { kind: 'complaint', quantile: 0.5 },
  },
  {
    id: 'complaints.resolution_hours_p90',
    ...HOURS,
    inputs: ['complaints'],
    better: 'lower',
    formula:
      'nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest) of firstResolvedAt − createdAt ' +
      'in hours, over complaints first resolved in the period',
    compute: (inputs, period) => quantileCells(inputs, period, 'complaint', 0.9),
    complaintReads: { kind: 'complaint', quantile: 0.9 },
  },
  {
    id: 'complaints.reopened_pct',
    ...SHARE,
    inputs: ['complaints'],
    better: 'lower',
    formula:
      'complaints first resolved in the period that were reopened afterwards (by build time) ÷ ' +
      'complaints first resolved in the period × 100; Wilson 95% interval',
    compute: reopenedCells,
  },
  {
    id: 'faults.reported',
    ...COUNT,
    inputs: ['faults'],
    better: 'lower',
    formula: 'faults (kind fault) created in the period',
    compute: (inputs, period) => receivedCells(inputs, period, 'fault'),
  },
  {
    id: 'faults.per_100_lines',
    ...rate('per 100 lines'),
    inputs: ['faults', 'subscribers'],
    better: 'lower',
    formula:
      'faults on fixed_broadband and fixed_voice created in the period ÷ subscribers of ' +
      'fixed_broadband + fixed_voice × 100',
    compute: (inputs, period) =>
      rateCells(inputs, period, { kind: 'fault', scale: 100, services: FIXED_LINE_SERVICES }),
  },
  {
    id: 'faults.repair_hours_p80',
    ...HOURS,
    inputs: ['faults'],
    better: 'lower',
    formula:
      'nearest-rank 80th percentile (the ⌈0.8·n⌉-th smallest) of firstResolvedAt − createdAt ' +
      'in hours, over faults first resolved in the period',
    compute: (inputs, period) => quantileCells(inputs, period, 'fault', 0.8),
    complaintReads: { kind: 'fault', quantile: 0.8 },
  },
  {
    id: 'faults.repair_hours_p95',
    ...HOURS,
    inputs: ['faults'],
    better: 'lower',
    formula:
      'nearest-rank 95th percentile (the ⌈0.95·n⌉-th smallest) of firstResolvedAt − createdAt ' +
      'in hours, over faults first resolved in the period',
    compute: (inputs, period) => quantileCells(inputs, period, 'fault', 0.95),
    complaintReads: { kind: 'fault', quantile: 0.95 },
  },
];

/** A family of indicators with a whole-number parameter in the id. */
export interface IndicatorTemplate {
  /** The id with its parameter as a placeholder, e.g. `complaints.resolved_within_{D}d_pct`. */
  template: string;
  pattern: RegExp;
  unit: Unit;
  inputs: readonly InputName[];
  formula: (parameter: string) => string;
  define: (parameter: number) => Omit<IndicatorDefinition, 'id' | 'formula' | 'inputs' | 'unit'>;
}

/** Parameters are whole numbers from 1 to 9999 without leading zeros. */
const PARAMETER = '([1-9][0-9]{0,3})';

export const INDICATOR_TEMPLATES: readonly IndicatorTemplate[] = [
  {
    template: 'complaints.resolved_within_{D}d_pct',
    pattern: new RegExp(`^complaints\\.resolved_within_${PARAMETER}d_pct$`),
    unit: '%',
    inputs: ['complaints'],
    formula: (days) =>
      `complaints first resolved in the period with firstResolvedAt − createdAt ≤ ${days} × 24 h ÷ ` +
      'complaints first resolved in the period × 100; Wilson 95% interval',
    define: (days) => ({
      ...SHARE,
      better: 'higher',
      compute: (inputs, period) => withinCells(inputs, period, 'complaint', days * 24),
      complaintReads: { kind: 'complaint', withinHours: days * 24 },
    }),
  },
  {
    template: 'complaints.open_beyond_{D}d',
    pattern: new RegExp(`^complaints\\.open_beyond_${PARAMETER}d$`),
    unit: 'count',
    inputs: ['complaints'],
    formula: (days) =>
      'complaints created before the period end, neither resolved nor closed at the period end, ' +
      `with period end − createdAt > ${days} × 24 h`,
    define: (days) => ({
      ...COUNT,
      better: 'lower',
      compute: (inputs, period) => openBeyondCells(inputs, period, days),
    }),
  },
  {
    template: 'faults.repaired_within_{H}h_pct',
    pattern: new RegExp(`^faults\\.repaired_within_${PARAMETER}h_pct$`),
    unit: '%',
    inputs: ['faults'],
    formula: (hours) =>
      `faults first resolved in the period with firstResolvedAt − createdAt ≤ ${hours} h ÷ ` +
      'faults first resolved in the period × 100; Wilson 95% interval',
    define: (hours) => ({
      ...SHARE,
      better: 'higher',
      compute: (inputs, period) => withinCells(inputs, period, 'fault', hours),
      complaintReads: { kind: 'fault', withinHours: hours },
    }),
  },
];

const fixedById = new Map(FIXED.map((definition) => [definition.id, definition]));

/** The ids without a parameter, in catalogue order. */
export const FIXED_INDICATOR_IDS: readonly string[] = FIXED.map((definition) => definition.id);

/** The definition of an indicator id (parameterised ids included), or undefined for an unknown id. */
export function resolveIndicator(id: string): IndicatorDefinition | undefined {
  const fixed = fixedById.get(id);
  if (fixed) return fixed;
  for (const template of INDICATOR_TEMPLATES) {
    const parameter = template.pattern.exec(id)?.[1];
    if (parameter === undefined) continue;
    return {
      id,
      unit: template.unit,
      inputs: template.inputs,
      formula: template.formula(parameter),
      ...template.define(Number(parameter)),
    };
  }
  return undefined;
}

/** The catalogue as the methodology prints it: id (or template), unit, inputs, formula. */
export function describeCatalogue(): {
  id: string;
  unit: Unit;
  inputs: readonly InputName[];
  formula: string;
}[] {
  return [
    ...FIXED.map(({ id, unit, inputs, formula }) => ({ id, unit, inputs, formula })),
    ...INDICATOR_TEMPLATES.map(({ template, unit, inputs, formula }) => ({
      id: template,
      unit,
      inputs,
      formula: formula(template.includes('{H}') ? '{H}' : '{D}'),
    })),
  ];
}

/** The quantiles and hour limits the complaint figures must hold for these indicator ids. */
export function complaintReadsOf(
  ids: readonly string[],
): Pick<ComplaintFiguresRequest, 'quantiles' | 'withinHours'> {
  const quantiles: ComplaintFiguresRequest['quantiles'][number][] = [];
  const withinHours: ComplaintFiguresRequest['withinHours'][number][] = [];
  for (const id of ids) {
    const reads = resolveIndicator(id)?.complaintReads;
    if (reads?.quantile !== undefined) quantiles.push({ kind: reads.kind, q: reads.quantile });
    if (reads?.withinHours !== undefined) {
      withinHours.push({ kind: reads.kind, hours: reads.withinHours });
    }
  }
  return { quantiles, withinHours };
}
