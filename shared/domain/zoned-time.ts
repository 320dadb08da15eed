const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string) {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, found);
  }
  return found;
}

/** Wall-clock fields of an instant in a time zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock in `timeZone` at `instant`. */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a time zone. */
export function dayInTimeZone(instant: Date, timeZone: string): string {
  const clock = wallClockAt(instant, timeZone);
  return `${clock.year}-${String(clock.month).padStart(2, '0')}-${String(clock.day).padStart(2, '0')}`;
}

/**
 * The instant at which the wall clock in `timeZone` shows the given fields. Found by
 * correcting a UTC guess with the zone's offset twice, which settles across DST changes.
 */
export function instantOfWallClock(clock: WallClock, timeZone: string): Date {
  const asUtc = Date.UTC(
    clock.year,
    clock.month - 1,
    clock.day,
    clock.hour,
    clock.minute,
    clock.second,
  );
  let guess = asUtc;
  for (let pass = 0; pass < 2; pass += 1) {
    const seen = wallClockAt(new Date(guess), timeZone);
    const seenAsUtc = Date.UTC(
      seen.year,
      seen.month - 1,
      seen.day,
      seen.hour,
      seen.minute,
      seen.second,
    );
    guess += asUtc - seenAsUtc;
  }
  return new Date(guess);
}

/** The calendar month (`YYYY-MM`) of an instant in a time zone: 2026-09-30T16:30Z is 2026-10 in Asia/Shanghai. */
export function monthInTimeZone(instant: string | Date, timeZone: string): string {
  return dayInTimeZone(typeof instant === 'string' ? new Date(instant) : instant, timeZone).slice(
    0,
    7,
  );
}

/** Normalises an RFC 3339 time with any offset to UTC ISO 8601 with milliseconds. */
export function toUtcIso(instant: string): string {
  return new Date(instant).toISOString();
}
