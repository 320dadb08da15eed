import {
  type FollowUpAnswers,
  type FollowUpCase,
  type FollowUpRule,
  needsFollowUp,
  openFollowUpCase,
} from '../domain/follow-up.ts';
import type { Touchpoint } from '../domain/survey-definitions.ts';

/** A case's delivery to one endpoint waits on the delivery queue as this message. */
export interface CaseOpenedMessage {
  caseId: string;
  endpoint: string;
  type: 'case.opened';
}

/** A web invitation's reminder to one endpoint, on the same queue (docs/design.md §10.3). */
export interface ReminderDueMessage {
  invitationId: string;
  endpoint: string;
  type: 'invitation.reminder_due';
}

/** What the delivery queue carries: ids only, never the webhook's body. */
export type CaseDeliveryMessage = CaseOpenedMessage | ReminderDueMessage;

/** Where cases are kept: beside their invitation, one each. */
export interface FollowUpCaseStore {
  /** The invitation's customer reference and source; undefined once erased. */
  invitationOf(invitationId: string): Promise<{ customerRef: string; source: string } | undefined>;
  /**
   * Keeps the case, with a pending delivery to each endpoint, unless its invitation has
   * one already or is gone (erased); answers which, and whether its deliveries were
   * queued already.
   */
  open(
    followUpCase: FollowUpCase,
    endpoints: readonly string[],
    source: string,
  ): Promise<{ outcome: 'opened' | 'exists' | 'invitation_gone'; queued: boolean }>;
  /** Notes that the case's deliveries are queued, so a redelivered answer queues none. */
  markQueued(invitationId: string, at: Date): Promise<void>;
}

/** The queue that deliveries wait on between attempts. */
export interface CaseDeliveryQueue {
  send(messages: readonly CaseDeliveryMessage[]): Promise<void>;
}

/** An answered link, as the surveys table's stream gives it. */
export interface AnsweredLink extends FollowUpAnswers {
  invitationId: string;
  touchpoint: Touchpoint;
  answeredBy: 'web' | 'sms';
  region: string;
  service: string;
  answeredAt: string;
}

export interface OpenFollowUpCaseDependencies {
  store: FollowUpCaseStore;
  queue: CaseDeliveryQueue;
  rules: Readonly<Record<Touchpoint, FollowUpRule>>;
  /** The endpoints that take `case.opened`. */
  endpoints: readonly string[];
  now: () => Date;
}

/**
 * Opens the follow-up case an answer calls for, once per invitation, and queues its
 * delivery to each endpoint: a redelivered answer or another channel's answer finds the
 * case there and opens nothing more, and queues only what a failure left unqueued (a
 * message queued twice keeps its webhook id: receivers take it once).
 */
export async function openCaseForAnswer(
  dependencies: OpenFollowUpCaseDependencies,
  link: AnsweredLink,
): Promise<'opened' | 'exists' | 'not_needed' | 'invitation_gone'> {
  if (!needsFollowUp(dependencies.rules[link.touchpoint], link)) return 'not_needed';
  const invitation = await dependencies.store.invitationOf(link.invitationId);
  if (invitation === undefined) return 'invitation_gone';
  const { customerRef, source } = invitation;
  const followUpCase = openFollowUpCase({
    invitationId: link.invitationId,
    customerRef,
    touchpoint: link.touchpoint,
    answeredBy: link.answeredBy,
    region: link.region,
    service: link.service,
    answers: link,
    answeredAt: link.answeredAt,
    now: dependencies.now(),
  });
  const { outcome, queued } = await dependencies.store.open(
    followUpCase,
    dependencies.endpoints,
    source,
  );
  if (!queued && outcome !== 'invitation_gone') {
    if (dependencies.endpoints.length > 0) {
      await dependencies.queue.send(
        dependencies.endpoints.map((endpoint) => ({
          caseId: followUpCase.caseId,
          endpoint,
          type: 'case.opened' as const,
        })),
      );
    }
    await dependencies.store.markQueued(link.invitationId, dependencies.now());
  }
  return outcome;
}
