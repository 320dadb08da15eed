import { reminderHourOf, reminderShardOf } from '../domain/reminders.ts';
import { TTL_ATTRIBUTE, tableDesign } from './table.ts';

/**
 * The surveys table (docs/data-model.md): invitations, their SMS outbox entries, survey
 * links (token items, which become the responses), contact records, opt-outs, SMS
 * conversations and inbound message ids. Its stream feeds the SMS sender and the
 * response aggregator, which tell items apart by their sort key.
 */
export const SURVEYS_TABLE = /* @__PURE__ */ tableDesign({
  timeToLiveAttribute: TTL_ATTRIBUTE,
  indexes: {
    /** A customer's invitations, for erasure; only the keys are copied. */
    byCustomer: {
      name: 'byCustomer',
      partitionKey: 'customerRef',
      sortKey: 'createdAt',
      keysOnly: true,
    },
    /**
     * Follow-up cases by the UTC day of their answer, for the report builder: only `CASE`
     * items carry `answeredDay`, so the index holds cases alone (at most one answer in ten),
     * with what survey.detractor_followup_within_48h_pct reads and nothing personal.
     */
    casesByAnsweredDay: {
      name: 'casesByAnsweredDay',
      partitionKey: 'answeredDay',
      keysOnly: false,
      include: ['answeredAt', 'firstContactedAt', 'region', 'service', 'touchpoint', 'channel'],
    },
  },
});

/**
 * The UTC day (`YYYY-MM-DD`) a case is indexed under: UTC, not the reporting zone, so the
 * case function needs no zone and a changed zone re-reads the same items; the builder
 * reads the UTC days that cover its periods and keeps the answers inside them.
 */
export const answeredDayOf = (answeredAt: string) =>
  new Date(answeredAt).toISOString().slice(0, 10);

/** The sort key of each kind of item: stream filters and readers select by it. */
export const SURVEY_ITEMS = {
  invitation: 'INVITATION',
  smsOutbox: 'OUTBOX',
  token: 'TOKEN',
  customerContact: 'CONTACT',
  optOut: 'OPTOUT',
  conversation: 'CONVERSATION',
  inboundSms: 'INBOUND',
  followUpCase: 'CASE',
  /** The prefix of a due reminder's sort key: `REMINDER#<dueAt>#<invitationId>`. */
  reminderDue: 'REMINDER#',
} as const;

/** One shard of one hour's due reminders. */
export function reminderPartition(hour: string, shard: number): string {
  return `REMINDERS#${hour}#${shard}`;
}

/** Key layout of the surveys table. */
export const surveyKeys = {
  invitation: (invitationId: string) => ({
    pk: `INVITATION#${invitationId}`,
    sk: SURVEY_ITEMS.invitation,
  }),
  smsOutbox: (invitationId: string) => ({
    pk: `INVITATION#${invitationId}`,
    sk: SURVEY_ITEMS.smsOutbox,
  }),
  token: (tokenHash: string) => ({ pk: `TOKEN#${tokenHash}`, sk: SURVEY_ITEMS.token }),
  customerContact: (customerRef: string) => ({
    pk: `CUSTOMER#${customerRef}`,
    sk: SURVEY_ITEMS.customerContact,
  }),
  optOut: (phoneHash: string) => ({ pk: `PHONE#${phoneHash}`, sk: SURVEY_ITEMS.optOut }),
  /** A phone's SMS survey in progress; the newest survey sent to the number wins. */
  conversation: (phoneHash: string) => ({
    pk: `PHONE#${phoneHash}`,
    sk: SURVEY_ITEMS.conversation,
  }),
  /** An inbound SMS's gateway message id, with the reply it got, for retries. */
  inboundSms: (messageSid: string) => ({ pk: `SMS#${messageSid}`, sk: SURVEY_ITEMS.inboundSms }),
  /** The follow-up case of an invitation: one, in the invitation's partition. */
  followUpCase: (invitationId: string) => ({
    pk: `INVITATION#${invitationId}`,
    sk: SURVEY_ITEMS.followUpCase,
  }),
  /**
   * An invitation's reminder waiting to come due, in the partition of its due hour and
   * shard, sorted by when it is due: a run reads what is due with one query per partition.
   */
  reminderDue: (invitationId: string, dueAt: string) => ({
    pk: reminderPartition(reminderHourOf(new Date(dueAt)), reminderShardOf(invitationId)),
    sk: `${SURVEY_ITEMS.reminderDue}${dueAt}#${invitationId}`,
  }),
};

/**
 * The stream filter pattern of a link becoming answered (a `TOKEN` gaining `answeredAt`)
 * whose new image also matches `newImage`: what the follow-up case function reads.
 */
export function answeredLinkPattern(newImage: Record<string, unknown>) {
  return {
    eventName: ['MODIFY'],
    dynamodb: {
      Keys: { sk: { S: [SURVEY_ITEMS.token] } },
      NewImage: { ...newImage, answeredAt: { S: [{ exists: true }] } },
      OldImage: { answeredAt: { S: [{ exists: false }] } },
    },
  };
}
