import * as z from 'zod/mini';
import type { SuppressionReason } from './contact-policy.ts';
import {
  type EventWindow,
  eventWindowDetail,
  isWithinEventWindow,
  oneOf,
  opaqueId,
  RegionSchema,
  rfc3339,
  SERVICES,
} from './fields.ts';
import type { ReminderStatus } from './reminders.ts';
import { LOCALES, TOUCHPOINTS } from './survey-definitions.ts';
import { type FieldError, fieldErrorsOf } from './validation.ts';

const CHANNELS = ['sms', 'web'] as const;

/** `POST /invitations` (docs/design.md §3): an operator system asks for a survey invitation. */
export const InvitationRequestSchema = z.strictObject({
  eventId: opaqueId,
  customerRef: opaqueId,
  phone: z
    .string()
    .check(z.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +8613800138000')),
  locale: z.enum(LOCALES, { error: oneOf(LOCALES) }),
  channel: z.enum(CHANNELS, { error: oneOf(CHANNELS) }),
  touchpoint: z.enum(TOUCHPOINTS, { error: oneOf(TOUCHPOINTS) }),
  region: RegionSchema,
  service: z.enum(SERVICES, { error: oneOf(SERVICES) }),
  occurredAt: rfc3339,
  deferrable: z.optional(z.boolean({ error: 'must be true or false' })),
});
export type InvitationRequest = z.infer<typeof InvitationRequestSchema>;

/**
 * Reads an invitation request, or names each invalid field; with a `window`, its
 * `occurredAt` must lie within it, as a complaint event's must.
 */
export function parseInvitationRequest(
  body: unknown,
  window?: EventWindow,
): { success: true; request: InvitationRequest } | { success: false; errors: FieldError[] } {
  const parsed = InvitationRequestSchema.safeParse(body);
  if (!parsed.success) return { success: false, errors: fieldErrorsOf(parsed.error) };
  if (window && !isWithinEventWindow(parsed.data.occurredAt, window)) {
    return {
      success: false,
      errors: [{ pointer: '/occurredAt', detail: eventWindowDetail(window) }],
    };
  }
  return { success: true, request: parsed.data };
}

/**
 * `sending` lies between the claim and the record of the send; `unconfirmed` is final: the
 * sender died in between, so whether the SMS went is unknown (docs/design.md §3).
 */
export type InvitationStatus =
  | 'created'
  | 'queued'
  | 'deferred'
  | 'sending'
  | 'sent'
  | 'unconfirmed'
  | 'not_sent';

/** Why an SMS invitation was never sent (docs/design.md §3): checked when it was due. */
export const NOT_SENT_REASONS = ['opted_out', 'answered', 'expired'] as const;
export type NotSentReason = (typeof NOT_SENT_REASONS)[number];

/** An invitation as stored: no phone number, no token; their hashes only. */
export interface Invitation {
  invitationId: string;
  source: string;
  eventId: string;
  customerRef: string;
  phoneHash: string;
  locale: InvitationRequest['locale'];
  channel: InvitationRequest['channel'];
  touchpoint: InvitationRequest['touchpoint'];
  surveyVersion: number;
  region: string;
  service: InvitationRequest['service'];
  occurredAt: string;
  createdAt: string;
  expiresAt: string;
  status: InvitationStatus;
  /** When the SMS sender claimed it (status `sending`): the claim's lease starts here. */
  claimedAt?: string;
  sendAt?: string;
  notSentReason?: NotSentReason;
  tokenHash: string;
  /** When its one reminder comes due (docs/design.md §10.3); absent when it gets none. */
  reminderDueAt?: string;
  reminderStatus?: ReminderStatus;
  reminderClaimedAt?: string;
  reminderNotSentReason?: NotSentReason;
}

/** The answer to `POST /invitations`, the same for a repeated `eventId`. */
export interface InvitationView {
  invitationId: string;
  surveyUrl: string;
  expiresAt: string;
  channel: Invitation['channel'];
  status: InvitationStatus;
  sendAt?: string;
  notSentReason?: NotSentReason;
}

/** The outcome of an invitation request, which the intake maps to 201, 200 or 409. */
export type InvitationOutcome =
  | { outcome: 'created'; view: InvitationView }
  | { outcome: 'duplicate'; view: InvitationView }
  | { outcome: 'suppressed'; reason: SuppressionReason };

/**
 * An SMS waiting to be sent, written with its invitation in one transaction (a
 * transactional outbox read from the table's stream). The number is stored encrypted and
 * deleted once sent; the item expires with the survey link at the latest.
 */
export interface SmsOutboxEntry {
  invitationId: string;
  phoneCiphertext: string;
  sendAt?: string;
  /** The invitation's reminder rather than its first SMS (docs/design.md §10.3). */
  reminder?: boolean;
}

/**
 * An invitation's reminder waiting to come due, written with the invitation (the one
 * extra item of a new invitation): what the run that hands it over checks, and for SMS
 * the number, encrypted as on the outbox entry. It expires with the link.
 */
export interface DueReminder {
  invitationId: string;
  channel: Invitation['channel'];
  dueAt: string;
  linkExpiresAt: string;
  phoneHash: string;
  tokenHash: string;
  phoneCiphertext?: string;
}

/** The sender's wake-up for a deferred SMS: names the invitation, never the number. */
export interface SmsWakeUp {
  invitationId: string;
  sendAt: string;
}
