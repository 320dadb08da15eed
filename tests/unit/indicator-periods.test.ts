import { describe, expect, it } from 'vitest';
import {
  contains,
  containsDay,
  DEFAULT_REPORTING_TIMEZONE,
  InvalidPeriodError,
  isPeriodId,
  lastCompletePeriod,
  parsePeriod,
  previousPeriod,
} from '#shared/indicators/periods.ts';

describe('parsePeriod', () => {
  it('reads a month in the reporting time zone (Asia/Shanghai, UTC+8, by default)', () => {
    const period = parsePeriod('2026-10');

    expect(period).toEqual({
      id: '2026-10',
      kind: 'month',
      start: '2026-10-01',
      end: '2026-10-31',
      // 2026-10-01 00:00 in Shanghai is 8 hours earlier in UTC.
      startInstant: new Date('2026-09-30T16:00:00.000Z'),
      endInstant: new Date('2026-10-31T16:00:00.000Z'),
      months: ['2026-10'],
      timezone: 'Asia/Shanghai',
    });
    expect(DEFAULT_REPORTING_TIMEZONE).toBe('Asia/Shanghai');
  });

  it('reads a quarter and a year, ending on their last day', () => {
    const quarter = parsePeriod('2026-Q3');
    const year = parsePeriod('2026');

    expect(quarter).toMatchObject({
      kind: 'quarter',
      start: '2026-07-01',
      end: '2026-09-30',
      months: ['2026-07', '2026-08', '2026-09'],
      startInstant: new Date('2026-06-30T16:00:00.000Z'),
      endInstant: new Date('2026-09-30T16:00:00.000Z'),
    });
    expect(year).toMatchObject({
      kind: 'year',
      start: '2026-01-01',
      end: '2026-12-31',
      startInstant: new Date('2025-12-31T16:00:00.000Z'),
      endInstant: new Date('2026-12-31T16:00:00.000Z'),
    });
    expect(year.months).toHaveLength(12);
    expect(year.months.at(-1)).toBe('2026-12');
  });

  it('knows month lengths and leap years', () => {
    expect(parsePeriod('2028-02').end).toBe('2028-02-29');
    expect(parsePeriod('2026-02').end).toBe('2026-02-28');
    expect(parsePeriod('2026-Q1').end).toBe('2026-03-31');
    expect(parsePeriod('2026-Q4').end).toBe('2026-12-31');
  });

  it.each([
    '2026-13',
    '2026-00',
    '2026-Q0',
    '2026-Q5',
    '2026-q3',
    '2026-1',
    '26-10',
    '2026-10-01',
    ' 2026',
    '',
    '1969',
  ])('refuses %j with InvalidPeriodError', (id) => {
    expect(() => parsePeriod(id)).toThrow(InvalidPeriodError);
    expect(isPeriodId(id)).toBe(false);
  });

  it('refuses an unknown time zone with InvalidPeriodError', () => {
    let caught: unknown;
    try {
      parsePeriod('2026-10', 'Mars/Olympus');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(InvalidPeriodError);
    expect(caught).toMatchObject({ name: 'InvalidPeriodError' });
  });
});

describe('period boundaries in the reporting time zone', () => {
  it('puts Shanghai midnight of 1 October in Q4, and the millisecond before in Q3', () => {
    const q3 = parsePeriod('2026-Q3');
    const q4 = parsePeriod('2026-Q4');
    const midnight = '2026-09-30T16:00:00Z'; // 2026-10-01 00:00 in Shanghai

    expect(contains(q4, midnight)).toBe(true);
    expect(contains(q3, midnight)).toBe(false);
    expect(contains(q3, '2026-09-30T15:59:59.999Z')).toBe(true);
    expect(contains(q4, '2026-09-30T15:59:59.999Z')).toBe(false);
    // The same instant written with the +08:00 offset, and as a Date.
    expect(contains(q4, '2026-10-01T00:00:00+08:00')).toBe(true);
    expect(contains(q4, new Date(midnight))).toBe(true);
  });

  it('puts the last second of the year in it and the new year in the next one', () => {
    const year = parsePeriod('2026');

    expect(contains(year, '2026-12-31T23:59:59+08:00')).toBe(true);
    expect(contains(year, '2027-01-01T00:00:00+08:00')).toBe(false);
    expect(contains(year, '2026-01-01T00:00:00+08:00')).toBe(true);
  });

  it('follows daylight saving time in Europe/London', () => {
    // BST starts on 2026-03-29: March begins at 00:00 GMT and ends at 00:00 BST (23:00 UTC).
    const march = parsePeriod('2026-03', 'Europe/London');
    // BST ends on 2026-10-25: October begins at 00:00 BST (23:00 UTC) and ends at 00:00 GMT.
    const october = parsePeriod('2026-10', 'Europe/London');

    expect(march.startInstant.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(march.endInstant.toISOString()).toBe('2026-03-31T23:00:00.000Z');
    expect(october.startInstant.toISOString()).toBe('2026-09-30T23:00:00.000Z');
    expect(october.endInstant.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(contains(march, '2026-03-31T22:59:59Z')).toBe(true);
    expect(contains(march, '2026-03-31T23:00:00Z')).toBe(false); // 1 April 00:00 BST
    expect(contains(october, '2026-09-30T23:30:00Z')).toBe(true); // 1 October 00:30 BST
    expect(october.timezone).toBe('Europe/London');
  });

  it('tells whether a reporting-zone day is inside', () => {
    const q4 = parsePeriod('2026-Q4');

    expect(containsDay(q4, '2026-10-01')).toBe(true);
    expect(containsDay(q4, '2026-12-31')).toBe(true);
    expect(containsDay(q4, '2026-09-30')).toBe(false);
    expect(containsDay(q4, '2027-01-01')).toBe(false);
  });
});

describe('previousPeriod', () => {
  it.each([
    ['2026-10', '2026-09'],
    ['2026-01', '2025-12'],
    ['2026-Q3', '2026-Q2'],
    ['2026-Q1', '2025-Q4'],
    ['2026', '2025'],
  ])('of %s is %s', (id, previous) => {
    expect(previousPeriod(id).id).toBe(previous);
    expect(previousPeriod(id).kind).toBe(parsePeriod(id).kind);
  });

  it('keeps the time zone and meets the period exactly at its start', () => {
    const october = parsePeriod('2026-10', 'Europe/London');
    const september = previousPeriod(october);

    expect(september.timezone).toBe('Europe/London');
    expect(september.endInstant).toEqual(october.startInstant);
    expect(september.start).toBe('2026-09-01');
    expect(september.end).toBe('2026-09-30');
  });
});

describe('lastCompletePeriod', () => {
  // 2026-09-30T16:30Z is 00:30 on 1 October in Shanghai, still 30 September in London.
  const firstOfOctoberInShanghai = new Date('2026-09-30T16:30:00Z');

  it('answers the month, quarter and year that ended before now, in the reporting zone', () => {
    expect(lastCompletePeriod('month', firstOfOctoberInShanghai, 'Asia/Shanghai').id).toBe(
      '2026-09',
    );
    expect(lastCompletePeriod('quarter', firstOfOctoberInShanghai, 'Asia/Shanghai').id).toBe(
      '2026-Q3',
    );
    expect(lastCompletePeriod('year', firstOfOctoberInShanghai, 'Asia/Shanghai').id).toBe('2025');
  });

  it('depends on the zone: the same instant is still September in London', () => {
    expect(lastCompletePeriod('month', firstOfOctoberInShanghai, 'Europe/London').id).toBe(
      '2026-08',
    );
    expect(lastCompletePeriod('quarter', firstOfOctoberInShanghai, 'Europe/London').id).toBe(
      '2026-Q2',
    );
  });
});
