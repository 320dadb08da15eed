import {
  lastScheduledPeriod,
  missedScheduleTransitions,
  type ScheduledReportState,
  scheduleFiringFor,
} from '../domain/report-schedule.ts';
import { parsePeriod } from '../indicators/periods.ts';
import type { Profile } from '../indicators/profiles.ts';

/** A missed-schedule alarm that stands: raised for a profile and period, not yet cleared. */
export interface MissedScheduleAlarm {
  profile: string;
  period: string;
  /** When the schedule fired for it (ISO 8601). */
  firedAt: string;
}

/** The alarms that stand, kept between checks so that each transition is told once. */
export interface MissedScheduleAlarms {
  standing(): Promise<MissedScheduleAlarm[]>;
  raised(alarm: MissedScheduleAlarm, at: Date): Promise<void>;
  cleared(alarm: MissedScheduleAlarm): Promise<void>;
}

/** Which of a profile's periods have a report in the index (any edition). */
export interface PublishedPeriods {
  published(profile: string, periods: readonly string[]): Promise<Set<string>>;
}

/** A missed-schedule alarm's change of state, as the alarm topic is told it. */
export interface MissedScheduleNotice {
  state: 'ALARM' | 'OK';
  profile: string;
  period: string;
  firedAt: Date;
  hours: number;
  at: Date;
}

/** The alarm topic. */
export interface AlarmNotifier {
  notify(notice: MissedScheduleNotice): Promise<void>;
}

export interface MissedScheduleCheck {
  alarms: MissedScheduleAlarms;
  reports: PublishedPeriods;
  notifier: AlarmNotifier;
  profiles: Readonly<Record<string, Profile>>;
  timezone: string;
  /** The deployment's first month (`YYYY-MM`): no schedule fired for a period ending before it. */
  firstMonth: string;
  hours: number;
}

/**
 * One check at `now` (docs/operations.md, Missed scheduled reports): for each profile the
 * newest period its schedule has fired for, and every period alarmed before, compared with
 * the report index. A report still missing `hours` after its schedule fired raises an
 * alarm; an alarmed one that has appeared clears it. The topic is told first and the
 * alarm's state written after, so a check that fails between the two tells it again on
 * the next run rather than never.
 */
export async function checkMissedSchedules(check: MissedScheduleCheck, now: Date) {
  const firstMonthStart = parsePeriod(check.firstMonth, check.timezone).startInstant;
  const standing = await check.alarms.standing();
  const candidates = new Map<string, { profile: string; period: string; firedAt: Date }>();
  for (const profile of Object.values(check.profiles)) {
    const period = lastScheduledPeriod(profile.period, now, check.timezone);
    if (period.endInstant <= firstMonthStart) continue;
    candidates.set(`${profile.id}#${period.id}`, {
      profile: profile.id,
      period: period.id,
      firedAt: scheduleFiringFor(period),
    });
  }
  for (const alarm of standing) {
    candidates.set(`${alarm.profile}#${alarm.period}`, {
      profile: alarm.profile,
      period: alarm.period,
      firedAt: new Date(alarm.firedAt),
    });
  }
  const byProfile = new Map<string, string[]>();
  for (const { profile, period } of candidates.values()) {
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), period]);
  }
  const published = new Set<string>();
  for (const [profile, periods] of byProfile) {
    for (const period of await check.reports.published(profile, periods)) {
      published.add(`${profile}#${period}`);
    }
  }
  const alarmed = new Set(standing.map((alarm) => `${alarm.profile}#${alarm.period}`));
  const states: ScheduledReportState[] = [...candidates.entries()].map(([key, candidate]) => ({
    ...candidate,
    published: published.has(key),
    alarmed: alarmed.has(key),
  }));
  const { raise, clear, missing } = missedScheduleTransitions(states, now, check.hours);
  const asAlarm = (report: ScheduledReportState): MissedScheduleAlarm => ({
    profile: report.profile,
    period: report.period,
    firedAt: report.firedAt.toISOString(),
  });
  for (const report of raise) {
    await check.notifier.notify({ state: 'ALARM', ...report, hours: check.hours, at: now });
    await check.alarms.raised(asAlarm(report), now);
  }
  for (const report of clear) {
    await check.notifier.notify({ state: 'OK', ...report, hours: check.hours, at: now });
    await check.alarms.cleared(asAlarm(report));
  }
  return { checked: states.length, raised: raise.length, cleared: clear.length, missing };
}
