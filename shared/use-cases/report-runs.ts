import { InvalidInputError } from '../domain/errors.ts';
import { ADMINS, type Caller, requireAnyGroup } from '../domain/people.ts';
import { type QueuedReportRun, resolveReportRun } from '../domain/report-run.ts';
import type { Profile } from '../indicators/profiles.ts';

/** The queue the report builder reads runs from. */
export interface ReportRunQueue {
  enqueue(run: QueuedReportRun): Promise<void>;
}

/** A run as the log keeps it: when and by whom asked, and what came of it. */
export interface ReportRunRecord {
  runId: string;
  profile: string;
  period: string;
  /** The user pool subject who asked; absent for a scheduled run. */
  requestedBy?: string;
  requestedAt?: string;
  /** The report it published, once it has. */
  reportId?: string;
  publishedAt?: string;
  /** Builds of it that failed (each retried; after five the run is dead-lettered). */
  failures: number;
  lastFailureAt?: string;
}

/** Every run and its outcome, for admins to see whether each produced its report. */
export interface ReportRunLog {
  requested(run: QueuedReportRun & { requestedAt: Date }): Promise<void>;
  published(
    runId: string,
    outcome: { profile: string; period: string; reportId: string; at: Date },
  ): Promise<void>;
  failed(runId: string, at: Date): Promise<void>;
  /** The newest runs first. */
  recent(limit: number): Promise<ReportRunRecord[]>;
}

export interface ReportRuns {
  queue: ReportRunQueue;
  log: ReportRunLog;
  profiles: Readonly<Record<string, Profile>>;
  timezone: string;
  /** The deployment's first month (`YYYY-MM`): no earlier period can be asked for. */
  firstMonth: string;
  now: () => Date;
  newRunId: (at: Date) => string;
}

/**
 * An admin's request to build a report now: checked against the profiles, logged, then
 * queued for the builder. The same for POST /reports/runs and the portal.
 */
export async function requestReportRun(
  runs: ReportRuns,
  caller: Caller,
  request: unknown,
): Promise<QueuedReportRun> {
  requireAnyGroup(caller, ADMINS);
  const now = runs.now();
  const resolved = resolveReportRun(request, runs.profiles, now, runs.timezone, runs.firstMonth);
  if (!resolved.success) {
    throw new InvalidInputError('The report run is not valid.', resolved.errors);
  }
  const run: QueuedReportRun = {
    runId: runs.newRunId(now),
    profile: resolved.profile,
    period: resolved.period,
    requestedBy: caller.subject,
  };
  // Logged before it is queued: a run that never reaches the builder still shows, as
  // one that produced nothing.
  await runs.log.requested({ ...run, requestedAt: now });
  await runs.queue.enqueue(run);
  return run;
}

/** The most recent runs, newest first, for admins. */
export async function recentReportRuns(
  runs: Pick<ReportRuns, 'log'>,
  caller: Caller,
  limit = 20,
): Promise<ReportRunRecord[]> {
  requireAnyGroup(caller, ADMINS);
  return runs.log.recent(limit);
}
