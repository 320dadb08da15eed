import * as z from 'zod/mini';
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
import { type FieldError, fieldErrorsOf } from './validation.ts';

export { MAX_EVENT_LEAD_MINUTES, RegionSchema, SERVICES } from './fields.ts';

/** Complaint categories, MIIT's three groups first (docs/design.md §3). */
export const CATEGORIES = [
  'network_quality',
  'billing',
  'customer_service',
  'fault_repair',
  'contract_and_pricing',
  'privacy_and_security',
  'other',
] as const;

/** Lifecycle event types, in the order used to break ties at the same instant. */
export const EVENT_TYPES = [
  'created',
  'acknowledged',
  'updated',
  'escalated',
  'resolved',
  'reopened',
  'closed',
] as const;

export const MAX_EVENTS_PER_BATCH = 100;

const TYPES = EVENT_TYPES;
const KINDS = ['complaint', 'fault'] as const;
const VIAS = ['direct', 'regulator'] as const;
const OUTCOMES = ['upheld', 'rejected', 'withdrawn'] as const;

export const ComplaintEventSchema = z.strictObject({
  eventId: opaqueId,
  complaintId: opaqueId,
  type: z.enum(TYPES, { error: oneOf(TYPES) }),
  occurredAt: rfc3339,
  kind: z.enum(KINDS, { error: oneOf(KINDS) }),
  category: z.enum(CATEGORIES, { error: oneOf(CATEGORIES) }),
  region: RegionSchema,
  service: z.enum(SERVICES, { error: oneOf(SERVICES) }),
  via: z.enum(VIAS, { error: oneOf(VIAS) }),
  customerRef: z.optional(opaqueId),
  outcome: z.optional(z.enum(OUTCOMES, { error: oneOf(OUTCOMES) })),
});

/** One complaint or fault lifecycle event as an operator system posts it. */
export type ComplaintEvent = z.infer<typeof ComplaintEventSchema>;
export type ComplaintEventType = ComplaintEvent['type'];

export const ComplaintBatchSchema = z.strictObject({
  events: z
    .array(ComplaintEventSchema)
    .check(
      z.minLength(1, 'must hold at least one event'),
      z.maxLength(MAX_EVENTS_PER_BATCH, `must hold at most ${MAX_EVENTS_PER_BATCH} events`),
    ),
});

/**
 * Reads a webhook body: one event, or `{ events: [...] }` with 1–100 events, accepted or
 * refused whole. The shape is chosen by the presence of `events`, so errors point at the
 * fields the caller meant to send. With a `window`, every `occurredAt` must lie within
 * [now − retention, now + 5 minutes]: an older event would be purged at once, a later
 * one has not happened.
 */
export function parseComplaintWebhookBody(
  body: unknown,
  window?: EventWindow,
): { success: true; events: ComplaintEvent[] } | { success: false; errors: FieldError[] } {
  const isBatch = typeof body === 'object' && body !== null && 'events' in body;
  const parsed = isBatch
    ? ComplaintBatchSchema.safeParse(body)
    : ComplaintEventSchema.safeParse(body);
  if (!parsed.success) return { success: false, errors: fieldErrorsOf(parsed.error) };
  const events = 'events' in parsed.data ? parsed.data.events : [parsed.data];
  if (!window) return { success: true, events };
  const errors = events.flatMap((event, index) =>
    isWithinEventWindow(event.occurredAt, window)
      ? []
      : [
          {
            pointer: isBatch ? `/events/${index}/occurredAt` : '/occurredAt',
            detail: eventWindowDetail(window),
          },
        ],
  );
  return errors.length ? { success: false, errors } : { success: true, events };
}

/** What the intake puts on the queue for the processor: the event and where it came from. */
export const ComplaintMessageSchema = z.strictObject({
  source: z.string().check(z.minLength(1)),
  receivedAt: z.iso.datetime({ offset: true }),
  event: ComplaintEventSchema,
});
export type ComplaintMessage = z.infer<typeof ComplaintMessageSchema>;
