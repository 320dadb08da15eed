import type { Touchpoint } from './survey-definitions.ts';

/**
 * What makes an answer need a follow-up call (docs/design.md §10): any one of its
 * conditions. A condition left out never applies; a rule with none never opens a case.
 */
export interface FollowUpRule {
  /** A CSAT (1–5) at most this. */
  csatAtMost?: number;
  /** An NPS (0–10) at most this (an SMS survey may end without one). */
  npsAtMost?: number;
  /** A comment, with a CSAT at most this. */
  commentWhenCsatAtMost?: number;
}

/** CSAT ≤ 2, or NPS ≤ 6 (a detractor), or a comment when the CSAT is ≤ 3. */
export const DEFAULT_FOLLOW_UP_RULE: Readonly<FollowUpRule> = {
  csatAtMost: 2,
  npsAtMost: 6,
  commentWhenCsatAtMost: 3,
};

/** An answered link's scores and comment, whichever channel brought them. */
export interface FollowUpAnswers {
  csat: number;
  nps?: number | undefined;
  comment?: string | undefined;
}

/** Whether an answer meets its touchpoint's follow-up rule. */
export function needsFollowUp(rule: FollowUpRule, answers: FollowUpAnswers): boolean {
  const { csat, nps, comment } = answers;
  if (rule.csatAtMost !== undefined && csat <= rule.csatAtMost) return true;
  if (rule.npsAtMost !== undefined && nps !== undefined && nps <= rule.npsAtMost) return true;
  return (
    rule.commentWhenCsatAtMost !== undefined &&
    comment !== undefined &&
    comment !== '' &&
    csat <= rule.commentWhenCsatAtMost
  );
}

/** Lambda allows five filters on an event source mapping (more only by a quota increase). */
export const MAX_STREAM_FILTERS = 5;

const scoresUpTo = (min: number, atMost: number) =>
  Array.from({ length: Math.max(0, atMost - min + 1) }, (_, index) => String(min + index));

/**
 * The rules as conditions on an answered link's stream image, so that only answers that
 * need a follow-up invoke the case function and the answer's own write is all the others
 * cost. A stream image holds numbers as strings (`{"N": "2"}`), which Lambda's numeric
 * matching does not read, so a score matches by listing the values up to its threshold.
 * Touchpoints that share a threshold share a condition: the default rule makes three.
 */
export function followUpImageConditions(
  rules: Readonly<Partial<Record<Touchpoint, FollowUpRule>>>,
): Record<string, unknown>[] {
  const grouped = new Map<string, { touchpoints: Touchpoint[]; image: Record<string, unknown> }>();
  const add = (key: string, touchpoint: Touchpoint, image: Record<string, unknown>) => {
    const group = grouped.get(key) ?? { touchpoints: [], image };
    group.touchpoints.push(touchpoint);
    grouped.set(key, group);
  };
  for (const [touchpoint, rule] of Object.entries(rules) as [Touchpoint, FollowUpRule][]) {
    if (rule.csatAtMost !== undefined && rule.csatAtMost >= 1) {
      add(`csat ${rule.csatAtMost}`, touchpoint, {
        csat: { N: scoresUpTo(1, rule.csatAtMost) },
      });
    }
    if (rule.npsAtMost !== undefined && rule.npsAtMost >= 0) {
      add(`nps ${rule.npsAtMost}`, touchpoint, { nps: { N: scoresUpTo(0, rule.npsAtMost) } });
    }
    if (rule.commentWhenCsatAtMost !== undefined && rule.commentWhenCsatAtMost >= 1) {
      add(`comment ${rule.commentWhenCsatAtMost}`, touchpoint, {
        csat: { N: scoresUpTo(1, rule.commentWhenCsatAtMost) },
        comment: { S: [{ exists: true }] },
      });
    }
  }
  const conditions = [...grouped.values()].map(({ touchpoints, image }) => ({
    touchpoint: { S: touchpoints },
    ...image,
  }));
  if (conditions.length > MAX_STREAM_FILTERS) {
    throw new Error(
      `the touchpoints' follow-up rules need ${conditions.length} stream filters; Lambda allows ${MAX_STREAM_FILTERS}: share thresholds between touchpoints`,
    );
  }
  return conditions;
}

/** The case of an invitation: one per invitation, so its id is derived from the invitation's. */
export function caseIdFor(invitationId: string): string {
  return `case_${invitationId}`;
}

const CASE_ID = /^case_([A-Za-z0-9_-]{22})$/;

/** The invitation of a case id, or undefined when it is no case id of ours. */
export function invitationIdOfCase(caseId: string): string | undefined {
  return CASE_ID.exec(caseId)?.[1];
}

/** What a person needs to call the customer back (docs/design.md §10). */
export interface FollowUpCase {
  caseId: string;
  invitationId: string;
  customerRef: string;
  touchpoint: Touchpoint;
  /** How the customer answered. */
  channel: 'web' | 'sms';
  region: string;
  service: string;
  csat: number;
  nps?: number;
  comment?: string;
  answeredAt: string;
  openedAt: string;
}

/** The case an answer opens, from the answered link and its invitation's customer. */
export function openFollowUpCase(options: {
  invitationId: string;
  customerRef: string;
  touchpoint: Touchpoint;
  answeredBy: 'web' | 'sms';
  region: string;
  service: string;
  answers: FollowUpAnswers;
  answeredAt: string;
  now: Date;
}): FollowUpCase {
  const { answers } = options;
  return {
    caseId: caseIdFor(options.invitationId),
    invitationId: options.invitationId,
    customerRef: options.customerRef,
    touchpoint: options.touchpoint,
    channel: options.answeredBy,
    region: options.region,
    service: options.service,
    csat: answers.csat,
    ...(answers.nps !== undefined ? { nps: answers.nps } : {}),
    ...(answers.comment ? { comment: answers.comment } : {}),
    answeredAt: options.answeredAt,
    openedAt: options.now.toISOString(),
  };
}

/** The webhook event types an endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['case.opened', 'invitation.reminder_due'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The body of a `case.opened` webhook: Standard Webhooks' `{type, timestamp, data}`. */
export function caseOpenedPayload(followUpCase: FollowUpCase): string {
  return JSON.stringify({
    type: 'case.opened',
    timestamp: followUpCase.openedAt,
    data: followUpCase,
  });
}

/** The webhook id of a case's `case.opened` message: the same on every retry. */
export function caseOpenedWebhookId(caseId: string): string {
  return `msg_${caseId}_opened`;
}
