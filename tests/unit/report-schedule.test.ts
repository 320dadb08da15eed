import { describe, expect, it } from 'vitest';
import {
  lastScheduledPeriod,
  missedScheduleTransitions,
  scheduleFiringFor,
} from '#shared/domain/report-schedule.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';

const zone = 'Asia/Shanghai';

describe('scheduleFiringFor', () => {
  it('is 03:00 on the day after the period ends, in the reporting time zone', () => {
    expect(scheduleFiringFor(parsePeriod('2026-11', zone)).toISOString()).toBe(
      '2026-11-30T19:00:00.000Z',
    );
    expect(scheduleFiringFor(parsePeriod('2026-Q3', zone)).toISOString()).toBe(
      '2026-09-30T19:00:00.000Z',
    );
    expect(scheduleFiringFor(parsePeriod('2026-03', 'Europe/London')).toISOString()).toBe(
      '2026-04-01T02:00:00.000Z',
    );
  });
});

describe('lastScheduledPeriod', () => {
  it('is the period just ended once its schedule has fired, the one before until then', () => {
    expect(lastScheduledPeriod('month', new Date('2026-11-30T18:59:00Z'), zone).id).toBe('2026-10');
    expect(lastScheduledPeriod('month', new Date('2026-11-30T19:00:00Z'), zone).id).toBe('2026-11');
    expect(lastScheduledPeriod('quarter', new Date('2026-12-02T07:00:00Z'), zone).id).toBe(
      '2026-Q3',
    );
  });
});

describe('missedScheduleTransitions', () => {
  const firedAt = new Date('2026-11-30T19:00:00Z');
  const report = { profile: 'baseline', period: '2026-11', firedAt };
  const at = (hours: number) => new Date(firedAt.getTime() + hours * 3_600_000);

  it('raises an alarm once a report is missing the given hours after its schedule fired', () => {
    const state = { ...report, published: false, alarmed: false };

    expect(missedScheduleTransitions([state], at(5.99), 6)).toEqual({
      raise: [],
      clear: [],
      missing: 0,
    });
    expect(missedScheduleTransitions([state], at(6), 6)).toEqual({
      raise: [state],
      clear: [],
      missing: 1,
    });
  });

  it('raises nothing again while the alarm stands, and clears it once the report appears', () => {
    const standing = { ...report, published: false, alarmed: true };
    const appeared = { ...report, published: true, alarmed: true };

    expect(missedScheduleTransitions([standing], at(30), 6)).toEqual({
      raise: [],
      clear: [],
      missing: 1,
    });
    expect(missedScheduleTransitions([appeared], at(31), 6)).toEqual({
      raise: [],
      clear: [appeared],
      missing: 0,
    });
  });

  it('does nothing for a report published in time', () => {
    const published = { ...report, published: true, alarmed: false };

    expect(missedScheduleTransitions([published], at(7), 6)).toEqual({
      raise: [],
      clear: [],
      missing: 0,
    });
  });
});
