const monthFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar month (`YYYY-MM`) that contains an instant in the reporting time zone:
 * 2026-09-30T16:30:00Z is in 2026-10 in Asia/Shanghai.
 */
export function monthInTimeZone(instant: string | Date, timeZone: string): string {
  let formatter = monthFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    monthFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(typeof instant === 'string' ? new Date(instant) : instant);
  const year = parts.find((part) => part.type === 'year')?.value;
  const month = parts.find((part) => part.type === 'month')?.value;
  return `${year}-${month}`;
}

/** Normalises an RFC 3339 time with any offset to UTC ISO 8601 with milliseconds. */
export function toUtcIso(instant: string): string {
  return new Date(instant).toISOString();
}
