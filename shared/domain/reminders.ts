import type { InvitationStatus, NotSentReason } from './invitation.ts';
import type { Locale } from './survey-definitions.ts';

/** `reminderAfterDays` unless the stage says otherwise; 0 turns reminders off. */
export const DEFAULT_REMINDER_AFTER_DAYS = 3;

/**
 * Where a reminder stands, on its invitation: the first SMS's states but `created`. Handed
 * over (`queued`, or `deferred` out of quiet hours), being sent, sent (SMS) or delivered to
 * the operator (web), unknown (`unconfirmed`: the sender died between the gateway and the
 * record) or never (`not_sent`, with the reason found when it came due or was about to be
 * sent).
 */
export type ReminderStatus = Exclude<InvitationStatus, 'created'>;

/** Why a reminder was never sent: the invitation's reasons. */
export type ReminderNotSentReason = NotSentReason;

/**
 * Due reminders are spread over this many partitions per hour, so that a burst of
 * invitations never writes more than a partition takes (1,000 writes a second each).
 */
export const REMINDER_SHARDS = 8;

/**
 * How far back a run looks for due reminders that a failed run left: a reminder that no
 * run could hand over for this long is dropped with its item's TTL at the link's expiry.
 */
export const REMINDER_LOOKBACK_HOURS = 6;

const DAY_MS = 86_400_000;

/**
 * When an invitation's one reminder comes due (docs/design.md §10.3): `afterDays` after
 * the invitation reached its customer (its SMS's `sendAt` when deferred, else its
 * creation), or never: when reminders are off (0), or when the link would have expired.
 */
export function reminderDueAt(options: {
  createdAt: string;
  sendAt?: string | undefined;
  expiresAt: string;
  afterDays: number;
}): Date | undefined {
  if (options.afterDays <= 0) return undefined;
  const start = Date.parse(options.sendAt ?? options.createdAt);
  const due = start + options.afterDays * DAY_MS;
  return due < Date.parse(options.expiresAt) ? new Date(due) : undefined;
}

/** The hour (UTC, `YYYY-MM-DDTHH`) whose partitions hold a reminder due at `dueAt`. */
export function reminderHourOf(dueAt: Date): string {
  return dueAt.toISOString().slice(0, 13);
}

/** The shard of an invitation's reminder: the same for the same id, spread evenly. */
export function reminderShardOf(invitationId: string): number {
  let sum = 0;
  for (const character of invitationId) sum = (sum * 31 + character.charCodeAt(0)) >>> 0;
  return sum % REMINDER_SHARDS;
}

/** The hours a run at `at` reads: the lookback's, oldest first, up to `at`'s own. */
export function reminderHoursUpTo(at: Date, lookbackHours = REMINDER_LOOKBACK_HOURS): string[] {
  return Array.from({ length: lookbackHours + 1 }, (_, index) =>
    reminderHourOf(new Date(at.getTime() - (lookbackHours - index) * 3_600_000)),
  );
}

/** The reminder SMS: the first question again, with the same survey link. */
export function reminderSmsText(locale: Locale, surveyUrl: string): string {
  return locale === 'zh-CN'
    ? `提醒：您的服务评价尚未完成。请回复1-5为本次服务打分（5=非常满意），或打开 ${surveyUrl} 作答。回复TD退订。`
    : `Reminder: how satisfied were you with our service? Reply 1-5 (5 = very satisfied), or answer at ${surveyUrl}. Reply STOP to opt out.`;
}

/**
 * What an `invitation.reminder_due` webhook carries (docs/design.md §10.3): what the
 * operator needs to remind the customer of a web link it delivered, the link included.
 */
export interface ReminderDue {
  invitationId: string;
  customerRef: string;
  touchpoint: string;
  locale: Locale;
  surveyUrl: string;
  invitedAt: string;
  dueAt: string;
  expiresAt: string;
}

/** The body of an `invitation.reminder_due` webhook: Standard Webhooks' `{type, timestamp, data}`. */
export function reminderDuePayload(reminder: ReminderDue): string {
  return JSON.stringify({
    type: 'invitation.reminder_due',
    timestamp: reminder.dueAt,
    data: reminder,
  });
}

/** The webhook id of an invitation's reminder: the same on every retry. */
export function reminderDueWebhookId(invitationId: string): string {
  return `msg_${invitationId}_reminder_due`;
}
