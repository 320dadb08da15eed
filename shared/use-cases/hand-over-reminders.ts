import { type ContactPolicy, isQuietAt, quietHoursEndAfter } from '../domain/contact-policy.ts';
import { type DueReminder, NOT_SENT_REASONS, type NotSentReason } from '../domain/invitation.ts';
import type { CaseDeliveryQueue } from './open-follow-up-case.ts';

/**
 * What handing a reminder over came to: `handed_over`; `queued_before` (a web reminder
 * marked by an earlier run that stopped before queueing it); `gone` (erased, or handed
 * over or withheld already); `later` (its invitation's first SMS is still unsent); or
 * why it will never be sent.
 */
export type HandOverResult = 'handed_over' | 'queued_before' | 'gone' | 'later' | NotSentReason;

/** Due reminders in the surveys table, and their hand-over (docs/design.md §10.3). */
export interface ReminderStore {
  /** The reminders due by `at`, from the lookback's hours up to `at`. */
  due(at: Date): AsyncIterable<DueReminder>;
  /**
   * Moves an SMS reminder into the sender's outbox (deferred to `sendAt` in quiet hours)
   * and marks its invitation, in one transaction with the checks that the number has not
   * opted out, the first SMS went, and the link is unanswered and unexpired at `at`.
   */
  handOverSms(reminder: DueReminder, at: Date, sendAt: string | undefined): Promise<HandOverResult>;
  /**
   * Marks a web reminder queued, with a pending delivery to each endpoint, under the same
   * checks; the due item stays until its deliveries are queued.
   */
  handOverWeb(
    reminder: DueReminder,
    at: Date,
    endpoints: readonly string[],
  ): Promise<HandOverResult>;
  /** Final: the reminder will never be sent; its due item (and number) goes. */
  withhold(reminder: DueReminder, reason: NotSentReason, at: Date): Promise<void>;
  /** Deletes the due item of a reminder handed over, or of one there is nothing to do for. */
  drop(reminder: DueReminder): Promise<void>;
}

export interface HandOverRemindersDependencies {
  store: ReminderStore;
  queue: CaseDeliveryQueue;
  policy: ContactPolicy;
  /** The endpoints that take `invitation.reminder_due`. */
  endpoints: readonly string[];
}

const isNotSentReason = (result: HandOverResult): result is NotSentReason =>
  (NOT_SENT_REASONS as readonly string[]).includes(result);

/**
 * Hands over one due reminder: an SMS one to the sender's outbox (the sender checks again,
 * atomically, as it sends), a web one to the case delivery queue as one
 * `invitation.reminder_due` webhook per endpoint. Safe to repeat: a reminder is handed
 * over once, and a webhook queued twice keeps its id.
 */
export async function handOverReminder(
  dependencies: HandOverRemindersDependencies,
  reminder: DueReminder,
  at: Date,
): Promise<HandOverResult | 'no_endpoint'> {
  const { store } = dependencies;
  let result: HandOverResult;
  if (reminder.channel === 'sms') {
    const sendAt = isQuietAt(at, dependencies.policy)
      ? quietHoursEndAfter(at, dependencies.policy).toISOString()
      : undefined;
    result = await store.handOverSms(reminder, at, sendAt);
  } else {
    if (dependencies.endpoints.length === 0) {
      await store.drop(reminder);
      return 'no_endpoint';
    }
    result = await store.handOverWeb(reminder, at, dependencies.endpoints);
    if (result === 'handed_over' || result === 'queued_before') {
      await dependencies.queue.send(
        dependencies.endpoints.map((endpoint) => ({
          type: 'invitation.reminder_due' as const,
          invitationId: reminder.invitationId,
          endpoint,
        })),
      );
      await store.drop(reminder);
    }
  }
  if (isNotSentReason(result)) await store.withhold(reminder, result, at);
  else if (result === 'gone') await store.drop(reminder);
  return result;
}

/** Every reminder due by `at`, handed over one after another; the outcomes counted. */
export async function handOverDueReminders(
  dependencies: HandOverRemindersDependencies,
  at: Date,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const reminder of dependencies.store.due(at)) {
    const result = await handOverReminder(dependencies, reminder, at);
    counts[result] = (counts[result] ?? 0) + 1;
  }
  return counts;
}
