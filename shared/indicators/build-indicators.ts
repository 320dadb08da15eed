/**
 * Turns a profile, a period and its inputs into the `indicators` and `rankings` of report.json
 * (docs/design.md §7): computes every cell of the profile's indicators, suppresses small cells, judges
 * targets, compares with the previous period and ranks regions. Pure and deterministic: the
 * same inputs give the same array in the same order.
 *
 * Suppression applies to the indicators whose statistic describes a few people's answers or
 * experiences: every share (%), NPS and quantile. Counts and per-subscriber rates of complaints
 * and faults are operational volumes that regulators publish in full, so they are never
 * suppressed. A cell with 0 < n < minCell is suppressed (primary); a cell with n = 0 has nothing
 * to hide and is published as null with a note. Then, in each family of sibling cells (one
 * indicator, one dimension varying, the others fixed) whose total (that dimension '*') is
 * published, if exactly one sibling is suppressed the published sibling with the smallest n > 0
 * (ties: the lower dimension value) is suppressed too, so the hidden cell cannot be recovered as
 * the total minus the rest.
 */
import { CATEGORIES } from '../domain/complaint-event.ts';
import {
  ALL,
  type Dimensions,
  type IndicatorCell,
  type IndicatorDefinition,
  type IndicatorInputs,
  resolveIndicator,
  SLICE_KEYS,
  type Unit,
} from './catalogue.ts';
import { InvalidPeriodError, type Period, parsePeriod, previousPeriod } from './periods.ts';
import type { Profile, ProfileIndicator, Target } from './profiles.ts';
import { DECIMALS, roundHalfAwayFromZero, twoProportionZTest } from './statistics.ts';

/** One indicator × dimensions entry of report.json. */
export interface IndicatorResult {
  id: string;
  dimensions: Dimensions;
  /** Rounded for publication; null when suppressed or not computable. */
  value: number | null;
  n: number;
  /** Shares only: Wilson 95% bounds in %, null when suppressed or n = 0. */
  ci95?: [number, number] | null;
  /** NPS only: 95% margin in points, null when suppressed or n = 0. */
  margin95?: number | null;
  unit: Unit;
  target?: Target;
  /** Judged on the exact value; null without a target or a value. */
  compliant: boolean | null;
  suppressed: boolean;
  /** With compareWithPrevious: the previous period's published value of the same cell. */
  previous?: number | null;
  /** Shares and per-subscriber rates with compareWithPrevious: two-proportion z-test at 95%. */
  changeSignificant?: boolean;
  note?: string;
}

export interface RankingEntry {
  /** Competition rank (1, 2, 2, 4): equal published values share a rank. */
  rank: number;
  region: string;
  value: number;
  n: number;
}

/** Regions ranked on an indicator, best first, against the average of the regions. */
export interface Ranking {
  indicator: string;
  by: 'region';
  /** The dimensions held fixed (region '*' stands for "each region"). */
  dimensions: Dimensions;
  unit: Unit;
  /** Ascending where lower is better (complaint rates), descending where higher is. */
  order: 'ascending' | 'descending';
  /** Unweighted mean of the ranked regions' published values, rounded like them. */
  average: number | null;
  /** The whole operator's published value, which weighs regions by size. */
  overall: number | null;
  entries: RankingEntry[];
}

export interface BuildIndicatorsRequest {
  profile: Profile;
  /** A period id (`2026-Q3`) or a parsed period. */
  period: string | Period;
  /** The reporting time zone; must match a parsed period's. Default: the period's, or Asia/Shanghai. */
  timezone?: string;
  inputs: IndicatorInputs;
  /** The previous period's inputs, for indicators with compareWithPrevious. */
  previous?: IndicatorInputs;
}

export interface BuiltIndicators {
  period: Period;
  indicators: IndicatorResult[];
  rankings: Ranking[];
}

type Suppression = 'primary' | 'complementary' | undefined;

const DIMENSION_KEYS = [...SLICE_KEYS, 'category'] as const;
type DimensionKey = (typeof DIMENSION_KEYS)[number];

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const keyOf = (dimensions: Dimensions) =>
  DIMENSION_KEYS.map((key) => dimensions[key] ?? '').join('\u0000');

const CATEGORY_ORDER: readonly string[] = CATEGORIES;

function categoryRank(category: string | undefined): number {
  if (category === undefined || category === ALL) return -1;
  const index = CATEGORY_ORDER.indexOf(category);
  return index === -1 ? CATEGORY_ORDER.length : index;
}

/**
 * Report order: the whole operator first, then the cells of each slice key in SLICE_KEYS order
 * (regions, services, touchpoints, channels), values in code-point order, categories in the
 * catalogue's order (MIIT's groups first).
 */
function compareDimensions(a: Dimensions, b: Dimensions): number {
  const varying = (d: Dimensions) => SLICE_KEYS.findIndex((key) => (d[key] ?? ALL) !== ALL);
  return (
    varying(a) - varying(b) ||
    SLICE_KEYS.reduce((order, key) => order || byCodePoint(a[key] ?? '', b[key] ?? ''), 0) ||
    categoryRank(a.category) - categoryRank(b.category) ||
    byCodePoint(a.category ?? '', b.category ?? '')
  );
}

/** Primary and complementary suppression of a list of cells (see the module comment). */
export function suppressCells(cells: readonly IndicatorCell[], minCell: number): Suppression[] {
  const status: Suppression[] = cells.map((cell) =>
    cell.n > 0 && cell.n < minCell ? 'primary' : undefined,
  );
  const indexByKey = new Map(cells.map((cell, index) => [keyOf(cell.dimensions), index]));
  const families = new Map<string, { total: number; members: number[]; key: DimensionKey }>();
  cells.forEach((cell, index) => {
    for (const key of DIMENSION_KEYS) {
      const value = cell.dimensions[key];
      if (value === undefined || value === ALL) continue;
      const totalKey = keyOf({ ...cell.dimensions, [key]: ALL });
      const total = indexByKey.get(totalKey);
      if (total === undefined) continue;
      const familyKey = `${key}\u0001${totalKey}`;
      const family = families.get(familyKey) ?? { total, members: [], key };
      family.members.push(index);
      families.set(familyKey, family);
    }
  });
  // Each pass can only add suppressions, so this settles; one pass suffices for one-way marginals.
  for (let changed = true; changed; ) {
    changed = false;
    for (const { total, members, key } of families.values()) {
      if (status[total] !== undefined) continue;
      if (members.filter((index) => status[index] !== undefined).length !== 1) continue;
      const candidates = members
        .filter((index) => status[index] === undefined && (cells[index]?.n ?? 0) > 0)
        .sort((a, b) => {
          const cellA = cells[a];
          const cellB = cells[b];
          if (!cellA || !cellB) return 0;
          return (
            cellA.n - cellB.n ||
            byCodePoint(cellA.dimensions[key] ?? '', cellB.dimensions[key] ?? '')
          );
        });
      const chosen = candidates[0];
      if (chosen !== undefined) {
        status[chosen] = 'complementary';
        changed = true;
      }
    }
  }
  return status;
}

/** Whether an exact value meets a target. */
export function meetsTarget(value: number, target: Target): boolean {
  switch (target.op) {
    case '>=':
      return value >= target.value;
    case '<=':
      return value <= target.value;
    case '=':
      return value === target.value;
  }
}

interface ComputedCell {
  cell: IndicatorCell;
  suppression: Suppression;
}

/** The cells of one indicator for one period, in report order, with their suppression. */
function computeCells(
  definition: IndicatorDefinition,
  inputs: IndicatorInputs,
  period: Period,
  minCell: number,
): ComputedCell[] {
  const cells = definition
    .compute(inputs, period)
    .sort((a, b) => compareDimensions(a.dimensions, b.dimensions));
  const suppression = definition.suppressible
    ? suppressCells(cells, minCell)
    : cells.map(() => undefined);
  return cells.map((cell, index) => ({ cell, suppression: suppression[index] }));
}

const published = ({ cell, suppression }: ComputedCell) =>
  suppression === undefined && cell.value !== null;

function resultOf(
  definition: IndicatorDefinition,
  entry: ProfileIndicator,
  { cell, suppression }: ComputedCell,
  minCell: number,
  comparison: { previous: Map<string, ComputedCell> } | { note: string } | undefined,
): IndicatorResult {
  const suppressed = suppression !== undefined;
  const round = (value: number, decimals = definition.decimals) =>
    roundHalfAwayFromZero(value, decimals);
  const value = suppressed || cell.value === null ? null : round(cell.value);
  const notes: string[] = [];
  if (suppression === 'primary') notes.push(`suppressed: fewer than ${minCell} observations`);
  else if (suppression === 'complementary') {
    notes.push('suppressed so that a small cell cannot be derived from the total');
  } else if (cell.note) notes.push(cell.note);

  let previous: number | null | undefined;
  let changeSignificant: boolean | undefined;
  if (comparison && 'note' in comparison) {
    previous = null;
    notes.push(comparison.note);
  } else if (comparison) {
    const before = comparison.previous.get(keyOf(cell.dimensions));
    previous =
      before && published(before) && before.cell.value !== null ? round(before.cell.value) : null;
    const testable = definition.statistic === 'proportion' || definition.statistic === 'rate';
    if (testable && !suppressed && value !== null && before && published(before)) {
      const test = twoProportionZTest(
        cell.x ?? 0,
        cell.base ?? 0,
        before.cell.x ?? 0,
        before.cell.base ?? 0,
      );
      if (test) changeSignificant = test.significant;
    }
  }

  return {
    id: definition.id,
    dimensions: cell.dimensions,
    value,
    n: cell.n,
    ...(definition.statistic === 'proportion'
      ? {
          ci95:
            suppressed || !cell.ci95
              ? null
              : [round(cell.ci95[0], DECIMALS.percent), round(cell.ci95[1], DECIMALS.percent)],
        }
      : {}),
    ...(definition.statistic === 'nps'
      ? {
          margin95:
            suppressed || cell.margin95 === undefined || cell.margin95 === null
              ? null
              : round(cell.margin95, DECIMALS.points),
        }
      : {}),
    unit: definition.unit,
    ...(entry.target ? { target: entry.target } : {}),
    compliant:
      entry.target && !suppressed && cell.value !== null
        ? meetsTarget(cell.value, entry.target)
        : null,
    suppressed,
    ...(previous !== undefined ? { previous } : {}),
    ...(changeSignificant !== undefined ? { changeSignificant } : {}),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/** Regions ranked on one indicator, one ranking per combination of the other dimensions. */
function rankingsOf(definition: IndicatorDefinition, results: IndicatorResult[]): Ranking[] {
  const order = definition.better === 'higher' ? 'descending' : 'ascending';
  const isOtherwiseTotal = (result: IndicatorResult) =>
    SLICE_KEYS.every((key) => key === 'region' || (result.dimensions[key] ?? ALL) === ALL);
  const groups = new Map<string, { dimensions: Dimensions; regions: IndicatorResult[] }>();
  for (const result of results.filter(isOtherwiseTotal)) {
    const dimensions = { ...result.dimensions, region: ALL };
    const key = keyOf(dimensions);
    const group = groups.get(key) ?? { dimensions, regions: [] };
    if (result.dimensions.region !== ALL) group.regions.push(result);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ dimensions, regions }) => {
    const ranked = regions
      .flatMap((result) =>
        result.value === null || result.suppressed
          ? []
          : [{ region: result.dimensions.region, value: result.value, n: result.n }],
      )
      .sort(
        (a, b) =>
          (order === 'ascending' ? a.value - b.value : b.value - a.value) ||
          byCodePoint(a.region, b.region),
      );
    const entries = ranked.map((entry, index) => {
      const first = ranked.findIndex((other) => other.value === entry.value);
      return { rank: (first === -1 ? index : first) + 1, ...entry };
    });
    const sum = entries.reduce((total, entry) => total + entry.value, 0);
    const overall = results.find((result) => keyOf(result.dimensions) === keyOf(dimensions));
    return {
      indicator: definition.id,
      by: 'region',
      dimensions,
      unit: definition.unit,
      order,
      average:
        entries.length > 0
          ? roundHalfAwayFromZero(sum / entries.length, definition.decimals)
          : null,
      overall: overall?.value ?? null,
      entries,
    };
  });
}

function resolvePeriod(request: BuildIndicatorsRequest): Period {
  const { period, timezone } = request;
  if (typeof period === 'string') return parsePeriod(period, timezone);
  if (timezone !== undefined && timezone !== period.timezone) {
    throw new InvalidPeriodError(
      `period ${period.id} is in ${period.timezone}, but the reporting time zone is ${timezone}`,
    );
  }
  return period;
}

/**
 * Computes the profile's indicators for a period: every cell in profile order, then dimension
 * order; suppression, targets, change versus the previous period; and the region rankings the
 * profile asks for.
 */
export function buildIndicators(request: BuildIndicatorsRequest): BuiltIndicators {
  const { profile, inputs } = request;
  const period = resolvePeriod(request);
  if (period.kind !== profile.period) {
    throw new InvalidPeriodError(
      `profile ${profile.id} reports by ${profile.period}, but ${period.id} is a ${period.kind}`,
    );
  }
  const before = previousPeriod(period);
  const indicators: IndicatorResult[] = [];
  const rankings: Ranking[] = [];
  for (const entry of profile.indicators) {
    const definition = resolveIndicator(entry.id);
    // A validated profile names only catalogue ids; a hand-built one may not.
    if (!definition) throw new Error(`unknown indicator ${entry.id} in profile ${profile.id}`);
    let comparison: Parameters<typeof resultOf>[4];
    if (entry.compareWithPrevious) {
      comparison = request.previous
        ? {
            previous: new Map(
              computeCells(definition, request.previous, before, profile.minCell).map(
                (computed) => [keyOf(computed.cell.dimensions), computed],
              ),
            ),
          }
        : { note: `no data for the previous period ${before.id}` };
    }
    const results = computeCells(definition, inputs, period, profile.minCell).map((computed) =>
      resultOf(definition, entry, computed, profile.minCell, comparison),
    );
    indicators.push(...results);
    if (entry.rankBy === 'region') rankings.push(...rankingsOf(definition, results));
  }
  return { period, indicators, rankings };
}
