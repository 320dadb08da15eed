/**
 * A simulated national month of complaints and faults for the scale bench, generated
 * deterministically: complaint `i` of a seed is always the same events, so a month can be
 * made in pieces, and 10× the month is the same recipe with more indexes.
 *
 * The mix (docs/testing.md, The scale bench): 85 % complaints (source `crm`), 15 % faults
 * (source `field`); MIIT's categories weighted towards billing and network quality; 31
 * provinces weighted by population; five services; 3 % via the regulator; resolution times
 * log-normal (complaints: median 18 h; faults: median 8 h), 2 % still open; 5 % of the
 * resolved reopened and resolved again; 10 % reclassified by an `updated` event; 80 %
 * closed; 1 % of events arriving hours late, after later ones.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ComplaintEvent, ComplaintMessage } from '#shared/domain/complaint-event.ts';
import {
  type ComplaintState,
  foldComplaintEvents,
  reportingMonthsOf,
} from '#shared/domain/complaint-lifecycle.ts';
import { AGGREGATED_ATTRIBUTE, complaintKeys } from '#shared/tables/complaints.ts';
import type { Item } from './expressions.ts';

const HOUR = 3_600_000;

/** Provinces, weighted roughly by population (millions). */
const REGIONS: [string, number][] = [
  ['GD', 126],
  ['SD', 101],
  ['HA', 99],
  ['JS', 85],
  ['SC', 84],
  ['HE', 75],
  ['HN', 66],
  ['ZJ', 65],
  ['AH', 61],
  ['HB', 58],
  ['GX', 50],
  ['YN', 47],
  ['JX', 45],
  ['LN', 43],
  ['FJ', 42],
  ['SN', 40],
  ['GZ', 39],
  ['SX', 35],
  ['CQ', 32],
  ['HL', 31],
  ['XJ', 26],
  ['GS', 25],
  ['SH', 25],
  ['NM', 24],
  ['JL', 24],
  ['BJ', 22],
  ['TJ', 14],
  ['HI', 10],
  ['NX', 7],
  ['QH', 6],
  ['XZ', 4],
];
const SERVICES: [ComplaintEvent['service'], number][] = [
  ['mobile_data', 40],
  ['mobile_voice', 20],
  ['fixed_broadband', 25],
  ['fixed_voice', 5],
  ['iptv', 10],
];
const COMPLAINT_CATEGORIES: [ComplaintEvent['category'], number][] = [
  ['billing', 30],
  ['network_quality', 25],
  ['customer_service', 15],
  ['contract_and_pricing', 15],
  ['privacy_and_security', 3],
  ['other', 12],
];
const FAULT_CATEGORIES: [ComplaintEvent['category'], number][] = [
  ['network_quality', 60],
  ['fault_repair', 40],
];
const OUTCOMES: [NonNullable<ComplaintEvent['outcome']>, number][] = [
  ['upheld', 60],
  ['rejected', 30],
  ['withdrawn', 10],
];

/** A small, fast, seeded generator (mulberry32), one per complaint. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(next: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let at = next() * total;
  for (const [value, weight] of weighted) {
    at -= weight;
    if (at < 0) return value;
  }
  return (weighted[weighted.length - 1] as [T, number])[0];
}

/** A log-normal duration in milliseconds with the median given, from two uniforms. */
function logNormal(next: () => number, medianHours: number, sigma: number) {
  const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return Math.max(60_000, Math.round(medianHours * HOUR * Math.exp(sigma * normal)));
}

/** One complaint's messages, in the order they arrive, each with its arrival time. */
export interface SimulatedComplaint {
  source: string;
  complaintId: string;
  messages: ComplaintMessage[];
}

/** The window a month's complaints are created in: [start, end) as UTC instants. */
export interface MonthWindow {
  start: Date;
  end: Date;
}

/** Complaint `index` of the month: its events, deterministic in (seed, index). */
export function simulateComplaint(
  seed: number,
  index: number,
  window: MonthWindow,
): SimulatedComplaint {
  const next = random(Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  const fault = next() < 0.15;
  const kind = fault ? 'fault' : 'complaint';
  const source = fault ? 'field' : 'crm';
  const complaintId = `${fault ? 'F' : 'C'}${seed}-${index}`;
  const firstCategory = pick(next, fault ? FAULT_CATEGORIES : COMPLAINT_CATEGORIES);
  let category = firstCategory;
  let reclassifiedAt = Number.POSITIVE_INFINITY;
  const base = {
    complaintId,
    kind,
    region: pick(next, REGIONS),
    service: pick(next, SERVICES),
    via: next() < 0.03 ? 'regulator' : 'direct',
    customerRef: `cust-${(index * 7919 + seed) % 50_000_000}`,
  } as const;
  const created = window.start.getTime() + next() * (window.end.getTime() - window.start.getTime());
  const events: { at: number; type: ComplaintEvent['type']; extra?: Partial<ComplaintEvent> }[] = [
    { at: created, type: 'created' },
    { at: created + 5 * 60_000 + next() * 2 * HOUR, type: 'acknowledged' },
  ];
  if (next() < 0.1) {
    category = pick(next, fault ? FAULT_CATEGORIES : COMPLAINT_CATEGORIES);
    reclassifiedAt = created + 10 * 60_000 + next() * 6 * HOUR;
    events.push({ at: reclassifiedAt, type: 'updated' });
  }
  if (next() < 0.05) events.push({ at: created + next() * 24 * HOUR, type: 'escalated' });
  if (next() >= 0.02) {
    let resolved = created + logNormal(next, fault ? 8 : 18, fault ? 1.0 : 1.2);
    const outcome = pick(next, OUTCOMES);
    events.push({ at: resolved, type: 'resolved', extra: { outcome } });
    if (next() < 0.05) {
      const reopened = resolved + HOUR + next() * 72 * HOUR;
      resolved = reopened + logNormal(next, fault ? 6 : 12, 1.0);
      events.push({ at: reopened, type: 'reopened' });
      events.push({ at: resolved, type: 'resolved', extra: { outcome } });
    }
    if (next() < 0.8) events.push({ at: resolved + (24 + next() * 48) * HOUR, type: 'closed' });
  }
  const messages = events.map((event, number) => {
    // 1 % of events arrive hours late, after events that happened later.
    const delay = next() < 0.01 ? (2 + next() * 46) * HOUR : 1_000 + next() * 30_000;
    const occurredAt = new Date(Math.floor(event.at)).toISOString();
    return {
      source,
      receivedAt: new Date(Math.floor(event.at + delay)).toISOString(),
      event: {
        eventId: `${complaintId}-e${number}`,
        ...base,
        // A reclassification holds from its `updated` event on; earlier events say the first.
        category: event.at < reclassifiedAt ? firstCategory : category,
        type: event.type,
        occurredAt,
        ...event.extra,
      },
    } satisfies ComplaintMessage;
  });
  messages.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
  return { source, complaintId, messages };
}

/** How the complaint store is configured in the simulated deployment. */
export interface StoreSettings {
  reportingTimeZone: string;
  retentionDays: number;
}

/**
 * The STATE item the complaint processor leaves once every message of the complaint has
 * been applied in arrival order (shared/adapters/dynamodb/complaint-store.ts, `append`):
 * the folded state, its month index keys, one version per applied event, and the time and
 * expiry of the last write. The bench checks it against the real write path on a sample.
 */
export function stateItemOf(complaint: SimulatedComplaint, settings: StoreSettings): Item {
  const state: ComplaintState = {
    source: complaint.source,
    ...foldComplaintEvents(complaint.messages.map((message) => message.event)),
  };
  const last = complaint.messages[complaint.messages.length - 1] as ComplaintMessage;
  const at = new Date(last.receivedAt);
  const pk = complaintKeys.pk(complaint.source, complaint.complaintId);
  return marshall(
    {
      pk,
      sk: complaintKeys.stateSk,
      entity: 'complaint',
      ...state,
      ...complaintKeys.monthIndexAttributes(
        reportingMonthsOf(state, settings.reportingTimeZone),
        pk,
      ),
      [AGGREGATED_ATTRIBUTE]: true,
      version: complaint.messages.length,
      updatedAt: at.toISOString(),
      expiresAt: Math.floor(at.getTime() / 1000) + settings.retentionDays * 86_400,
    },
    { removeUndefinedValues: true },
  ) as Item;
}
