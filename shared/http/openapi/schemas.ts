import * as z from 'zod/mini';
import { ComplaintBatchSchema, ComplaintEventSchema } from '../../domain/complaint-event.ts';
import { oneOf } from '../../domain/fields.ts';
import { NOT_SENT_REASONS } from '../../domain/invitation.ts';
import { REPORT_ID_PATTERN } from '../../domain/report-id.ts';
import { LOCALES, TOUCHPOINTS } from '../../domain/survey-definitions.ts';
import { SURVEY_TOKEN_PATTERN } from '../../domain/survey-token.ts';

/*
 * The HTTP API's schemas that no handler validates with today: the answers (the handlers
 * build them as plain objects), the path parameters they check with a regular expression,
 * and the SMS gateway's form, whose schema lives inside its handler. Handlers should
 * import these instead, so that the OpenAPI document and the code cannot drift apart.
 */

/** `POST /webhooks/complaints/{source}`: one event, or a batch of 1–100 (docs/design.md §3). */
export const ComplaintWebhookBodySchema = z.union([ComplaintEventSchema, ComplaintBatchSchema]);

export { InboundSmsSchema } from '../../domain/inbound-sms.ts';

/** A survey token as issued: 256 bits, base64url (docs/design.md §4.4). */
export const SurveyTokenSchema = z.string().check(z.regex(SURVEY_TOKEN_PATTERN));

/** A month, quarter or year from 1970 on: `2026-10`, `2026-Q3`, `2026`. */
export const PERIOD_ID_PATTERN = /^(?:19[7-9]\d|[2-9]\d{3})(?:-(?:0[1-9]|1[0-2]|Q[1-4]))?$/;

/** The id of a month, quarter or year (docs/design.md §3). */
export const PeriodIdSchema = z
  .string()
  .check(
    z.regex(PERIOD_ID_PATTERN, 'must be a month (2026-10), a quarter (2026-Q3) or a year (2026)'),
  );

/** A report's id: its build time and a random suffix. */
export const ReportIdSchema = z.string().check(z.regex(REPORT_ID_PATTERN));

/** Why an invitation was suppressed (docs/design.md §5). */
export const SUPPRESSION_REASONS = ['opted_out', 'frequency_cap', 'quiet_hours'] as const;

/** One invalid field, located by an RFC 6901 JSON pointer. */
export const FieldErrorSchema = z.object({
  pointer: z.string().check(z.regex(/^(?:\/(?:[^~/]|~[01])*)*$/)),
  detail: z.string(),
});

/** An RFC 9457 problem details document, as every function answers a refusal. */
export const ProblemDetailsSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int().check(z.gte(400), z.lte(599)),
  detail: z.string(),
  errors: z.optional(z.array(FieldErrorSchema)),
  reason: z.optional(z.enum(SUPPRESSION_REASONS, { error: oneOf(SUPPRESSION_REASONS) })),
});

/** The body of a refusal that API Gateway makes itself, before any function runs. */
export const GatewayMessageSchema = z.object({ message: z.string() });

/** Invitation `status` (docs/design.md §3). */
export const INVITATION_STATUSES = [
  'created',
  'queued',
  'deferred',
  'sending',
  'sent',
  'unconfirmed',
  'not_sent',
] as const;

/** The answer to `POST /invitations`, the same for a repeated `eventId`. */
export const InvitationViewSchema = z.object({
  invitationId: z.string(),
  surveyUrl: z.url(),
  expiresAt: z.iso.datetime({ offset: true }),
  channel: z.enum(['sms', 'web']),
  status: z.enum(INVITATION_STATUSES),
  sendAt: z.optional(z.iso.datetime({ offset: true })),
  notSentReason: z.optional(z.enum(NOT_SENT_REASONS)),
});

/** The answer to `POST /webhooks/complaints/{source}`: how many events were queued. */
export const ComplaintsAcceptedSchema = z.object({
  accepted: z.int().check(z.gte(1), z.lte(100)),
});

/** The answer to a JSON `POST /s/{token}`. */
export const SurveyAnswerRecordedSchema = z.object({ status: z.literal('recorded') });

/** A report as listed: the files the caller's group may download. */
export const ReportSummarySchema = z.object({
  reportId: ReportIdSchema,
  profile: z.string(),
  period: PeriodIdSchema,
  generatedAt: z.iso.datetime({ offset: true }),
  files: z.array(z.string()),
});

/** The answer to `GET /reports`, newest first. */
export const ReportListSchema = z.object({ reports: z.array(ReportSummarySchema) });

/** `manifest.json` (docs/design.md §7): every file's size and digest, as signed. */
export const ReportManifestSchema = z.object({
  reportId: ReportIdSchema,
  profile: z.string(),
  period: PeriodIdSchema,
  generatedAt: z.iso.datetime({ offset: true }),
  codeVersion: z.string(),
  dataWatermark: z.string(),
  signature: z.object({
    file: z.literal('manifest.sig'),
    algorithm: z.literal('ECDSA_SHA_256'),
    curve: z.literal('P-256'),
  }),
  files: z.array(
    z.object({
      name: z.string(),
      bytes: z.int().check(z.gte(0)),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    }),
  ),
});

/** The answer to `GET /reports/{reportId}`: the summary, the manifest and its signature. */
export const ReportDetailSchema = z.object({
  ...ReportSummarySchema.shape,
  manifest: ReportManifestSchema,
  /** `manifest.sig`, base64 DER (a pattern: zod's `base64` format is not JSON Schema's). */
  signature: z.string().check(z.regex(/^[A-Za-z0-9+/]+={0,2}$/)),
});

/** The answer to `POST /reports/runs`: the run, queued for the builder. */
export const ReportRunQueuedSchema = z.object({
  runId: z.uuid(),
  profile: z.string(),
  period: PeriodIdSchema,
});

/** The answer to `PUT /reference/subscribers/{period}`: the version stored. */
export const SubscriberCountsStoredSchema = z.object({
  period: PeriodIdSchema,
  version: z.string(),
  rows: z.int().check(z.gte(1)),
});

/** The answer to `DELETE /customers/{customerRef}`: counts only, nothing that identifies. */
export const CustomerErasedSchema = z.object({
  status: z.literal('erased'),
  invitations: z.int().check(z.gte(0)),
  surveyItemsDeleted: z.int().check(z.gte(0)),
  complaintsAnonymised: z.int().check(z.gte(0)),
  complaintEventsAnonymised: z.int().check(z.gte(0)),
});

/** A follow-up case as webhooks carry it (docs/design.md §10). */
export const FollowUpCaseSchema = z.object({
  caseId: z.string().check(z.regex(/^case_[A-Za-z0-9_-]{22}$/)),
  invitationId: z.string(),
  customerRef: z.string(),
  touchpoint: z.enum(TOUCHPOINTS),
  channel: z.enum(['web', 'sms']),
  region: z.string(),
  service: z.string(),
  csat: z.int().check(z.gte(1), z.lte(5)),
  nps: z.optional(z.int().check(z.gte(0), z.lte(10))),
  comment: z.optional(z.string()),
  answeredAt: z.iso.datetime({ offset: true }),
  openedAt: z.iso.datetime({ offset: true }),
});

/** The body of a `case.opened` webhook (Standard Webhooks' `{type, timestamp, data}`). */
export const CaseOpenedWebhookSchema = z.object({
  type: z.literal('case.opened'),
  timestamp: z.iso.datetime({ offset: true }),
  data: FollowUpCaseSchema,
});

/** The body of an `invitation.reminder_due` webhook (docs/design.md §10.3). */
export const ReminderDueWebhookSchema = z.object({
  type: z.literal('invitation.reminder_due'),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.object({
    invitationId: z.string(),
    customerRef: z.string(),
    touchpoint: z.enum(TOUCHPOINTS),
    locale: z.enum(LOCALES),
    surveyUrl: z.url(),
    invitedAt: z.iso.datetime({ offset: true }),
    dueAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
});

/** The answer to `POST /cases/{caseId}/events`: the case's follow-up, folded from its events. */
export const CaseFollowUpSchema = z.object({
  caseId: z.string(),
  status: z.enum(['open', 'unreachable', 'contacted', 'resolved']),
  firstContactedAt: z.optional(z.iso.datetime({ offset: true })),
  resolvedAt: z.optional(z.iso.datetime({ offset: true })),
});
