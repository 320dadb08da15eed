import * as z from 'zod/mini';

/** `customerRef`, `eventId`, `complaintId`: opaque, 1–64 characters of `[A-Za-z0-9._:-]`. */
export const opaqueId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -'));

/** RFC 3339 timestamp with an explicit offset (`Z` or `±hh:mm`). */
export const rfc3339 = z.iso.datetime({
  offset: true,
  error: 'must be an RFC 3339 time with an offset, such as 2026-10-01T09:30:00+08:00',
});

/** How far ahead of the receiver's clock an event may be: operators' clocks drift. */
export const MAX_EVENT_LEAD_MINUTES = 5;

/** The time window an operator's event must lie in: the raw data's retention up to now. */
export interface EventWindow {
  now: Date;
  retentionDays: number;
}

/**
 * Whether an event time lies within [now − retention, now + 5 minutes] (docs/design.md §3):
 * an older event would be purged at once, a later one has not happened.
 */
export function isWithinEventWindow(occurredAt: string, window: EventWindow): boolean {
  const at = Date.parse(occurredAt);
  return (
    at >= window.now.getTime() - window.retentionDays * 86_400_000 &&
    at <= window.now.getTime() + MAX_EVENT_LEAD_MINUTES * 60_000
  );
}

/** What a field error says about a time outside the window. */
export const eventWindowDetail = (window: EventWindow) =>
  `must be within the last ${window.retentionDays} days and at most ${MAX_EVENT_LEAD_MINUTES} minutes ahead`;

/** The operator's region codes (docs/design.md §3). */
export const RegionSchema = z
  .string()
  .check(z.regex(/^[A-Z]{2}(-[A-Z0-9]{1,6})?$/, 'must be a region code such as GD-SZ'));

/** Services an operator reports on (docs/design.md §3). */
export const SERVICES = [
  'mobile_voice',
  'mobile_data',
  'fixed_broadband',
  'fixed_voice',
  'iptv',
] as const;

/** The message zod/mini gives an enumeration: the values it accepts. */
export const oneOf = (values: readonly string[]) => `must be one of: ${values.join(', ')}`;
