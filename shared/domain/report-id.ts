import { randomBytes } from 'node:crypto';

/** A report's id: its build time to the second (UTC) and 48 random bits, in hex. */
export const REPORT_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{12}$/;

/** A new report id, time-ordered and unguessable: `20261125T213000Z-1f2e3d4c5b6a`. */
export function newReportId(at: Date): string {
  const time = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${time}-${randomBytes(6).toString('hex')}`;
}

/** Whether a path segment can be a report id (anything else is a 404 without a read). */
export const looksLikeReportId = (value: string) => REPORT_ID_PATTERN.test(value);
