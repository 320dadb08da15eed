import { createHash, randomBytes } from 'node:crypto';

/**
 * A report's (or a report run's) id: the time to the second (UTC) and 48 random bits,
 * in hex, so that ids sort as their times do.
 */
export const REPORT_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{12}$/;

const timeOf = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** A new id, time-ordered and unguessable: `20261125T213000Z-1f2e3d4c5b6a`. */
export function newReportId(at: Date): string {
  return `${timeOf(at)}-${randomBytes(6).toString('hex')}`;
}

/** A report run's id has the report id's form: time-ordered, so recent runs list first. */
export const newRunId = newReportId;

/**
 * The id of a scheduled run, which comes without one: the same for every delivery of
 * its queue message (sent at `at`, with the queue's message id), so retries are one run.
 */
export function scheduledRunId(at: Date, messageId: string): string {
  return `${timeOf(at)}-${createHash('sha256').update(messageId).digest('hex').slice(0, 12)}`;
}

/** Whether a path segment can be a report id (anything else is a 404 without a read). */
export const looksLikeReportId = (value: string) => REPORT_ID_PATTERN.test(value);
