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
import { type ReminderDue, reminderDuePayload, reminderDueWebhookId } from '../domain/reminders.ts';
import { standardWebhookHeaders } from '../http/standard-webhooks.ts';
import type { CaseOpenedMessage, ReminderDueMessage } from './open-follow-up-case.ts';

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

/** The webhook deliveries of reminders, kept on their invitations. */
export interface ReminderDeliveryStore {
  /**
   * What the reminder webhook carries, the endpoint's delivery, and whether the link is
   * still open (unanswered, unexpired at `now`); undefined once erased.
   */
  findReminder(
    invitationId: string,
    endpoint: string,
    now: Date,
  ): Promise<
    | {
        reminder: Omit<ReminderDue, 'surveyUrl'>;
        delivery: EndpointDelivery | undefined;
        linkOpen: boolean;
      }
    | undefined
  >;
  /** Adds an attempt to the reminder's delivery to the endpoint; false when it is gone. */
  recordReminderAttempt(
    invitationId: string,
    endpoint: string,
    attempt: DeliveryAttempt,
    state: EndpointDelivery['state'],
  ): Promise<boolean>;
}

/** What one attempt needs besides the message: the body, its id, where its outcome goes. */
async function attemptDelivery(
  dependencies: Omit<DeliverCaseDependencies, 'store'>,
  webhook: { id: string; body: string; endpoint: string },
  attemptNumber: number,
  record: (attempt: DeliveryAttempt, state: EndpointDelivery['state']) => Promise<boolean>,
): Promise<DeliveryResult> {
  const url = dependencies.urlOf(webhook.endpoint);
  if (url === undefined) return { outcome: 'final', reason: 'endpoint not configured' };
  const at = dependencies.now();
  const headers = standardWebhookHeaders({
    id: webhook.id,
    timestamp: at,
    body: webhook.body,
    secrets: await dependencies.secretsOf(webhook.endpoint),
  });
  const response = await dependencies.send(url, headers, webhook.body);
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
  if (!(await record(attempt, state))) return { outcome: 'gone' };
  if (outcome === 'delivered') return { outcome: 'delivered' };
  if (outcome === 'retry' && delaySeconds !== undefined) {
    return { outcome: 'retry', delaySeconds, attempt };
  }
  return { outcome: 'final', attempt, reason: attempt.error ?? 'failed' };
}

/**
 * One attempt to deliver a case to an endpoint (docs/design.md §10.1): signed per
 * Standard Webhooks with the endpoint's secrets, its outcome kept on the case, then
 * delivered, retried on the schedule, or given up (to the dead-letter queue).
 */
export async function deliverCase(
  dependencies: DeliverCaseDependencies,
  message: CaseOpenedMessage,
  attemptNumber: number,
): Promise<DeliveryResult> {
  const invitationId = invitationIdOfCase(message.caseId);
  if (invitationId === undefined) return { outcome: 'final', reason: 'not a case id' };
  const stored = await dependencies.store.find(invitationId);
  const delivery = stored?.deliveries?.[message.endpoint];
  if (!stored || !delivery) return { outcome: 'gone' };
  if (delivery.state === 'delivered') return { outcome: 'already_delivered' };
  return attemptDelivery(
    dependencies,
    {
      id: caseOpenedWebhookId(message.caseId),
      body: caseOpenedPayload(followUpCaseOf(stored)),
      endpoint: message.endpoint,
    },
    attemptNumber,
    (attempt, state) =>
      dependencies.store.recordAttempt(invitationId, message.endpoint, attempt, state),
  );
}

/**
 * One attempt to deliver a web invitation's reminder to an endpoint (docs/design.md
 * §10.3), as a case is delivered: the same signing, retries and dead-letter queue. A link
 * answered or expired since the reminder came due is not reminded of (`gone`).
 */
export async function deliverReminder(
  dependencies: Omit<DeliverCaseDependencies, 'store'> & {
    store: ReminderDeliveryStore;
    /** The invitation's survey link, made again from its id (only its hash is stored). */
    surveyUrlOf: (invitationId: string) => Promise<string>;
  },
  message: ReminderDueMessage,
  attemptNumber: number,
): Promise<DeliveryResult> {
  const { invitationId, endpoint } = message;
  const found = await dependencies.store.findReminder(invitationId, endpoint, dependencies.now());
  if (!found?.delivery || !found.linkOpen) return { outcome: 'gone' };
  if (found.delivery.state === 'delivered') return { outcome: 'already_delivered' };
  const surveyUrl = await dependencies.surveyUrlOf(invitationId);
  return attemptDelivery(
    dependencies,
    {
      id: reminderDueWebhookId(invitationId),
      body: reminderDuePayload({ ...found.reminder, surveyUrl }),
      endpoint,
    },
    attemptNumber,
    (attempt, state) =>
      dependencies.store.recordReminderAttempt(invitationId, endpoint, attempt, state),
  );
}
