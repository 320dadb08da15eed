import {
  type DeliveryAttempt,
  type DeliveryErrorKind,
  deliveryOutcome,
  retryDelaySeconds,
} from '../domain/delivery-schedule.ts';
import {
  caseOpenedPayload,
  caseOpenedWebhookId,
  type FollowUpCase,
  invitationIdOfCase,
} from '../domain/follow-up.ts';
import { standardWebhookHeaders } from '../http/standard-webhooks.ts';
import type { CaseDeliveryMessage } from './open-follow-up-case.ts';

/** What one POST of a webhook came to: the receiver's status, or how it failed. */
export interface WebhookResponse {
  status?: number;
  error?: DeliveryErrorKind;
}

/** Posts a signed webhook body to an endpoint; never throws for the receiver's failures. */
export type WebhookSender = (
  url: string,
  headers: Record<string, string>,
  body: string,
) => Promise<WebhookResponse>;

/** One endpoint's delivery of a case, as kept on the case. */
export interface EndpointDelivery {
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
}

/** A case as stored: the case, its status, and each endpoint's delivery. */
export type StoredCase = FollowUpCase & {
  status: string;
  deliveries?: Record<string, EndpointDelivery>;
  queuedAt?: string;
};

/** The cases, read and marked by the delivery function. */
export interface CaseDeliveryStore {
  find(invitationId: string): Promise<StoredCase | undefined>;
  /** Adds an attempt to the endpoint's delivery; false when the case is gone. */
  recordAttempt(
    invitationId: string,
    endpoint: string,
    attempt: DeliveryAttempt,
    state: EndpointDelivery['state'],
  ): Promise<boolean>;
}

export interface DeliverCaseDependencies {
  store: CaseDeliveryStore;
  send: WebhookSender;
  /** The endpoint's URL, or undefined when it is no longer configured. */
  urlOf: (endpoint: string) => string | undefined;
  /** The endpoint's active secrets: one, or two during a rotation. */
  secretsOf: (endpoint: string) => Promise<string[]>;
  now: () => Date;
  random: () => number;
  firstRetrySeconds?: number;
}

/** What came of one attempt: done, tried again after `delaySeconds`, or given up. */
export type DeliveryResult =
  | { outcome: 'delivered' | 'already_delivered' | 'gone' }
  | { outcome: 'retry'; delaySeconds: number; attempt: DeliveryAttempt }
  | { outcome: 'final'; attempt?: DeliveryAttempt; reason: string };

/**
 * The case as its webhook carries it: its own fields only, none of the item's keys,
 * delivery records or events.
 */
function followUpCaseOf(stored: StoredCase): FollowUpCase {
  return {
    caseId: stored.caseId,
    invitationId: stored.invitationId,
    customerRef: stored.customerRef,
    touchpoint: stored.touchpoint,
    channel: stored.channel,
    region: stored.region,
    service: stored.service,
    csat: stored.csat,
    ...(stored.nps !== undefined ? { nps: stored.nps } : {}),
    ...(stored.comment !== undefined ? { comment: stored.comment } : {}),
    answeredAt: stored.answeredAt,
    openedAt: stored.openedAt,
  };
}

/**
 * One attempt to deliver a case to an endpoint (docs/design.md §10.1): signed per
 * Standard Webhooks with the endpoint's secrets, its outcome kept on the case, then
 * delivered, retried on the schedule, or given up (to the dead-letter queue).
 */
export async function deliverCase(
  dependencies: DeliverCaseDependencies,
  message: CaseDeliveryMessage,
  attemptNumber: number,
): Promise<DeliveryResult> {
  const invitationId = invitationIdOfCase(message.caseId);
  if (invitationId === undefined) return { outcome: 'final', reason: 'not a case id' };
  const stored = await dependencies.store.find(invitationId);
  const delivery = stored?.deliveries?.[message.endpoint];
  if (!stored || !delivery) return { outcome: 'gone' };
  if (delivery.state === 'delivered') return { outcome: 'already_delivered' };
  const url = dependencies.urlOf(message.endpoint);
  if (url === undefined) return { outcome: 'final', reason: 'endpoint not configured' };

  const body = caseOpenedPayload(followUpCaseOf(stored));
  const at = dependencies.now();
  const headers = standardWebhookHeaders({
    id: caseOpenedWebhookId(message.caseId),
    timestamp: at,
    body,
    secrets: await dependencies.secretsOf(message.endpoint),
  });
  const response = await dependencies.send(url, headers, body);
  let outcome = deliveryOutcome(response);
  const delaySeconds =
    outcome === 'retry'
      ? retryDelaySeconds(attemptNumber, dependencies.random, dependencies.firstRetrySeconds)
      : undefined;
  if (outcome === 'retry' && delaySeconds === undefined) outcome = 'final';
  const attempt: DeliveryAttempt = {
    at: at.toISOString(),
    attempt: attemptNumber,
    ...(response.status !== undefined ? { status: response.status } : {}),
    ...(response.error
      ? { error: response.error }
      : outcome !== 'delivered'
        ? { error: 'http_status' as const }
        : {}),
    outcome,
  };
  const state = outcome === 'delivered' ? 'delivered' : outcome === 'final' ? 'failed' : 'pending';
  const kept = await dependencies.store.recordAttempt(
    invitationId,
    message.endpoint,
    attempt,
    state,
  );
  if (!kept) return { outcome: 'gone' };
  if (outcome === 'delivered') return { outcome: 'delivered' };
  if (outcome === 'retry' && delaySeconds !== undefined) {
    return { outcome: 'retry', delaySeconds, attempt };
  }
  return { outcome: 'final', attempt, reason: attempt.error ?? 'failed' };
}
