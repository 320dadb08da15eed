import * as z from 'zod/mini';
import { oneOf, opaqueId, rfc3339 } from './fields.ts';
import { type FieldError, fieldErrorsOf } from './validation.ts';

/** What the operator reports back about a case, in the order that breaks ties (§10.2). */
export const CASE_EVENT_TYPES = ['unreachable', 'contacted', 'resolved'] as const;
export type CaseEventType = (typeof CASE_EVENT_TYPES)[number];

/** One follow-up status event as an operator system posts it (docs/design.md §10.2). */
export const CaseEventSchema = z.strictObject({
  eventId: opaqueId,
  type: z.enum(CASE_EVENT_TYPES, { error: oneOf(CASE_EVENT_TYPES) }),
  occurredAt: rfc3339,
});
export type CaseEvent = z.infer<typeof CaseEventSchema>;

/** Reads a case event's body. */
export function parseCaseEvent(
  body: unknown,
): { success: true; event: CaseEvent } | { success: false; errors: FieldError[] } {
  const parsed = CaseEventSchema.safeParse(body);
  return parsed.success
    ? { success: true, event: parsed.data }
    : { success: false, errors: fieldErrorsOf(parsed.error) };
}

/** A case's follow-up, as its events decide it. */
export interface CaseFollowUp {
  status: 'open' | CaseEventType;
  /** The earliest `contacted`: when the customer was first reached. */
  firstContactedAt?: string;
  /** The earliest `resolved`. */
  resolvedAt?: string;
}

/**
 * Folds a case's events by `occurredAt` (ties by type order), never by arrival: the same
 * set of events gives the same follow-up whatever their order or duplicates.
 */
export function foldCaseEvents(events: readonly Omit<CaseEvent, 'eventId'>[]): CaseFollowUp {
  const ordered = [...events].sort(
    (a, b) =>
      Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
      CASE_EVENT_TYPES.indexOf(a.type) - CASE_EVENT_TYPES.indexOf(b.type),
  );
  const first = (type: CaseEventType) => ordered.find((event) => event.type === type)?.occurredAt;
  const firstContactedAt = first('contacted');
  const resolvedAt = first('resolved');
  return {
    status: ordered.at(-1)?.type ?? 'open',
    ...(firstContactedAt ? { firstContactedAt: new Date(firstContactedAt).toISOString() } : {}),
    ...(resolvedAt ? { resolvedAt: new Date(resolvedAt).toISOString() } : {}),
  };
}
