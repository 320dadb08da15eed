/**
 * The statistics of the regulatory indicators (docs/regulatory-indicators.md §2), exact and unrounded, plus the
 * one rounding rule that every published figure goes through. An assessor recomputing a
 * report from the extract must get the same digits, so nothing here is approximate beyond
 * IEEE doubles and the rule is printed in the methodology.
 */

/** The normal quantile for a two-sided 95% interval, as docs/regulatory-indicators.md §2 fixes it (not 1.959964…). */
export const Z95 = 1.96;

/** Decimal places of published figures, by the kind of figure. */
export const DECIMALS = {
  /** Percentages, NPS points and hours. */
  percent: 1,
  points: 1,
  hours: 1,
  /** Rates per million, per 100k subscribers and per 100 lines. */
  rate: 2,
  /** Plain counts are integers already. */
  count: 0,
} as const;

/** The rounding rule, worded for the methodology file and the report page. */
export const ROUNDING_RULE =
  'Figures are computed exactly and rounded once, at publication, half away from zero on ' +
  'their shortest decimal representation: 1 decimal for percentages, NPS points, Wilson ' +
  'bounds, NPS margins and hours; 2 decimals for rates per million, per 100,000 subscribers ' +
  'and per 100 lines; counts are integers. Targets are judged on the exact, unrounded value, ' +
  'and rankings on the published (rounded) values.';

/** Shifts the decimal point of a number's shortest representation by `places`, without binary drift. */
function shiftDecimal(value: number, places: number): number {
  const [mantissa, exponent = '0'] = String(value).split('e');
  return Number(`${mantissa}e${Number(exponent) + places}`);
}

/**
 * Rounds half away from zero to `decimals` places. Works on the shortest decimal form of the
 * double, so 1.005 rounds to 1.01 as a person reading "1.005" expects (Math.round would give
 * 1 because 1.005 is stored as 1.00499…).
 */
export function roundHalfAwayFromZero(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.round(shiftDecimal(Math.abs(value), decimals));
  const rounded = shiftDecimal(magnitude, -decimals);
  // -0 would print as 0 anyway; normalise so equality checks behave.
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

/**
 * Wilson score 95% interval of x successes in n trials, in percent (docs/regulatory-indicators.md §2):
 * (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Null when n is 0.
 */
export function wilson95(x: number, n: number): [number, number] | null {
  if (n <= 0) return null;
  const p = x / n;
  const z2 = Z95 * Z95;
  const centre = p + z2 / (2 * n);
  const spread = Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  // Clamp the last ulp so p̂ = 0 or 1 gives exactly 0 or 100.
  const low = Math.max(0, (centre - spread) / denominator);
  const high = Math.min(1, (centre + spread) / denominator);
  return [low * 100, high * 100];
}

/**
 * 95% margin of error of an NPS, in points: 1.96·100·√((p + d − (p − d)²)/n) with p and d the
 * shares of promoters and detractors (docs/regulatory-indicators.md §2). Null when n is 0.
 */
export function npsMargin95(promoters: number, detractors: number, n: number): number | null {
  if (n <= 0) return null;
  const p = promoters / n;
  const d = detractors / n;
  const variance = Math.max(0, p + d - (p - d) ** 2);
  return Z95 * 100 * Math.sqrt(variance / n);
}

/**
 * Nearest-rank quantile: the ⌈q·n⌉-th smallest value (at least the first), exact so an assessor
 * gets the same figure with no interpolation. Null for an empty list.
 */
export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRankPosition(sorted.length, q) - 1] ?? null;
}

/** The 1-based position of the nearest-rank quantile q in n sorted values (n ≥ 1). */
export function nearestRankPosition(n: number, q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  // q·n in binary can land a hair above an integer (0.9·10 = 9.000000000000002); round the
  // product to 9 decimals before the ceiling so the rank is the one the decimal formula gives.
  const rank = Math.max(1, Math.ceil(roundHalfAwayFromZero(q * n, 9)));
  return Math.min(rank, n);
}

/** Outcome of a two-proportion z-test at 95%. */
export interface ZTestResult {
  z: number;
  /** |z| > 1.96. */
  significant: boolean;
}

/**
 * Pooled two-proportion z-test of x1/n1 against x2/n2 at 95% (docs/regulatory-indicators.md §2). Null when either
 * denominator is 0, since there is nothing to compare; z is 0 when the pooled proportion is 0
 * or 1 (both periods identical at the extreme).
 */
export function twoProportionZTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): ZTestResult | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (x1 + x2) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(standardError > 0)) return { z: 0, significant: false };
  const z = (x1 / n1 - x2 / n2) / standardError;
  return { z, significant: Math.abs(z) > Z95 };
}
