import { type CaseEvent, type CaseFollowUp, foldCaseEvents } from '../domain/case-event.ts';
import { invitationIdOfCase } from '../domain/follow-up.ts';

/** The case's events, kept on the case by event id, and the follow-up folded from them. */
export interface CaseEventStore {
  /**
   * Adds the event unless its id is there; answers every event the case then holds and
   * its event count, or undefined when there is no such case of this source's.
   */
  add(
    invitationId: string,
    source: string,
    event: CaseEvent,
    receivedAt: Date,
  ): Promise<{ added: boolean; events: CaseEvent[]; count: number } | undefined>;
  /** Keeps the folded follow-up, unless a later event (a higher count) got there first. */
  keepFollowUp(invitationId: string, followUp: CaseFollowUp, count: number): Promise<void>;
}

/**
 * Records a follow-up status event (docs/design.md §10.2) from the operator system that
 * created the case's invitation: idempotent per event id, the
 * case's follow-up folded from all its events whatever their order. A repeated event
 * folds again, so a request retried after a failure repairs the follow-up.
 */
export async function recordCaseEvent(
  dependencies: { store: CaseEventStore; now: () => Date },
  source: string,
  caseId: string,
  event: CaseEvent,
): Promise<
  { outcome: 'recorded' | 'duplicate'; followUp: CaseFollowUp } | { outcome: 'unknown_case' }
> {
  const invitationId = invitationIdOfCase(caseId);
  if (invitationId === undefined) return { outcome: 'unknown_case' };
  const stored = await dependencies.store.add(invitationId, source, event, dependencies.now());
  if (!stored) return { outcome: 'unknown_case' };
  const followUp = foldCaseEvents(stored.events);
  await dependencies.store.keepFollowUp(invitationId, followUp, stored.count);
  return { outcome: stored.added ? 'recorded' : 'duplicate', followUp };
}
