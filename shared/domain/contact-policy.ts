import { instantOfWallClock, wallClockAt } from './zoned-time.ts';

/** When and how often a customer may be asked (docs/design.md §5); all of it configurable. */
export interface ContactPolicy {
  frequencyCapDays: number;
  /** Local `HH:MM` times in the reporting time zone; start after end wraps midnight. */
  quietHours: { start: string; end: string };
  timeZone: string;
}

export const DEFAULT_CONTACT_POLICY: ContactPolicy = {
  frequencyCapDays: 30,
  quietHours: { start: '21:00', end: '08:00' },
  timeZone: 'Asia/Shanghai',
};

export type SuppressionReason = 'opted_out' | 'frequency_cap' | 'quiet_hours';

export type InvitationDecision =
  | { outcome: 'create'; status: 'created' | 'queued' }
  | { outcome: 'defer'; status: 'deferred'; sendAt: Date }
  | { outcome: 'suppress'; reason: SuppressionReason };

const DAY_MS = 86_400_000;

const minutesOf = (hhmm: string) => {
  const [hours = 0, minutes = 0] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
};

/** Whether `instant` falls in the quiet hours, in the policy's time zone. */
export function isQuietAt(instant: Date, policy: ContactPolicy): boolean {
  const clock = wallClockAt(instant, policy.timeZone);
  const now = clock.hour * 60 + clock.minute;
  const start = minutesOf(policy.quietHours.start);
  const end = minutesOf(policy.quietHours.end);
  return start > end ? now >= start || now < end : now >= start && now < end;
}

/** The first instant after `instant` at which the quiet hours end. */
export function quietHoursEndAfter(instant: Date, policy: ContactPolicy): Date {
  const clock = wallClockAt(instant, policy.timeZone);
  const end = minutesOf(policy.quietHours.end);
  const at = (dayOffset: number) =>
    instantOfWallClock(
      {
        ...clock,
        day: clock.day + dayOffset,
        hour: Math.floor(end / 60),
        minute: end % 60,
        second: 0,
      },
      policy.timeZone,
    );
  const today = at(0);
  return today.getTime() > instant.getTime() ? today : at(1);
}

/**
 * Decides what happens to a new invitation: opted-out customers and those asked within
 * the frequency cap are never invited; an SMS in quiet hours is deferred to their end
 * when the operator allows it, suppressed otherwise. Web links are the operator's to
 * deliver, so quiet hours do not apply to them.
 */
export function decideInvitation(input: {
  channel: 'sms' | 'web';
  deferrable: boolean;
  now: Date;
  optedOut: boolean;
  lastInvitedAt: Date | undefined;
  policy: ContactPolicy;
}): InvitationDecision {
  const { channel, deferrable, now, optedOut, lastInvitedAt, policy } = input;
  if (optedOut) return { outcome: 'suppress', reason: 'opted_out' };
  if (lastInvitedAt && now.getTime() - lastInvitedAt.getTime() < policy.frequencyCapDays * DAY_MS) {
    return { outcome: 'suppress', reason: 'frequency_cap' };
  }
  if (channel === 'web') return { outcome: 'create', status: 'created' };
  if (!isQuietAt(now, policy)) return { outcome: 'create', status: 'queued' };
  return deferrable
    ? { outcome: 'defer', status: 'deferred', sendAt: quietHoursEndAfter(now, policy) }
    : { outcome: 'suppress', reason: 'quiet_hours' };
}
