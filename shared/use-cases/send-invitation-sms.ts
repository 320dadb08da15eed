import type { Invitation, NotSentReason, SmsOutboxEntry, SmsWakeUp } from '../domain/invitation.ts';
import { reminderSmsText } from '../domain/reminders.ts';
import { SMS_TEXTS, type SmsConversation } from '../domain/sms-conversation.ts';
import { decryptPhone } from '../domain/survey-token.ts';

/** The invitation store as the sender needs it. */
export interface SmsInvitationStore {
  /** The invitation and, while it is unsent, its outbox entry. */
  get(
    invitationId: string,
  ): Promise<{ invitation: Invitation; outbox: SmsOutboxEntry | undefined } | undefined>;
  /**
   * Moves queued/deferred → sending in one transaction that also checks, at this moment,
   * that the number has not opted out and the link is unanswered and unexpired. Answers
   * `taken` when another attempt already claimed it, else the reason not to send.
   */
  claim(invitation: Invitation, now: Date): Promise<'claimed' | 'taken' | NotSentReason>;
  /** Final: the SMS will never be sent (status `not_sent`); the outbox entry is deleted. */
  withhold(invitation: Invitation, reason: NotSentReason, at: Date): Promise<void>;
  /** Back to `from` after a failed send, so a retry can claim it again. */
  release(invitationId: string, from: Invitation['status']): Promise<void>;
  /** Records the send, deletes the outbox entry (and so the number), opens the conversation. */
  markSent(invitation: Invitation, sentAt: Date, conversation: SmsConversation): Promise<void>;
  /**
   * Final, for a claim whose sender died between the gateway and `markSent`: status
   * `unconfirmed` (it may have gone; never sent again), the outbox entry (and the number)
   * deleted, the conversation opened so that a reply still counts. Only while the claim is
   * the one made at `claimedAt`; `false` when another delivery resolved it first.
   */
  markUnconfirmed(
    invitation: Invitation,
    claimedAt: string | undefined,
    at: Date,
    conversation: SmsConversation,
  ): Promise<boolean>;
  /**
   * The reminder's claim: its state queued/deferred → sending, in one transaction with the
   * same checks as the first SMS's (not opted out, link unanswered and unexpired).
   */
  claimReminder(invitation: Invitation, now: Date): Promise<'claimed' | 'taken' | NotSentReason>;
  /** Final: the reminder will never be sent; the outbox entry (and the number) goes. */
  withholdReminder(invitation: Invitation, reason: NotSentReason, at: Date): Promise<void>;
  /** Back to `from` after a failed send of the reminder. */
  releaseReminder(invitationId: string, from: Invitation['reminderStatus']): Promise<void>;
  /** Records the reminder sent, deletes the outbox entry, opens the conversation again. */
  markReminderSent(
    invitation: Invitation,
    sentAt: Date,
    conversation: SmsConversation,
  ): Promise<void>;
  /** The reminder's `markUnconfirmed`: `reminderStatus` → `unconfirmed`. */
  markReminderUnconfirmed(
    invitation: Invitation,
    claimedAt: string | undefined,
    at: Date,
    conversation: SmsConversation,
  ): Promise<boolean>;
}

export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
}

export interface SmsWakeUps {
  /** Asks to be woken for a deferred SMS after `delaySeconds` (at most 900). */
  schedule(wakeUp: SmsWakeUp, delaySeconds: number): Promise<void>;
}

/** SQS can delay a message by at most 15 minutes; longer waits hop. */
const MAX_DELAY_SECONDS = 900;

/** The metric an `unconfirmed` SMS counts in, which an alarm watches (infra/constructs). */
export const SMS_UNCONFIRMED_METRIC = 'smsUnconfirmed';

export type SendOutcome =
  | 'sent'
  | 'delayed'
  | 'already_sent'
  | 'no_invitation'
  | 'not_sent'
  | 'unconfirmed';

/**
 * Sends one invitation's first SMS (the CSAT question), at most once: a deferred SMS
 * sleeps on the wake-up queue until its `sendAt`; a claim on the invitation keeps two
 * deliveries of the same outbox entry from both sending, and is refused when the number
 * opted out or the link was answered or expired meanwhile (then never sent: `not_sent`).
 */
export async function sendInvitationSms(
  dependencies: {
    store: SmsInvitationStore;
    gateway: SmsGateway;
    wakeUps: SmsWakeUps;
    /**
     * How long a claim may stay `sending` before its sender is surely gone (longer than the
     * sender's time limit): a delivery that finds an older claim resolves it `unconfirmed`.
     */
    claimLeaseSeconds: number;
    phoneKey: Buffer;
    /** The invitation's survey link, made again from its id, for a reminder's text. */
    surveyUrlOf: (invitationId: string) => string;
    now: () => Date;
  },
  due: { invitationId: string; sendAt?: string | undefined },
): Promise<SendOutcome> {
  const { store, wakeUps } = dependencies;
  const now = dependencies.now();
  if (due.sendAt && Date.parse(due.sendAt) - now.getTime() > 1000) {
    const waitSeconds = Math.ceil((Date.parse(due.sendAt) - now.getTime()) / 1000);
    await wakeUps.schedule(
      { invitationId: due.invitationId, sendAt: due.sendAt },
      Math.min(MAX_DELAY_SECONDS, waitSeconds),
    );
    return 'delayed';
  }
  const found = await store.get(due.invitationId);
  if (!found) return 'no_invitation';
  const { invitation, outbox } = found;
  if (!outbox) return 'already_sent';
  const id = invitation.invitationId;
  // The reminder (docs/design.md §10.3) goes as the first SMS does, at most once and only
  // when a claim made at this moment finds the number not opted out and the link unanswered
  // and unexpired; its own state leaves the invitation's `status` (what the response rate
  // counts) and the customer's last-invited time (the frequency cap) as they are.
  if (outbox.reminder) {
    return claimAndSend(dependencies, outbox, now, {
      state: invitation.reminderStatus,
      claimedAt: invitation.reminderClaimedAt,
      claim: () => store.claimReminder(invitation, now),
      withhold: (reason) => store.withholdReminder(invitation, reason, now),
      release: () => store.releaseReminder(id, invitation.reminderStatus),
      markSent: (conversation) => store.markReminderSent(invitation, now, conversation),
      markUnconfirmed: (conversation) =>
        store.markReminderUnconfirmed(invitation, invitation.reminderClaimedAt, now, conversation),
      text: () => reminderSmsText(invitation.locale, dependencies.surveyUrlOf(id)),
      invitation,
    });
  }
  // A deferred SMS may wake long after the customer opted out or answered on the web.
  return claimAndSend(dependencies, outbox, now, {
    state: invitation.status,
    claimedAt: invitation.claimedAt,
    claim: () => store.claim(invitation, now),
    withhold: (reason) => store.withhold(invitation, reason, now),
    release: () => store.release(id, invitation.status),
    markSent: (conversation) => store.markSent(invitation, now, conversation),
    markUnconfirmed: (conversation) =>
      store.markUnconfirmed(invitation, invitation.claimedAt, now, conversation),
    text: () => SMS_TEXTS.csat?.[invitation.locale] ?? '',
    invitation,
  });
}

/**
 * One SMS of an invitation (the first or its reminder), by the store's operations for it:
 * claimed with the checks of this moment, withheld for good when they fail, released for a
 * retry when the gateway fails, and recorded as sent with the conversation it opens. A
 * claim found still `sending` is a sender that may be at work (then this delivery comes
 * back when the lease is over) or one that died between the gateway and the record (then,
 * the lease over, the SMS is `unconfirmed`: SNS cannot say whether it went, and sending it
 * again could send it twice).
 */
async function claimAndSend(
  dependencies: Parameters<typeof sendInvitationSms>[0],
  outbox: SmsOutboxEntry,
  now: Date,
  sms: {
    invitation: Invitation;
    state: string | undefined;
    claimedAt: string | undefined;
    claim: () => Promise<'claimed' | 'taken' | NotSentReason>;
    withhold: (reason: NotSentReason) => Promise<void>;
    release: () => Promise<void>;
    markSent: (conversation: SmsConversation) => Promise<void>;
    markUnconfirmed: (conversation: SmsConversation) => Promise<boolean>;
    text: () => string;
  },
): Promise<SendOutcome> {
  const conversation: SmsConversation = {
    invitationId: sms.invitation.invitationId,
    locale: sms.invitation.locale,
    step: 'csat',
    answers: {},
    reprompted: false,
    updatedAt: now.toISOString(),
  };
  if (sms.state === 'sending') {
    // A claim made before claims were dated has no lease left.
    const leaseEnds =
      (sms.claimedAt ? Date.parse(sms.claimedAt) : 0) + dependencies.claimLeaseSeconds * 1000;
    if (leaseEnds > now.getTime()) {
      const waitSeconds = Math.ceil((leaseEnds - now.getTime()) / 1000);
      await dependencies.wakeUps.schedule(
        { invitationId: sms.invitation.invitationId, sendAt: new Date(leaseEnds).toISOString() },
        Math.min(MAX_DELAY_SECONDS, waitSeconds),
      );
      return 'delayed';
    }
    return (await sms.markUnconfirmed(conversation)) ? 'unconfirmed' : 'already_sent';
  }
  if (sms.state !== 'queued' && sms.state !== 'deferred') return 'already_sent';
  const claim = await sms.claim();
  if (claim === 'taken') return 'already_sent';
  if (claim !== 'claimed') {
    await sms.withhold(claim);
    return 'not_sent';
  }
  const { invitationId } = sms.invitation;
  try {
    const phone = decryptPhone(dependencies.phoneKey, invitationId, outbox.phoneCiphertext);
    await dependencies.gateway.send(phone, sms.text());
  } catch (error) {
    await sms.release();
    throw error;
  }
  await sms.markSent(conversation);
  return 'sent';
}
