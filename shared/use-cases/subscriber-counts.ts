import { InvalidInputError } from '../domain/errors.ts';
import { ADMINS, type Caller, requireAnyGroup } from '../domain/people.ts';
import {
  parseSubscriberCountsCsv,
  parseSubscriberCountsJson,
  type SubscriberCountRow,
} from '../domain/subscriber-counts.ts';
import { isPeriodId } from '../indicators/periods.ts';

/** Where subscriber counts are kept: every upload a new version. */
export interface SubscriberCountStore {
  put(
    period: string,
    counts: SubscriberCountRow[],
    uploadedAt: Date,
    uploadedBy: string,
  ): Promise<string>;
}

/** An upload: CSV text with the header `region,service,subscribers`, or the JSON document. */
export type SubscriberCountsUpload = { csv: string } | { json: unknown };

/**
 * An admin's subscriber counts for a month, quarter or year (the per-subscriber
 * indicators' denominators), validated whole and stored as a new version. The same for
 * PUT /reference/subscribers/{period} and the portal.
 */
export async function storeSubscriberCounts(
  store: SubscriberCountStore,
  caller: Caller,
  period: string,
  upload: SubscriberCountsUpload,
  now: Date,
): Promise<{ period: string; version: string; rows: number }> {
  requireAnyGroup(caller, ADMINS);
  if (!isPeriodId(period)) {
    throw new InvalidInputError('The period is not a month, quarter or year.', [
      { pointer: '/period', detail: 'must look like 2026-10, 2026-Q3 or 2026' },
    ]);
  }
  const parsed =
    'csv' in upload ? parseSubscriberCountsCsv(upload.csv) : parseSubscriberCountsJson(upload.json);
  if (!parsed.success)
    throw new InvalidInputError('The subscriber counts are not valid.', parsed.errors);
  const version = await store.put(period, parsed.counts, now, caller.subject);
  return { period, version, rows: parsed.counts.length };
}
