import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, type ComplaintEvent, SERVICES } from '#shared/domain/complaint-event.ts';
import {
  type ComplaintState,
  foldComplaintEvents,
  reportingMonthsOf,
} from '#shared/domain/complaint-lifecycle.ts';
import {
  complaintReadsOf,
  FIXED_INDICATOR_IDS,
  type IndicatorInputs,
  resolveIndicator,
  type SubscriberCount,
} from '#shared/indicators/catalogue.ts';
import {
  complaintFiguresOfStates,
  complaintFiguresRequest,
} from '#shared/indicators/complaint-figures.ts';
import { type Period, type PeriodKind, parsePeriod } from '#shared/indicators/periods.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { stateCells } from '../support/state-catalogue.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = ['Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe'] as const;
const REGIONS = ['BJ', 'GD-SZ', 'GD-GZ'] as const;
/** Periods across DST changes: London (29 March, 25 October), Lord Howe (5 April, 4 October). */
const PERIODS: Record<PeriodKind, readonly string[]> = {
  month: ['2026-03', '2026-04', '2026-10'],
  quarter: ['2026-Q2', '2026-Q4'],
  year: ['2026'],
};
/** The day limits the generated profiles use, and so ages the complaints often have. */
const OPEN_DAYS = [1, 2, 7, 15, 56];
const isComplaintIndicator = (id: string) =>
  id.startsWith('complaints.') || id.startsWith('faults.');

/** A profile's complaint and fault indicators and period kind: a built-in one, or any of them. */
const profileArbitrary = fc.oneof(
  fc.constantFrom(
    ...Object.values(BUILT_IN_PROFILES).map((profile) => ({
      kind: profile.period,
      ids: profile.indicators.map((entry) => entry.id).filter(isComplaintIndicator),
    })),
  ),
  fc.record({
    kind: fc.constantFrom<PeriodKind>('month', 'quarter', 'year'),
    ids: fc
      .tuple(fc.constantFrom(1, 2, 7, 15, 56), fc.constantFrom(1, 24, 48))
      .map(([days, hours]) => [
        ...FIXED_INDICATOR_IDS.filter(isComplaintIndicator),
        `complaints.resolved_within_${days}d_pct`,
        `complaints.open_beyond_${days}d`,
        `faults.repaired_within_${hours}h_pct`,
      ]),
  }),
);

/** A gap between two lifecycle events: whole hours or days (exact limits), or any ms. */
const gapArbitrary = fc.oneof(
  fc.integer({ min: 0, max: 80 }).map((hours) => hours * HOUR),
  fc.constantFrom(15, 28, 42, 56).map((days) => days * DAY),
  fc.integer({ min: 0, max: 120 * DAY }),
  // A late event: it happened before the one it follows.
  fc.integer({ min: -10 * DAY, max: 0 }),
);

type Step = ComplaintEvent['type'];
const complaintArbitrary = fc.record({
  kind: fc.constantFrom<ComplaintEvent['kind']>('complaint', 'fault'),
  category: fc.constantFrom(...CATEGORIES),
  region: fc.constantFrom(...REGIONS),
  service: fc.constantFrom(...SERVICES),
  via: fc.constantFrom<ComplaintEvent['via']>('direct', 'regulator'),
  // One in ten has no created event: its resolution is untimed.
  created: fc.integer({ min: 0, max: 9 }).map((draw) => draw > 0),
  /**
   * When the first event happened: any ms from 16 months before the period's start to 2
   * months after, or whole days before the period's start or end (ages of exactly D days).
   */
  start: fc.oneof(
    fc.record({
      base: fc.constant('start' as const),
      offset: fc.integer({ min: -480 * DAY, max: 60 * DAY }),
    }),
    fc.record({
      base: fc.constantFrom('start' as const, 'end' as const),
      offset: fc
        .oneof(fc.constantFrom(...OPEN_DAYS), fc.integer({ min: 0, max: 100 }))
        .map((days) => -days * DAY),
    }),
  ),
  steps: fc.array(
    fc.record({
      type: fc.constantFrom<Step>(
        'acknowledged',
        'resolved',
        'resolved',
        'reopened',
        'closed',
        'updated',
      ),
      gap: gapArbitrary,
      reclassify: fc.option(
        fc.record({
          category: fc.constantFrom(...CATEGORIES),
          region: fc.constantFrom(...REGIONS),
        }),
        { freq: 4 },
      ),
    }),
    { maxLength: 5 },
  ),
});

const subscribersArbitrary = fc.option(
  fc.uniqueArray(
    fc.record({
      region: fc.constantFrom(...REGIONS, 'SH'),
      service: fc.constantFrom(...SERVICES),
      subscribers: fc.integer({ min: 0, max: 2_000_000 }),
    }),
    { selector: (row) => `${row.region}#${row.service}`, maxLength: 6 },
  ),
);

type GeneratedComplaint = typeof complaintArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** Folds a generated complaint's events, as the processor does. */
function stateOf(complaint: GeneratedComplaint, index: number, period: Period): ComplaintState {
  const base = complaint.start.base === 'start' ? period.startInstant : period.endInstant;
  let at = base.getTime() + complaint.start.offset;
  let { category, region } = complaint;
  const event = (type: Step, occurredAt: number, eventIndex: number): ComplaintEvent => ({
    eventId: `e${index}-${eventIndex}`,
    complaintId: `c${index}`,
    type,
    occurredAt: new Date(occurredAt).toISOString(),
    kind: complaint.kind,
    category,
    region,
    service: complaint.service,
    via: complaint.via,
  });
  const events = [event(complaint.created ? 'created' : 'acknowledged', at, 0)];
  complaint.steps.forEach((step, stepIndex) => {
    at += step.gap;
    if (step.type === 'updated' && step.reclassify) ({ category, region } = step.reclassify);
    events.push(event(step.type, at, stepIndex + 1));
  });
  return foldComplaintEvents(events);
}

describe('complaint figures from counters', () => {
  it('give every complaint and fault indicator of every profile exactly the figures of the states', () => {
    fc.assert(
      fc.property(
        profileArbitrary,
        fc.nat(),
        fc.constantFrom(...ZONES),
        fc.array(complaintArbitrary, { maxLength: 40 }),
        subscribersArbitrary,
        (profile, periodChoice, timeZone, complaints, subscriberRows) => {
          const ids = PERIODS[profile.kind];
          const period = parsePeriod(ids[periodChoice % ids.length] ?? '2026', timeZone);
          const request = complaintFiguresRequest(period, complaintReadsOf(profile.ids));
          const states = complaints.map((complaint, index) => stateOf(complaint, index, period));
          // What the builder reads today: complaints created or first resolved in the window.
          const window = new Set(request.window);
          const read = states.filter((state) => {
            const months = reportingMonthsOf(state, timeZone);
            return (
              window.has(months.createdMonth ?? '') || window.has(months.firstResolvedMonth ?? '')
            );
          });
          const subscribers: SubscriberCount[] | undefined = subscriberRows ?? undefined;
          const figures = complaintFiguresOfStates(states, timeZone, request);

          for (const [which, of] of [
            ['current', period],
            ['previous', request.previous],
          ] as const) {
            const inputs: IndicatorInputs = {
              responses: [],
              invitations: [],
              complaints: figures[which],
              subscribers,
            };
            for (const id of profile.ids) {
              const cells = resolveIndicator(id)?.compute(inputs, of);
              const expected = stateCells(id, { complaints: read, subscribers }, of);
              expect(expected, `${id}: the oracle knows it`).toBeDefined();
              expect(cells, `${id} ${of.id} ${timeZone}`).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
