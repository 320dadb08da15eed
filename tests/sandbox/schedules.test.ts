import { describe, expect, it } from 'vitest';
import { cronMatches } from '#sandbox/triggers/schedules.ts';

const quarterly = 'cron(0 3 1 1,4,7,10 ? *)';

describe('cronMatches', () => {
  it("fires a quarterly schedule at 03:00 on the 1st of a quarter in the schedule's zone", () => {
    // 2026-09-30T19:00Z is 03:00 on 1 October in Shanghai.
    expect(cronMatches(quarterly, new Date('2026-09-30T19:00:00Z'), 'Asia/Shanghai')).toBe(true);
    expect(cronMatches(quarterly, new Date('2026-09-30T19:00:59Z'), 'Asia/Shanghai')).toBe(true);
    expect(cronMatches(quarterly, new Date('2026-10-01T03:00:00Z'), 'Asia/Shanghai')).toBe(false);
    expect(cronMatches(quarterly, new Date('2026-10-01T03:00:00Z'), 'UTC')).toBe(true);
  });

  it('does not fire in the other months, or at another minute', () => {
    expect(cronMatches(quarterly, new Date('2026-10-31T19:00:00Z'), 'Asia/Shanghai')).toBe(false);
    expect(cronMatches(quarterly, new Date('2026-09-30T19:01:00Z'), 'Asia/Shanghai')).toBe(false);
  });

  it('reads ranges, steps and days of the week (1 = Sunday)', () => {
    const weekdaysEveryQuarterHour = 'cron(*/15 8-17 ? * 2-6 *)';
    // Wednesday 25 November 2026, 09:30 in London.
    expect(
      cronMatches(weekdaysEveryQuarterHour, new Date('2026-11-25T09:30:00Z'), 'Europe/London'),
    ).toBe(true);
    expect(
      cronMatches(weekdaysEveryQuarterHour, new Date('2026-11-25T09:31:00Z'), 'Europe/London'),
    ).toBe(false);
    // Sunday 29 November.
    expect(
      cronMatches(weekdaysEveryQuarterHour, new Date('2026-11-29T09:30:00Z'), 'Europe/London'),
    ).toBe(false);
  });

  it('reads a step from a start (0/5) as running to the end of the field, as AWS does', () => {
    const everyFiveMinutes = 'cron(0/5 * * * ? *)';
    expect(cronMatches(everyFiveMinutes, new Date('2026-11-25T09:35:00Z'), 'UTC')).toBe(true);
    expect(cronMatches(everyFiveMinutes, new Date('2026-11-25T09:00:00Z'), 'UTC')).toBe(true);
    expect(cronMatches(everyFiveMinutes, new Date('2026-11-25T09:36:00Z'), 'UTC')).toBe(false);
  });

  it('refuses an expression it cannot read rather than never firing', () => {
    expect(() => cronMatches('rate(5 minutes)', new Date(), 'UTC')).toThrow(/cannot evaluate/);
    expect(() => cronMatches('cron(0 3 L * ? *)', new Date(), 'UTC')).toThrow(/cannot evaluate/);
  });
});
