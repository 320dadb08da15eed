import { type ContactPolicy, decideInvitation } from '../domain/contact-policy.ts';
import type {
  DueReminder,
  Invitation,
  InvitationOutcome,
  InvitationRequest,
  InvitationView,
  SmsOutboxEntry,
} from '../domain/invitation.ts';
import { reminderDueAt } from '../domain/reminders.ts';
import { SURVEYS } from '../domain/survey-definitions.ts';
import {
  encryptPhone,
  hashSurveyToken,
  invitationIdFor,
  phoneHash,
  type SurveyKeys,
  surveyTokenFor,
  surveyUrlFor,
} from '../domain/survey-token.ts';

/** The invitation store (DynamoDB): reads for the decision, one atomic write to create. */
export interface InvitationStore {
  find(invitationId: string): Promise<Invitation | undefined>;
  contactState(
    customerRef: string,
    phoneHash: string,
  ): Promise<{ optedOut: boolean; lastInvitedAt: Date | undefined }>;
  /**
   * Creates the invitation and its token, and moves the customer's last-invited time, all
   * or nothing; refuses when the invitation exists already (its id comes from the event),
   * the phone opted out, or the customer was invited since `capStart` meanwhile. The
   * reminder, when it gets one, is written in the same transaction.
   */
  create(
    invitation: Invitation,
    capStart: Date,
    outbox: SmsOutboxEntry | undefined,
    reminder: DueReminder | undefined,
  ): Promise<'created' | 'duplicate' | 'opted_out' | 'frequency_cap'>;
}

export interface CreateInvitationDependencies {
  store: InvitationStore;
  keys: SurveyKeys;
  policy: ContactPolicy;
  surveyBaseUrl: string;
  tokenTtlDays: number;
  /** Days until an unanswered invitation's reminder (0: none), and the channels that get one. */
  reminders: { afterDays: number; channels: readonly Invitation['channel'][] };
  now: () => Date;
}

const DAY_MS = 86_400_000;

function viewOf(invitation: Invitation, keys: SurveyKeys, surveyBaseUrl: string): InvitationView {
  return {
    invitationId: invitation.invitationId,
    surveyUrl: surveyUrlFor(surveyBaseUrl, keys.tokenKey, invitation.invitationId),
    expiresAt: invitation.expiresAt,
    channel: invitation.channel,
    status: invitation.status,
    ...(invitation.sendAt ? { sendAt: invitation.sendAt } : {}),
    ...(invitation.notSentReason ? { notSentReason: invitation.notSentReason } : {}),
  };
}

/**
 * Creates a survey invitation after a service event, once per `eventId`: honours opt-out,
 * the frequency cap and quiet hours. For SMS the outbox entry (the number, encrypted) is
 * committed in the same transaction, so an invitation is never without its message.
 */
export async function createInvitation(
  dependencies: CreateInvitationDependencies,
  source: string,
  request: InvitationRequest,
): Promise<InvitationOutcome> {
  const { store, keys, policy, surveyBaseUrl, tokenTtlDays } = dependencies;
  const invitationId = invitationIdFor(keys.invitationIdKey, source, request.eventId);
  const now = dependencies.now();
  const hash = phoneHash(keys.phonePepper, request.phone);
  // The customer's state first, then the invitation: one that committed before the first
  // read is seen by the second, so a twin of this event sent at the same time is answered
  // as a duplicate, never refused by the frequency cap its twin just set.
  const contact = await store.contactState(request.customerRef, hash);
  const existing = await store.find(invitationId);
  if (existing) return { outcome: 'duplicate', view: viewOf(existing, keys, surveyBaseUrl) };
  const decision = decideInvitation({
    channel: request.channel,
    deferrable: request.deferrable ?? false,
    now,
    optedOut: contact.optedOut,
    lastInvitedAt: contact.lastInvitedAt,
    policy,
  });
  if (decision.outcome === 'suppress') return { outcome: 'suppressed', reason: decision.reason };

  const expiresAt = new Date(now.getTime() + tokenTtlDays * DAY_MS).toISOString();
  const sendAt = decision.outcome === 'defer' ? decision.sendAt.toISOString() : undefined;
  const dueAt = dependencies.reminders.channels.includes(request.channel)
    ? reminderDueAt({
        createdAt: now.toISOString(),
        sendAt,
        expiresAt,
        afterDays: dependencies.reminders.afterDays,
      })?.toISOString()
    : undefined;
  const invitation: Invitation = {
    invitationId,
    source,
    eventId: request.eventId,
    customerRef: request.customerRef,
    phoneHash: hash,
    locale: request.locale,
    channel: request.channel,
    touchpoint: request.touchpoint,
    surveyVersion: SURVEYS[request.touchpoint].version,
    region: request.region,
    service: request.service,
    occurredAt: new Date(request.occurredAt).toISOString(),
    createdAt: now.toISOString(),
    expiresAt,
    status: decision.status,
    ...(sendAt ? { sendAt } : {}),
    tokenHash: hashSurveyToken(surveyTokenFor(keys.tokenKey, invitationId)),
    ...(dueAt ? { reminderDueAt: dueAt } : {}),
  };
  const capStart = new Date(now.getTime() - policy.frequencyCapDays * DAY_MS);
  const outbox: SmsOutboxEntry | undefined =
    invitation.channel === 'sms'
      ? {
          invitationId,
          phoneCiphertext: encryptPhone(keys.phoneKey, invitationId, request.phone),
          ...(invitation.sendAt ? { sendAt: invitation.sendAt } : {}),
        }
      : undefined;
  const reminder: DueReminder | undefined = dueAt
    ? {
        invitationId,
        channel: invitation.channel,
        dueAt,
        linkExpiresAt: expiresAt,
        phoneHash: hash,
        tokenHash: invitation.tokenHash,
        ...(outbox ? { phoneCiphertext: outbox.phoneCiphertext } : {}),
      }
    : undefined;
  const created = await store.create(invitation, capStart, outbox, reminder);
  switch (created) {
    case 'created':
      return { outcome: 'created', view: viewOf(invitation, keys, surveyBaseUrl) };
    case 'duplicate': {
      const winner = await store.find(invitationId);
      if (!winner) throw new Error(`invitation event ${request.eventId} vanished`);
      return { outcome: 'duplicate', view: viewOf(winner, keys, surveyBaseUrl) };
    }
    default:
      return { outcome: 'suppressed', reason: created };
  }
}
