import type { Invitation, SmsOutboxMessage } from '../domain/invitation.ts';
import { SMS_TEXTS, type SmsConversation } from '../domain/sms-conversation.ts';

/** The invitation store as the sender needs it. */
export interface SmsInvitationStore {
  get(invitationId: string): Promise<Invitation | undefined>;
  /** Moves queued/deferred → sending; false when another attempt already did. */
  claim(invitationId: string): Promise<boolean>;
  /** Back to `from` after a failed send, so a retry can claim it again. */
  release(invitationId: string, from: Invitation['status']): Promise<void>;
  /** Records the send and opens the SMS conversation keyed by the phone hash. */
  markSent(invitation: Invitation, sentAt: Date, conversation: SmsConversation): Promise<void>;
}

export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
}

export interface SmsOutboxRequeue {
  /** Puts the message back, invisible for `delaySeconds` (at most 900). */
  delay(message: SmsOutboxMessage, delaySeconds: number): Promise<void>;
}

/** SQS can delay a message by at most 15 minutes; longer waits hop. */
const MAX_DELAY_SECONDS = 900;

export type SendOutcome = 'sent' | 'delayed' | 'already_sent' | 'no_invitation';

/**
 * Sends one invitation's first SMS (the CSAT question), at most once: a deferred message
 * waits on the queue until its `sendAt`; a message whose invitation was never committed
 * is dropped; a claim on the invitation keeps two deliveries from both sending.
 */
export async function sendInvitationSms(
  dependencies: {
    store: SmsInvitationStore;
    gateway: SmsGateway;
    outbox: SmsOutboxRequeue;
    now: () => Date;
  },
  message: SmsOutboxMessage,
): Promise<SendOutcome> {
  const { store, gateway, outbox } = dependencies;
  const now = dependencies.now();
  if (message.sendAt && Date.parse(message.sendAt) - now.getTime() > 1000) {
    const waitSeconds = Math.ceil((Date.parse(message.sendAt) - now.getTime()) / 1000);
    await outbox.delay(message, Math.min(MAX_DELAY_SECONDS, waitSeconds));
    return 'delayed';
  }
  const invitation = await store.get(message.invitationId);
  if (!invitation) return 'no_invitation';
  if (invitation.status !== 'queued' && invitation.status !== 'deferred') return 'already_sent';
  if (!(await store.claim(invitation.invitationId))) return 'already_sent';
  const text = SMS_TEXTS.csat?.[invitation.locale] ?? '';
  try {
    await gateway.send(message.phone, text);
  } catch (error) {
    await store.release(invitation.invitationId, invitation.status);
    throw error;
  }
  await store.markSent(invitation, now, {
    invitationId: invitation.invitationId,
    locale: invitation.locale,
    step: 'csat',
    answers: {},
    reprompted: false,
    updatedAt: now.toISOString(),
  });
  return 'sent';
}
