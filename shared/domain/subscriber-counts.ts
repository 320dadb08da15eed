import * as z from 'zod/mini';
import { oneOf, RegionSchema, SERVICES } from './fields.ts';
import { type FieldError, fieldErrorsOf } from './validation.ts';

/** Subscribers of one region and service: the denominator of per-subscriber rates. */
export interface SubscriberCountRow {
  region: string;
  service: (typeof SERVICES)[number];
  subscribers: number;
}

const RowSchema = z.strictObject({
  region: RegionSchema,
  service: z.enum(SERVICES, { error: oneOf(SERVICES) }),
  subscribers: z
    .int({ error: 'must be a whole number' })
    .check(z.gte(0, 'must not be negative'), z.lte(10_000_000_000, 'is implausibly large')),
});

/** The JSON body of `PUT /reference/subscribers/{period}` (docs/design.md §3). */
export const DocumentSchema = z.strictObject({
  counts: z.array(RowSchema).check(z.minLength(1, 'must list at least one count')),
});

export type SubscriberCountsResult =
  | { success: true; counts: SubscriberCountRow[] }
  | { success: false; errors: FieldError[] };

/** Each region and service once: a second row for a pair is an error, never a sum. */
function refuseDuplicates(counts: SubscriberCountRow[]): SubscriberCountsResult {
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  counts.forEach((row, index) => {
    const key = `${row.region}#${row.service}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      errors.push({
        pointer: `/counts/${index}`,
        detail: `repeats ${row.region} ${row.service} (first at /counts/${first})`,
      });
  });
  return errors.length ? { success: false, errors } : { success: true, counts };
}

/** `{ "counts": [ { "region", "service", "subscribers" } ] }` (docs/design.md §3). */
export function parseSubscriberCountsJson(body: unknown): SubscriberCountsResult {
  const parsed = DocumentSchema.safeParse(body);
  if (!parsed.success) return { success: false, errors: fieldErrorsOf(parsed.error) };
  return refuseDuplicates(parsed.data.counts);
}

/**
 * CSV with the header `region,service,subscribers` (RFC 4180, no quoting needed for these
 * fields; a BOM and CRLF are accepted). Row n is reported as `/counts/{n-1}` like JSON.
 */
export function parseSubscriberCountsCsv(text: string): SubscriberCountsResult {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',').map((cell) => cell.trim());
  if (header?.join(',') !== 'region,service,subscribers') {
    return {
      success: false,
      errors: [{ pointer: '', detail: 'the first line must be region,service,subscribers' }],
    };
  }
  const rows = lines.slice(1).map((line) => {
    const [region = '', service = '', subscribers = '', ...extra] = line
      .split(',')
      .map((cell) => cell.trim());
    return {
      region,
      service,
      subscribers: /^\d+$/.test(subscribers) ? Number(subscribers) : subscribers,
      ...(extra.length ? { extra: extra.join(',') } : {}),
    };
  });
  return parseSubscriberCountsJson({ counts: rows });
}
