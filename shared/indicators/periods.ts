import { instantOfWallClock, monthInTimeZone } from '../domain/zoned-time.ts';

/** The reporting time zone unless a deployment sets another (docs/design.md §6). */
export const DEFAULT_REPORTING_TIMEZONE = 'Asia/Shanghai';

export type PeriodKind = 'month' | 'quarter' | 'year';

/** A calendar month, quarter or year in the reporting time zone. */
export interface Period {
  /** `2026-10`, `2026-Q3` or `2026`. */
  id: string;
  kind: PeriodKind;
  /** First day, `YYYY-MM-DD`, in the reporting time zone. */
  start: string;
  /** Last day (inclusive), `YYYY-MM-DD`, in the reporting time zone. */
  end: string;
  /** 00:00 of `start` in the zone. */
  startInstant: Date;
  /** 00:00 of the day after `end` in the zone: the period is [startInstant, endInstant). */
  endInstant: Date;
  /** The calendar months inside, `YYYY-MM`, in order. */
  months: string[];
  timezone: string;
}

/** A period id or time zone that cannot be a reporting period. */
export class InvalidPeriodError extends Error {
  override readonly name = 'InvalidPeriodError';
}

const PERIOD_ID = /^(?<year>\d{4})(?:-(?:(?<month>0[1-9]|1[0-2])|Q(?<quarter>[1-4])))?$/;

const pad2 = (value: number) => String(value).padStart(2, '0');
const monthId = (year: number, month: number) => `${year}-${pad2(month)}`;
const daysInMonth = (year: number, month: number) =>
  new Date(Date.UTC(year, month, 0)).getUTCDate();

function assertTimeZone(timezone: string) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new InvalidPeriodError(`unknown time zone: ${timezone}`);
  }
}

/** The period from its first month and length in months, in `timezone`. */
function periodOf(
  id: string,
  kind: PeriodKind,
  year: number,
  firstMonth: number,
  length: number,
  timezone: string,
): Period {
  const months = Array.from({ length }, (_, index) => monthId(year, firstMonth + index));
  const lastMonth = firstMonth + length - 1;
  // The month after the last one, which may be January of the next year.
  const nextYear = lastMonth === 12 ? year + 1 : year;
  const nextMonth = lastMonth === 12 ? 1 : lastMonth + 1;
  const midnight = { hour: 0, minute: 0, second: 0 };
  return {
    id,
    kind,
    start: `${monthId(year, firstMonth)}-01`,
    end: `${monthId(year, lastMonth)}-${pad2(daysInMonth(year, lastMonth))}`,
    startInstant: instantOfWallClock({ year, month: firstMonth, day: 1, ...midnight }, timezone),
    endInstant: instantOfWallClock(
      { year: nextYear, month: nextMonth, day: 1, ...midnight },
      timezone,
    ),
    months,
    timezone,
  };
}

/**
 * Reads a period id (`2026-10`, `2026-Q3`, `2026`) into its days and instants in the reporting
 * time zone. Throws `InvalidPeriodError` for anything else, so a run never guesses.
 */
export function parsePeriod(id: string, timezone: string = DEFAULT_REPORTING_TIMEZONE): Period {
  assertTimeZone(timezone);
  const match = PERIOD_ID.exec(id);
  const year = Number(match?.groups?.year);
  if (!match || year < 1970) {
    throw new InvalidPeriodError(
      `period must be a year (2026), a quarter (2026-Q3) or a month (2026-10), got ${JSON.stringify(id)}`,
    );
  }
  const { month, quarter } = match.groups ?? {};
  if (month !== undefined) return periodOf(id, 'month', year, Number(month), 1, timezone);
  if (quarter !== undefined) {
    return periodOf(id, 'quarter', year, (Number(quarter) - 1) * 3 + 1, 3, timezone);
  }
  return periodOf(id, 'year', year, 1, 12, timezone);
}

/** Whether `id` is a valid period id. */
export function isPeriodId(id: string): boolean {
  const match = PERIOD_ID.exec(id);
  return match !== null && Number(match.groups?.year) >= 1970;
}

/** The period of the same kind just before `period` (2026-01 → 2025-12, 2026-Q1 → 2025-Q4). */
export function previousPeriod(
  period: string | Period,
  timezone: string = DEFAULT_REPORTING_TIMEZONE,
): Period {
  const current = typeof period === 'string' ? parsePeriod(period, timezone) : period;
  const year = Number(current.id.slice(0, 4));
  switch (current.kind) {
    case 'year':
      return parsePeriod(String(year - 1), current.timezone);
    case 'quarter': {
      const quarter = Number(current.id.slice(6));
      return parsePeriod(
        quarter === 1 ? `${year - 1}-Q4` : `${year}-Q${quarter - 1}`,
        current.timezone,
      );
    }
    case 'month': {
      const month = Number(current.id.slice(5));
      return parsePeriod(
        month === 1 ? monthId(year - 1, 12) : monthId(year, month - 1),
        current.timezone,
      );
    }
  }
}

/** Whether an instant falls in the period: start inclusive, end exclusive. */
export function contains(period: Period, instant: Date | string): boolean {
  const time = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return time >= period.startInstant.getTime() && time < period.endInstant.getTime();
}

/** Whether a reporting-zone day (`YYYY-MM-DD`) falls in the period. */
export function containsDay(period: Period, day: string): boolean {
  return day >= period.start && day <= period.end;
}

/**
 * The last period of a kind that has ended by `now` in the time zone: what a schedule
 * that fires early on the 1st asks for (`"period": "previous"`).
 */
export function lastCompletePeriod(
  kind: PeriodKind,
  now: Date,
  timezone: string = DEFAULT_REPORTING_TIMEZONE,
): Period {
  const month = monthInTimeZone(now, timezone);
  const year = month.slice(0, 4);
  const current =
    kind === 'month'
      ? month
      : kind === 'quarter'
        ? `${year}-Q${Math.ceil(Number(month.slice(5)) / 3)}`
        : year;
  return previousPeriod(current, timezone);
}
