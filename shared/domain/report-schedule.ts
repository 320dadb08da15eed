import {
  lastCompletePeriod,
  type Period,
  type PeriodKind,
  previousPeriod,
} from '../indicators/periods.ts';
import { instantOfWallClock, wallClockAt } from './zoned-time.ts';

/**
 * The hour (reporting time zone) at which each profile's schedule fires, on the first day
 * after its period ends, asking for that period (docs/design.md §7).
 */
export const REPORT_SCHEDULE_HOUR = 3;

/** A scheduled report is missed this many hours after its schedule fired, unless a context key says otherwise. */
export const DEFAULT_MISSED_SCHEDULE_HOURS = 6;

/** When the report schedule fires for a period: REPORT_SCHEDULE_HOUR on the day after it ends. */
export function scheduleFiringFor(period: Period): Date {
  const day = wallClockAt(period.endInstant, period.timezone);
  return instantOfWallClock(
    { ...day, hour: REPORT_SCHEDULE_HOUR, minute: 0, second: 0 },
    period.timezone,
  );
}

/** The newest period of a kind whose report schedule has fired by `now`. */
export function lastScheduledPeriod(kind: PeriodKind, now: Date, timezone: string): Period {
  const last = lastCompletePeriod(kind, now, timezone);
  return scheduleFiringFor(last) <= now ? last : previousPeriod(last);
}

/** A scheduled report the check looks at: fired when, published or not, alarmed or not. */
export interface ScheduledReportState {
  profile: string;
  period: string;
  firedAt: Date;
  published: boolean;
  /** An alarm for it stands (was raised and not yet cleared). */
  alarmed: boolean;
}

/**
 * What a check changes, once per transition: an alarm raised for each report still
 * unpublished `hours` after its schedule fired and not yet alarmed, an alarm cleared for
 * each alarmed report that has appeared. `missing` counts every overdue report, alarmed
 * before or now (the metric a CloudWatch alarm watches).
 */
export function missedScheduleTransitions(
  reports: readonly ScheduledReportState[],
  now: Date,
  hours: number,
): { raise: ScheduledReportState[]; clear: ScheduledReportState[]; missing: number } {
  const overdue = reports.filter(
    (report) => !report.published && now.getTime() - report.firedAt.getTime() >= hours * 3_600_000,
  );
  return {
    raise: overdue.filter((report) => !report.alarmed),
    clear: reports.filter((report) => report.published && report.alarmed),
    missing: overdue.length,
  };
}
