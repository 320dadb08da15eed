import type { ComplaintEvent, ComplaintMessage } from '../domain/complaint-event.ts';
import { type ComplaintState, foldComplaintEvents } from '../domain/complaint-lifecycle.ts';

/** What the complaint store holds for one complaint. */
export interface StoredComplaint {
  version: number;
  events: ComplaintEvent[];
  /** The customer was erased (DELETE /customers/{ref}): no event may name them again. */
  customerErased?: boolean;
}

/** The secondary port the use case writes through (DynamoDB in the cloud and locally). */
export interface ComplaintStore {
  /** The complaint `complaintId` of `source`: each source has its own complaint ids. */
  load(source: string, complaintId: string): Promise<StoredComplaint | undefined>;
  /**
   * Stores the new event and the new state atomically, provided the complaint is still
   * at `expectedVersion` (undefined: not yet stored). Answers `conflict` otherwise.
   */
  append(input: {
    message: ComplaintMessage;
    state: ComplaintState;
    expectedVersion: number | undefined;
    /** Kept on the state: the complaint's customer was erased. */
    customerErased?: boolean;
  }): Promise<'appended' | 'conflict'>;
}

/** Another writer kept changing the complaint while this event was being applied. */
export class ConcurrentComplaintUpdateError extends Error {
  override name = 'ConcurrentComplaintUpdateError';
}

/**
 * An event contradicts what its own source stored for its complaint id: a fault event for
 * a complaint. Never applied; SQS dead-letters it after its
 * retries, and the DLQ alarm brings a person to decide.
 */
export class InconsistentComplaintError extends Error {
  override name = 'InconsistentComplaintError';
}

/**
 * A complaint's lifecycle is a handful of events; a thousand is a loop or abuse, and each
 * event re-reads them all (docs/design.md §3).
 */
export const MAX_EVENTS_PER_COMPLAINT = 1000;

/** An event for a complaint that already holds MAX_EVENTS_PER_COMPLAINT events. */
export class ComplaintEventLimitError extends Error {
  override name = 'ComplaintEventLimitError';
}

const MAX_ATTEMPTS = 8;

/**
 * Applies one lifecycle event to its complaint exactly once: a duplicate `eventId` changes
 * nothing, and the state is re-folded from every event so arrival order does not matter.
 * The complaint is the message's source's own (docs/design.md §3): another source's equal
 * complaint and event ids are another complaint. Concurrent writers to one complaint are
 * serialised by an optimistic version check.
 */
export async function recordComplaintEvent(
  store: ComplaintStore,
  message: ComplaintMessage,
): Promise<{ outcome: 'applied' | 'duplicate'; state?: ComplaintState }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const stored = await store.load(message.source, message.event.complaintId);
    // A late event of a complaint whose customer was erased does not name them again, nor
    // do its stored events that an erasure still under way has not reached yet.
    const erased = stored?.customerErased === true;
    const event = erased ? withoutCustomer(message.event) : message.event;
    const known = (stored?.events ?? []).map((each) => (erased ? withoutCustomer(each) : each));
    if (known.some((each) => each.eventId === event.eventId)) {
      return { outcome: 'duplicate' };
    }
    if (known.length >= MAX_EVENTS_PER_COMPLAINT) {
      // Never applied: retried, then dead-lettered, and the alarm brings a person.
      throw new ComplaintEventLimitError(
        `complaint ${event.complaintId} already holds ${MAX_EVENTS_PER_COMPLAINT} events`,
      );
    }
    const conflicting = known.find((each) => each.kind !== event.kind);
    if (conflicting) {
      throw new InconsistentComplaintError(
        `complaint ${event.complaintId} is a ${conflicting.kind}; event ${event.eventId} says ${event.kind}`,
      );
    }
    const state = {
      source: message.source,
      ...foldComplaintEvents([...known, event]),
    };
    const result = await store.append({
      message: { ...message, event },
      state,
      expectedVersion: stored?.version,
      ...(erased ? { customerErased: true } : {}),
    });
    if (result === 'appended') return { outcome: 'applied', state };
  }
  throw new ConcurrentComplaintUpdateError(
    `complaint ${message.event.complaintId} changed concurrently ${MAX_ATTEMPTS} times`,
  );
}

function withoutCustomer(event: ComplaintEvent): ComplaintEvent {
  const { customerRef: _erased, ...anonymous } = event;
  return anonymous;
}
