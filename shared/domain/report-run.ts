import * as z from 'zod/mini';
import { isPeriodId, lastCompletePeriod, parsePeriod } from '../indicators/periods.ts';
import type { Profile } from '../indicators/profiles.ts';
import type { FieldError } from './validation.ts';
import { fieldErrorsOf } from './validation.ts';

/** A run request (POST /reports/runs): `{profile, period}`; schedules send `"previous"`. */
export const ReportRunSchema = z.strictObject({
  profile: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a profile id')),
  period: z
    .string()
    .check(
      z.refine(
        (period) => period === 'previous' || isPeriodId(period),
        'must be a month (2026-10), a quarter (2026-Q3), a year (2026) or "previous"',
      ),
    ),
});

/**
 * A run as the run queue carries it: the request, which a schedule sends alone (with
 * "previous") and POST /reports/runs with its run id and who asked.
 */
export const QueuedReportRunSchema = z.looseObject({
  runId: z.optional(z.string()),
  requestedBy: z.optional(z.string()),
});

/**
 * The daily restatement check's message (docs/reports.md, Restatements), which its
 * schedule queues on the run queue: the time it fired for decides the periods it checks.
 */
export const RestatementCheckSchema = z.strictObject({
  check: z.literal('restatements'),
  scheduledTime: z.optional(z.iso.datetime({ offset: true })),
});

/** A run POST /reports/runs queued: resolved, with its id and who asked. */
export interface QueuedReportRun {
  runId: string;
  profile: string;
  period: string;
  requestedBy: string;
}

/**
 * The run, checked against the profiles and resolved to a period id: the period must be
 * of the profile's kind; "previous" is the last complete one at `now`. With `firstMonth`
 * (the deployment's first month, `YYYY-MM`: what people ask for), the period must also
 * end after that month begins and be complete at `now`; a schedule passes none.
 */
export function resolveReportRun(
  body: unknown,
  profiles: Readonly<Record<string, Profile>>,
  now: Date,
  timezone: string,
  firstMonth?: string,
): { success: true; profile: string; period: string } | { success: false; errors: FieldError[] } {
  const parsed = ReportRunSchema.safeParse(body);
  if (!parsed.success) return { success: false, errors: fieldErrorsOf(parsed.error) };
  const profile = profiles[parsed.data.profile];
  if (!profile) {
    return {
      success: false,
      errors: [
        { pointer: '/profile', detail: `must be one of: ${Object.keys(profiles).join(', ')}` },
      ],
    };
  }
  const period =
    parsed.data.period === 'previous'
      ? lastCompletePeriod(profile.period, now, timezone)
      : parsePeriod(parsed.data.period, timezone);
  if (period.kind !== profile.period) {
    return {
      success: false,
      errors: [
        { pointer: '/period', detail: `profile ${profile.id} reports by ${profile.period}` },
      ],
    };
  }
  if (firstMonth !== undefined) {
    const first = parsePeriod(firstMonth, timezone);
    const last = lastCompletePeriod(profile.period, now, timezone);
    if (period.endInstant <= first.startInstant || period.endInstant > last.endInstant) {
      return {
        success: false,
        errors: [
          {
            pointer: '/period',
            detail: `must be between the deployment's first period (the one holding ${firstMonth}) and the last complete one, ${last.id}`,
          },
        ],
      };
    }
  }
  return { success: true, profile: profile.id, period: period.id };
}
