import { type ComplaintEvent, EVENT_TYPES } from './complaint-event.ts';
import { monthInTimeZone, toUtcIso } from './zoned-time.ts';

export type ComplaintStatus = 'open' | 'resolved' | 'closed';

/** A complaint's state, decided only by its events' `occurredAt` and types. */
export interface ComplaintState {
  /**
   * The complaint source that posted it, which owns the id: the same `complaintId` from
   * two sources is two complaints. Set when stored; a fold of bare events has none.
   */
  source?: string;
  complaintId: string;
  kind: ComplaintEvent['kind'];
  category: ComplaintEvent['category'];
  region: string;
  service: ComplaintEvent['service'];
  via: ComplaintEvent['via'];
  customerRef?: string;
  outcome?: NonNullable<ComplaintEvent['outcome']>;
  status: ComplaintStatus;
  /** UTC ISO times; absent until the matching event has arrived. */
  createdAt?: string;
  acknowledgedAt?: string;
  escalatedAt?: string;
  firstResolvedAt?: string;
  lastResolvedAt?: string;
  /** The first reopening after the first resolution, which `reopened_pct` counts. */
  reopenedAt?: string;
  reopenCount: number;
  closedAt?: string;
  lastEventAt: string;
  eventCount: number;
}

const typeRank = new Map(EVENT_TYPES.map((type, index) => [type, index]));

/** Orders events by when they happened; same instant by lifecycle order, then by id. */
export function compareEvents(a: ComplaintEvent, b: ComplaintEvent): number {
  return (
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    (typeRank.get(a.type) ?? 0) - (typeRank.get(b.type) ?? 0) ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

/**
 * Folds a complaint's events, in any arrival order and with duplicates by `eventId`
 * removed, into its state. The same set of events always gives the same state.
 */
export function foldComplaintEvents(events: readonly ComplaintEvent[]): ComplaintState {
  const unique = [...new Map(events.map((event) => [event.eventId, event])).values()];
  const ordered = unique.sort(compareEvents);
  const latest = ordered.at(-1);
  if (!latest) throw new Error('a complaint needs at least one event');

  let status: ComplaintStatus = 'open';
  const times: Partial<Record<ComplaintEvent['type'], { first: string; last: string }>> = {};
  let reopenedAt: string | undefined;
  let reopenCount = 0;
  let customerRef: string | undefined;
  let outcome: ComplaintState['outcome'];
  for (const event of ordered) {
    const at = toUtcIso(event.occurredAt);
    const seen = times[event.type];
    times[event.type] = { first: seen?.first ?? at, last: at };
    if (event.customerRef) customerRef = event.customerRef;
    if (event.outcome) outcome = event.outcome;
    switch (event.type) {
      case 'resolved':
        if (status === 'open') status = 'resolved';
        break;
      case 'reopened':
        reopenCount += 1;
        if (times.resolved && reopenedAt === undefined) reopenedAt = at;
        status = 'open';
        break;
      case 'closed':
        status = 'closed';
        break;
      default:
        // created, acknowledged, updated, escalated: notes on the way, status unchanged.
        break;
    }
  }

  return {
    complaintId: latest.complaintId,
    // A later event may reclassify the complaint (an `updated` with a new category).
    kind: latest.kind,
    category: latest.category,
    region: latest.region,
    service: latest.service,
    via: latest.via,
    ...(customerRef ? { customerRef } : {}),
    ...(outcome ? { outcome } : {}),
    status,
    ...(times.created ? { createdAt: times.created.first } : {}),
    ...(times.acknowledged ? { acknowledgedAt: times.acknowledged.first } : {}),
    ...(times.escalated ? { escalatedAt: times.escalated.first } : {}),
    ...(times.resolved
      ? { firstResolvedAt: times.resolved.first, lastResolvedAt: times.resolved.last }
      : {}),
    ...(reopenedAt ? { reopenedAt } : {}),
    reopenCount,
    ...(times.closed ? { closedAt: times.closed.last } : {}),
    lastEventAt: toUtcIso(latest.occurredAt),
    eventCount: ordered.length,
  };
}

/** The report keys of a state: the months, in the reporting time zone, it is counted in. */
export function reportingMonthsOf(
  state: ComplaintState,
  timeZone: string,
): { createdMonth?: string; firstResolvedMonth?: string } {
  return {
    ...(state.createdAt ? { createdMonth: monthInTimeZone(state.createdAt, timeZone) } : {}),
    ...(state.firstResolvedAt
      ? { firstResolvedMonth: monthInTimeZone(state.firstResolvedAt, timeZone) }
      : {}),
  };
}

/** Whether a complaint is open (neither resolved nor closed) just before `end`. */
export function isOpenAt(state: ComplaintState, end: Date): boolean {
  const at = end.getTime();
  const before = (time: string | undefined) => time !== undefined && Date.parse(time) < at;
  if (!before(state.createdAt)) return false;
  // Every event happened before the end: the folded status is the status at the end.
  if (Date.parse(state.lastEventAt) < at) return state.status === 'open';
  if (before(state.closedAt)) return false;
  if (!before(state.firstResolvedAt)) return true;
  if (!before(state.reopenedAt)) return false;
  // Reopened before the end: open unless resolved again between the reopening and the end.
  const reResolved =
    state.lastResolvedAt !== undefined &&
    state.reopenedAt !== undefined &&
    state.lastResolvedAt > state.reopenedAt &&
    before(state.lastResolvedAt);
  return !reResolved;
}
