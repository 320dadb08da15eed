import { type ContactPolicy, decideInvitation } from '../domain/contact-policy.ts';
import type {
  Invitation,
  InvitationOutcome,
  InvitationRequest,
  InvitationView,
  SmsOutboxMessage,
} from '../domain/invitation.ts';
import { SURVEYS } from '../domain/survey-definitions.ts';
import {
  hashSurveyToken,
  newInvitationId,
  phoneHash,
  type SurveyKeys,
  surveyTokenFor,
} from '../domain/survey-token.ts';

/** The invitation store (DynamoDB): reads for the decision, one atomic write to create. */
export interface InvitationStore {
  findByEvent(source: string, eventId: string): Promise<Invitation | undefined>;
  contactState(
    customerRef: string,
    phoneHash: string,
  ): Promise<{ optedOut: boolean; lastInvitedAt: Date | undefined }>;
  /**
   * Creates the invitation, its token and its event record, and moves the customer's
   * last-invited time, all or nothing; refuses when the event is already recorded, the
   * phone opted out, or the customer was invited since `capStart` meanwhile.
   */
  create(
    invitation: Invitation,
    capStart: Date,
  ): Promise<'created' | 'duplicate' | 'opted_out' | 'frequency_cap'>;
}

/** The SMS outbox (SQS). */
export interface SmsOutbox {
  enqueue(message: SmsOutboxMessage): Promise<void>;
}

export interface CreateInvitationDependencies {
  store: InvitationStore;
  outbox: SmsOutbox;
  keys: SurveyKeys;
  policy: ContactPolicy;
  surveyBaseUrl: string;
  tokenTtlDays: number;
  now: () => Date;
}

const DAY_MS = 86_400_000;

async function queueIfUnsent(outbox: SmsOutbox, invitation: Invitation, phone: string) {
  if (invitation.channel !== 'sms') return;
  if (invitation.status !== 'queued' && invitation.status !== 'deferred') return;
  await outbox.enqueue({
    invitationId: invitation.invitationId,
    phone,
    locale: invitation.locale,
    ...(invitation.sendAt ? { sendAt: invitation.sendAt } : {}),
  });
}

function viewOf(invitation: Invitation, keys: SurveyKeys, surveyBaseUrl: string): InvitationView {
  const token = surveyTokenFor(keys.tokenKey, invitation.invitationId);
  return {
    invitationId: invitation.invitationId,
    surveyUrl: `${surveyBaseUrl.replace(/\/$/, '')}/s/${token}`,
    expiresAt: invitation.expiresAt,
    channel: invitation.channel,
    status: invitation.status,
    ...(invitation.sendAt ? { sendAt: invitation.sendAt } : {}),
  };
}

/**
 * Creates a survey invitation after a service event, once per `eventId`: honours opt-out,
 * the frequency cap and quiet hours. For SMS the message is queued after the invitation
 * is committed; should queueing fail, the caller's retry with the same `eventId` queues it
 * again while the invitation is unsent (the sender sends each invitation once).
 */
export async function createInvitation(
  dependencies: CreateInvitationDependencies,
  source: string,
  request: InvitationRequest,
): Promise<InvitationOutcome> {
  const { store, outbox, keys, policy, surveyBaseUrl, tokenTtlDays } = dependencies;
  const existing = await store.findByEvent(source, request.eventId);
  if (existing) {
    await queueIfUnsent(outbox, existing, request.phone);
    return { outcome: 'duplicate', view: viewOf(existing, keys, surveyBaseUrl) };
  }

  const now = dependencies.now();
  const hash = phoneHash(keys.phonePepper, request.phone);
  const contact = await store.contactState(request.customerRef, hash);
  const decision = decideInvitation({
    channel: request.channel,
    deferrable: request.deferrable ?? false,
    now,
    optedOut: contact.optedOut,
    lastInvitedAt: contact.lastInvitedAt,
    policy,
  });
  if (decision.outcome === 'suppress') return { outcome: 'suppressed', reason: decision.reason };

  const invitationId = newInvitationId();
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
    expiresAt: new Date(now.getTime() + tokenTtlDays * DAY_MS).toISOString(),
    status: decision.status,
    ...(decision.outcome === 'defer' ? { sendAt: decision.sendAt.toISOString() } : {}),
    tokenHash: hashSurveyToken(surveyTokenFor(keys.tokenKey, invitationId)),
  };
  const capStart = new Date(now.getTime() - policy.frequencyCapDays * DAY_MS);
  const created = await store.create(invitation, capStart);
  switch (created) {
    case 'created':
      await queueIfUnsent(outbox, invitation, request.phone);
      return { outcome: 'created', view: viewOf(invitation, keys, surveyBaseUrl) };
    case 'duplicate': {
      const winner = await store.findByEvent(source, request.eventId);
      if (!winner) throw new Error(`invitation event ${request.eventId} vanished`);
      await queueIfUnsent(outbox, winner, request.phone);
      return { outcome: 'duplicate', view: viewOf(winner, keys, surveyBaseUrl) };
    }
    default:
      return { outcome: 'suppressed', reason: created };
  }
}
