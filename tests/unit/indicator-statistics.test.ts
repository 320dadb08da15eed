import { describe, expect, it } from 'vitest';
import {
  DECIMALS,
  nearestRank,
  npsMargin95,
  ROUNDING_RULE,
  roundHalfAwayFromZero,
  twoProportionZTest,
  wilson95,
  Z95,
} from '#shared/indicators/statistics.ts';

describe('wilson95', () => {
  it('gives the known interval for 8 of 10', () => {
    // p̂ = 0.8, z² = 3.8416; centre = 0.8 + 3.8416/20 = 0.99208;
    // spread = 1.96·√(0.8·0.2/10 + 3.8416/400) = 1.96·√0.025604 = 1.96·0.1600125 = 0.3136245;
    // denominator = 1 + 3.8416/10 = 1.38416.
    // low = 0.6784555/1.38416 = 0.4901568, high = 1.3057045/1.38416 = 0.9433191.
    const interval = wilson95(8, 10);

    expect(interval?.[0]).toBeCloseTo(49.01568, 4);
    expect(interval?.[1]).toBeCloseTo(94.33191, 4);
    expect(interval?.map((bound) => roundHalfAwayFromZero(bound, 1))).toEqual([49, 94.3]);
  });

  it('reaches exactly 0 and 100 at the extremes, with the other bound away from them', () => {
    // x = 0: centre = spread = 0.19208, so low = 0; high = 0.38416/1.38416 = 0.2775402.
    expect(wilson95(0, 10)).toEqual([0, expect.closeTo(27.75402, 4)]);
    // x = n: centre = 1.19208, spread = 0.19208; low = 1/1.38416 = 0.7224598; high = 1.
    expect(wilson95(10, 10)).toEqual([expect.closeTo(72.24598, 4), 100]);
  });

  it('gives the interval of 3 of 4', () => {
    // centre = 0.75 + 3.8416/8 = 1.2302; spread = 1.96·√(0.1875/4 + 3.8416/64)
    //   = 1.96·√(0.046875 + 0.060025) = 1.96·0.3269557 = 0.6408331; denominator = 1.9604.
    // low = 0.5893669/1.9604 = 0.3006361, high = 1.8710331/1.9604 = 0.9544139.
    expect(wilson95(3, 4)).toEqual([expect.closeTo(30.06361, 4), expect.closeTo(95.44139, 4)]);
  });

  it('is null for n = 0', () => {
    expect(wilson95(0, 0)).toBeNull();
  });
});

describe('npsMargin95', () => {
  it('follows 1.96·100·√((p + d − (p − d)²)/n)', () => {
    // p = 0.6, d = 0.2: 0.8 − 0.4² = 0.64; √(0.64/10) = 0.2529822; ×196 = 49.58451.
    expect(npsMargin95(6, 2, 10)).toBeCloseTo(49.58451, 4);
    // p = 0.5, d = 0.2: 0.7 − 0.09 = 0.61; √(0.61/100) = 0.0781025; ×196 = 15.30809.
    expect(npsMargin95(50, 20, 100)).toBeCloseTo(15.30809, 4);
  });

  it('is 0 when every answer is a promoter and null for n = 0', () => {
    // p = 1, d = 0: 1 − 1 = 0.
    expect(npsMargin95(10, 0, 10)).toBe(0);
    expect(npsMargin95(0, 0, 0)).toBeNull();
  });
});

describe('nearestRank', () => {
  it('takes the ⌈q·n⌉-th smallest of unsorted values', () => {
    const values = [30, 10, 50, 20, 40]; // sorted: 10 20 30 40 50

    expect(nearestRank(values, 0.5)).toBe(30); // ⌈2.5⌉ = 3rd
    expect(nearestRank(values, 0.8)).toBe(40); // ⌈4⌉ = 4th
    expect(nearestRank(values, 0.95)).toBe(50); // ⌈4.75⌉ = 5th
    expect(nearestRank(values, 0.1)).toBe(10); // ⌈0.5⌉ = 1st
    expect(values).toEqual([30, 10, 50, 20, 40]); // input left alone
  });

  it('is exact on decimal products that binary floats overshoot', () => {
    // 0.7·10 is 7.000000000000001 in binary; the rank is still ⌈7⌉ = 7th, not 8th.
    const tens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(nearestRank(tens, 0.7)).toBe(7);
    expect(nearestRank(tens, 0.9)).toBe(9); // ⌈9⌉
    expect(nearestRank(tens, 0.5)).toBe(5); // ⌈5⌉, no interpolation with the 6th
  });

  it('returns the tied value whichever of the ties the rank lands on', () => {
    // sorted: 10 20 20 20 50; p50 → ⌈2.5⌉ = 3rd = 20, p80 → 4th = 20, p20 → 1st = 10.
    const values = [20, 50, 20, 10, 20];
    expect(nearestRank(values, 0.5)).toBe(20);
    expect(nearestRank(values, 0.8)).toBe(20);
    expect(nearestRank(values, 0.2)).toBe(10);
  });

  it('is null for no values and refuses a quantile outside (0, 1]', () => {
    expect(nearestRank([], 0.5)).toBeNull();
    expect(() => nearestRank([1], 0)).toThrow(RangeError);
    expect(() => nearestRank([1], 1.5)).toThrow(RangeError);
    expect(nearestRank([7], 1)).toBe(7);
  });
});

describe('twoProportionZTest', () => {
  it('flags a change beyond 1.96 standard errors', () => {
    // pooled = 105/200 = 0.525; se = √(0.525·0.475·(1/100 + 1/100)) = √0.0049875 = 0.0706222;
    // z = (0.60 − 0.45)/0.0706222 = 2.12398.
    const result = twoProportionZTest(60, 100, 45, 100);

    expect(result?.z).toBeCloseTo(2.12398, 4);
    expect(result?.significant).toBe(true);
  });

  it('does not flag a smaller change, and is signed', () => {
    // pooled = 0.475; se = √(0.475·0.525·0.02) = 0.0706222; z = −0.05/0.0706222 = −0.70799.
    const result = twoProportionZTest(45, 100, 50, 100);

    expect(result?.z).toBeCloseTo(-0.70799, 4);
    expect(result?.significant).toBe(false);
  });

  it('is null when a denominator is 0 and 0 when both proportions sit at the same extreme', () => {
    expect(twoProportionZTest(1, 0, 1, 10)).toBeNull();
    expect(twoProportionZTest(1, 10, 0, 0)).toBeNull();
    expect(twoProportionZTest(10, 10, 20, 20)).toEqual({ z: 0, significant: false });
  });
});

describe('roundHalfAwayFromZero', () => {
  it('rounds halves away from zero on the decimal value, not the binary one', () => {
    expect(roundHalfAwayFromZero(1.005, 2)).toBe(1.01); // Math.round would give 1.00
    expect(roundHalfAwayFromZero(0.375, 2)).toBe(0.38);
    expect(roundHalfAwayFromZero(99.95, 1)).toBe(100);
    expect(roundHalfAwayFromZero(2.45, 1)).toBe(2.5);
    expect(roundHalfAwayFromZero(-2.5, 0)).toBe(-3);
    expect(roundHalfAwayFromZero(-34.65, 1)).toBe(-34.7);
    expect(roundHalfAwayFromZero(68.08510638297872, 1)).toBe(68.1);
  });

  it('keeps tiny and huge numbers finite and never returns −0', () => {
    expect(roundHalfAwayFromZero(1e-7, 1)).toBe(0);
    expect(Object.is(roundHalfAwayFromZero(-0.04, 1), 0)).toBe(true);
    expect(roundHalfAwayFromZero(1e21, 2)).toBe(1e21);
  });

  it('is stated for the methodology with the decimals it uses', () => {
    expect(DECIMALS).toEqual({ percent: 1, points: 1, hours: 1, rate: 2, count: 0 });
    expect(ROUNDING_RULE).toContain('half away from zero');
    expect(Z95).toBe(1.96);
  });
});
