import { describe, expect, it } from 'vitest';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import {
  type ComplaintState,
  foldComplaintEvents,
  isOpenAt,
} from '#shared/domain/complaint-lifecycle.ts';
import {
  type BuildIndicatorsRequest,
  buildIndicators,
  type IndicatorResult,
  suppressCells,
} from '#shared/indicators/build-indicators.ts';
import {
  complaintReadsOf,
  type Dimensions,
  type IndicatorInputs,
  type InvitationTallyRow,
  type ResponseAggregateRow,
  type SubscriberCount,
} from '#shared/indicators/catalogue.ts';
import {
  complaintFiguresOfStates,
  complaintFiguresRequest,
} from '#shared/indicators/complaint-figures.ts';
import {
  DEFAULT_REPORTING_TIMEZONE,
  InvalidPeriodError,
  parsePeriod,
} from '#shared/indicators/periods.ts';
import { BUILT_IN_PROFILES, parseProfile } from '#shared/indicators/profiles.ts';

// --- fixture helpers -------------------------------------------------------------------------

/** A test profile: the given indicators, minCell 1 (nothing suppressed) unless told. */
function profileOf(
  period: 'month' | 'quarter' | 'year',
  indicators: unknown[],
  minCell = 1,
): ReturnType<typeof parseProfile> {
  return parseProfile({
    id: 'test-profile',
    name: { en: 'Test', 'zh-CN': '测试' },
    period,
    minCell,
    indicators: indicators.map((entry) => (typeof entry === 'string' ? { id: entry } : entry)),
  });
}

interface LifecycleSpec {
  id: string;
  kind?: ComplaintEvent['kind'];
  category?: ComplaintEvent['category'];
  region: string;
  service: ComplaintEvent['service'];
  via?: ComplaintEvent['via'];
  steps: [ComplaintEvent['type'], string][];
}

/** Folds a complaint's lifecycle events into its state, as the processor does. */
function lifecycle(spec: LifecycleSpec): ComplaintState {
  return foldComplaintEvents(
    spec.steps.map(([type, occurredAt], index) => ({
      eventId: `${spec.id}-${index}`,
      complaintId: spec.id,
      type,
      occurredAt,
      kind: spec.kind ?? 'complaint',
      category: spec.category ?? 'billing',
      region: spec.region,
      service: spec.service,
      via: spec.via ?? 'direct',
    })),
  );
}

/** Indicator inputs with complaint states, as the tests write them. */
type StateInputs = Omit<IndicatorInputs, 'complaints'> & {
  complaints?: readonly ComplaintState[];
};

/**
 * buildIndicators on inputs whose complaints are states: each summed into the complaint
 * counters and read back as the report's figures for the period and the previous one.
 */
function buildFromStates(
  request: Omit<BuildIndicatorsRequest, 'inputs' | 'previous'> & {
    inputs: StateInputs;
    previous?: StateInputs;
  },
) {
  const period =
    typeof request.period === 'string'
      ? parsePeriod(request.period, request.timezone ?? DEFAULT_REPORTING_TIMEZONE)
      : request.period;
  const request_ = complaintFiguresRequest(
    period,
    complaintReadsOf(request.profile.indicators.map((entry) => entry.id)),
  );
  const figures = (states: readonly ComplaintState[] = []) =>
    complaintFiguresOfStates(states, period.timezone, request_);
  const { inputs, previous, ...rest } = request;
  return buildIndicators({
    ...rest,
    inputs: { ...inputs, complaints: figures(inputs.complaints).current },
    ...(previous
      ? { previous: { ...previous, complaints: figures(previous.complaints).previous } }
      : {}),
  });
}

const none: StateInputs = { responses: [], invitations: [], complaints: [] };

const ALL_OPERATOR = { region: '*', service: '*' };
const SURVEY_TOTAL = { region: '*', service: '*', touchpoint: '*', channel: '*' };

const DIMENSION_KEYS = ['region', 'service', 'touchpoint', 'channel', 'category'] as const;

/** The result of one indicator for one cell (an absent key means '*'); fails the test when absent. */
function cellOf(results: IndicatorResult[], id: string, dimensions: Partial<Dimensions>) {
  const found = results.find(
    (result) =>
      result.id === id &&
      DIMENSION_KEYS.every((key) => (dimensions[key] ?? '*') === (result.dimensions[key] ?? '*')),
  );
  if (!found) throw new Error(`no cell ${id} ${JSON.stringify(dimensions)}`);
  return found;
}

/** Lifecycle steps: created at `createdMs`, resolved `resolveHours` later if given. */
function createdThenResolved(
  createdMs: number,
  resolveHours?: number,
): [ComplaintEvent['type'], string][] {
  const steps: [ComplaintEvent['type'], string][] = [
    ['created', new Date(createdMs).toISOString()],
  ];
  if (resolveHours !== undefined) {
    steps.push(['resolved', new Date(createdMs + resolveHours * 3_600_000).toISOString()]);
  }
  return steps;
}

// --- complaints and faults, 2026-Q4 in Asia/Shanghai ------------------------------------------
// Q4 is [2026-10-01T00:00+08:00, 2027-01-01T00:00+08:00).

const COMPLAINTS: ComplaintState[] = [
  // Created exactly at Q4's first instant (2026-09-30T16:00Z): in Q4. Resolved after 24 h.
  lifecycle({
    id: 'c1',
    region: 'GD-SZ',
    service: 'mobile_data',
    category: 'billing',
    steps: [
      ['created', '2026-10-01T00:00:00+08:00'],
      ['resolved', '2026-10-02T00:00:00+08:00'],
    ],
  }),
  // Created in Q3's last second, resolved in Q4 after 240 h: resolution counted in Q4 only.
  lifecycle({
    id: 'c2',
    region: 'GD-SZ',
    service: 'mobile_data',
    category: 'network_quality',
    via: 'regulator',
    steps: [
      ['created', '2026-09-30T23:59:59+08:00'],
      ['resolved', '2026-10-10T23:59:59+08:00'],
    ],
  }),
  // Resolved after exactly 15 days (360 h), reopened, resolved again, closed after Q4.
  lifecycle({
    id: 'c3',
    region: 'GD-SZ',
    service: 'fixed_broadband',
    category: 'billing',
    via: 'regulator',
    steps: [
      ['created', '2026-10-05T08:00:00+08:00'],
      ['resolved', '2026-10-20T08:00:00+08:00'],
      ['reopened', '2026-10-22T08:00:00+08:00'],
      ['resolved', '2026-10-25T08:00:00+08:00'],
      ['closed', '2027-01-10T08:00:00+08:00'],
    ],
  }),
  // Resolved 15 days and 1 second after creation: not within 15 days.
  lifecycle({
    id: 'c4',
    region: 'GD-GZ',
    service: 'mobile_data',
    category: 'customer_service',
    steps: [
      ['created', '2026-11-01T10:00:00+08:00'],
      ['resolved', '2026-11-16T10:00:01+08:00'],
    ],
  }),
  // Created in Q4's last second, resolved at Q1 2027's first instant: resolution is Q1's.
  lifecycle({
    id: 'c5',
    region: 'GD-GZ',
    service: 'mobile_data',
    category: 'billing',
    steps: [
      ['created', '2026-12-31T23:59:59+08:00'],
      ['resolved', '2027-01-01T00:00:00+08:00'],
    ],
  }),
  // Never resolved: 82.5 days old at Q4's end.
  lifecycle({
    id: 'c6',
    region: 'GD-GZ',
    service: 'fixed_voice',
    category: 'network_quality',
    steps: [['created', '2026-10-10T12:00:00+08:00']],
  }),
  // Open, exactly 56 days old at Q4's end (Nov 6 → Dec 6 = 30 d, Dec 6 → Jan 1 = 26 d).
  lifecycle({
    id: 'c7',
    region: 'GD-SZ',
    service: 'mobile_data',
    category: 'other',
    steps: [['created', '2026-11-06T00:00:00+08:00']],
  }),
  // 56 days and 1 second old at Q4's end, resolved only after it: open at the end.
  lifecycle({
    id: 'c8',
    region: 'GD-SZ',
    service: 'mobile_data',
    category: 'billing',
    steps: [
      ['created', '2026-11-05T23:59:59+08:00'],
      ['resolved', '2027-01-05T12:00:00+08:00'],
    ],
  }),
  // Created and first resolved in Q3, reopened in Q4, closed after Q4: open at Q4's end.
  lifecycle({
    id: 'c9',
    region: 'GD-GZ',
    service: 'mobile_data',
    category: 'billing',
    steps: [
      ['created', '2026-08-01T10:00:00+08:00'],
      ['resolved', '2026-08-05T10:00:00+08:00'],
      ['reopened', '2026-12-01T10:00:00+08:00'],
      ['closed', '2027-01-03T10:00:00+08:00'],
    ],
  }),
  // Created in Q3, closed unresolved in Q4: neither open at the end nor resolved.
  lifecycle({
    id: 'c10',
    region: 'GD-SZ',
    service: 'mobile_data',
    category: 'billing',
    steps: [
      ['created', '2026-09-01T10:00:00+08:00'],
      ['closed', '2026-10-01T10:00:00+08:00'],
    ],
  }),
];

const fault = (
  id: string,
  region: string,
  service: ComplaintEvent['service'],
  repairHours?: number,
) =>
  lifecycle({
    id,
    kind: 'fault',
    category: 'fault_repair',
    region,
    service,
    steps: createdThenResolved(Date.parse('2026-10-03T08:00:00+08:00'), repairHours),
  });

const FAULTS: ComplaintState[] = [
  fault('f1', 'GD-SZ', 'fixed_broadband', 10),
  fault('f2', 'GD-SZ', 'fixed_broadband', 20),
  fault('f3', 'GD-GZ', 'fixed_voice', 30),
  fault('f4', 'GD-GZ', 'fixed_voice', 30),
  fault('f5', 'GD-GZ', 'mobile_data', 50),
  fault('f6', 'GD-SZ', 'fixed_broadband'),
];

const SUBSCRIBERS: SubscriberCount[] = [
  { region: 'GD-SZ', service: 'mobile_data', subscribers: 998_000 },
  { region: 'GD-SZ', service: 'fixed_broadband', subscribers: 2_000 },
  { region: 'GD-GZ', service: 'mobile_data', subscribers: 799_500 },
  { region: 'GD-GZ', service: 'fixed_voice', subscribers: 500 },
];
// Totals: GD-SZ 1,000,000; GD-GZ 800,000; operator 1,800,000; mobile_data 1,797,500;
// fixed_broadband 2,000; fixed_voice 500; fixed lines 2,500.

const Q4_INPUTS: StateInputs & { complaints: readonly ComplaintState[] } = {
  ...none,
  complaints: [...COMPLAINTS, ...FAULTS],
  subscribers: SUBSCRIBERS,
};

describe('buildIndicators: complaints', () => {
  const profile = profileOf('quarter', [
    'complaints.received',
    'complaints.per_million_subscribers',
    'complaints.per_100k_subscribers',
    'complaints.regulator_per_million_subscribers',
    'complaints.category_share_pct',
    { id: 'complaints.resolved_within_15d_pct', target: { op: '=', value: 100 } },
    'complaints.resolution_hours_p50',
    'complaints.resolution_hours_p90',
    { id: 'complaints.reopened_pct', target: { op: '<=', value: 5 } },
    'complaints.open_beyond_56d',
  ]);
  const { indicators } = buildFromStates({ profile, period: '2026-Q4', inputs: Q4_INPUTS });

  it('counts complaints created in the period, the first midnight in and the last second out', () => {
    // Q4: c1 (00:00 on 1 Oct), c3, c4, c5 (23:59:59 on 31 Dec), c6, c7, c8 = 7;
    // c2 (Q3's last second), c9, c10 are Q3's; faults are not complaints.
    expect(cellOf(indicators, 'complaints.received', ALL_OPERATOR)).toEqual({
      id: 'complaints.received',
      dimensions: ALL_OPERATOR,
      value: 7,
      n: 7,
      unit: 'count',
      compliant: null,
      suppressed: false,
    });
    // GD-SZ: c1 c3 c7 c8 = 4; GD-GZ: c4 c5 c6 = 3.
    expect(cellOf(indicators, 'complaints.received', { region: 'GD-SZ' }).value).toBe(4);
    expect(cellOf(indicators, 'complaints.received', { region: 'GD-GZ' }).value).toBe(3);
    // mobile_data: c1 c4 c5 c7 c8 = 5; fixed_broadband: c3; fixed_voice: c6.
    expect(cellOf(indicators, 'complaints.received', { service: 'mobile_data' }).value).toBe(5);
    expect(cellOf(indicators, 'complaints.received', { service: 'fixed_broadband' }).value).toBe(1);
    expect(cellOf(indicators, 'complaints.received', { service: 'fixed_voice' }).value).toBe(1);
  });

  it('divides by subscribers per million and per 100k', () => {
    const perMillion = (dimensions: Partial<Dimensions>) =>
      cellOf(indicators, 'complaints.per_million_subscribers', dimensions).value;
    const per100k = (dimensions: Partial<Dimensions>) =>
      cellOf(indicators, 'complaints.per_100k_subscribers', dimensions).value;

    expect(perMillion(ALL_OPERATOR)).toBe(3.89); // 7 / 1,800,000 × 10⁶ = 3.8888…
    expect(perMillion({ region: 'GD-SZ' })).toBe(4); // 4 / 1,000,000 × 10⁶
    expect(perMillion({ region: 'GD-GZ' })).toBe(3.75); // 3 / 800,000 × 10⁶
    expect(perMillion({ service: 'mobile_data' })).toBe(2.78); // 5 / 1,797,500 × 10⁶ = 2.7816…
    expect(perMillion({ service: 'fixed_broadband' })).toBe(500); // 1 / 2,000 × 10⁶
    expect(perMillion({ service: 'fixed_voice' })).toBe(2000); // 1 / 500 × 10⁶
    expect(per100k(ALL_OPERATOR)).toBe(0.39); // 7 / 1,800,000 × 10⁵ = 0.3888…
    expect(per100k({ region: 'GD-GZ' })).toBe(0.38); // 3 / 800,000 × 10⁵ = 0.375, half away
    expect(cellOf(indicators, 'complaints.per_million_subscribers', ALL_OPERATOR)).toMatchObject({
      n: 7,
      unit: 'per million',
      suppressed: false,
    });
  });

  it('counts only regulator complaints created in the period for the regulator rate', () => {
    // Q4 with via regulator: c3 only (c2 was created in Q3).
    const regulator = (dimensions: Partial<Dimensions>) =>
      cellOf(indicators, 'complaints.regulator_per_million_subscribers', dimensions);

    expect(regulator(ALL_OPERATOR).value).toBe(0.56); // 1 / 1,800,000 × 10⁶ = 0.5555…
    expect(regulator({ region: 'GD-SZ' }).value).toBe(1); // 1 / 1,000,000 × 10⁶
    expect(regulator({ region: 'GD-GZ' })).toMatchObject({ value: 0, n: 0 });
    expect(regulator({ service: 'fixed_broadband' }).value).toBe(500); // 1 / 2,000 × 10⁶
  });

  it('gives each category its share of the complaints received, with a Wilson interval', () => {
    const share = (dimensions: Partial<Dimensions>) =>
      cellOf(indicators, 'complaints.category_share_pct', dimensions);

    // billing: c1 c3 c5 c8 = 4 of 7 = 57.142…%; Wilson(4, 7): centre 0.8458286,
    // spread 0.4579251, denominator 1.5488 → [25.045, 84.178].
    expect(share({ ...ALL_OPERATOR, category: 'billing' })).toMatchObject({
      value: 57.1,
      n: 7,
      ci95: [25, 84.2],
      unit: '%',
    });
    expect(share({ ...ALL_OPERATOR, category: 'network_quality' }).value).toBe(14.3); // c6: 1/7
    expect(share({ ...ALL_OPERATOR, category: 'customer_service' }).value).toBe(14.3); // c4
    expect(share({ ...ALL_OPERATOR, category: 'other' }).value).toBe(14.3); // c7
    expect(share({ ...ALL_OPERATOR, category: 'fault_repair' })).toMatchObject({ value: 0 });
    // GD-GZ: c4 customer_service, c5 billing, c6 network_quality → 1/3 each.
    expect(share({ region: 'GD-GZ', service: '*', category: 'billing' }).value).toBe(33.3);
    // 7 categories × (operator + 2 regions + 3 services).
    expect(
      indicators.filter((result) => result.id === 'complaints.category_share_pct'),
    ).toHaveLength(42);
  });

  it('counts a complaint in the period of its first resolution, not of its creation', () => {
    // First resolved in Q4: c1 (24 h), c2 (240 h, created in Q3), c3 (360 h), c4 (360 h 1 s).
    // c5 and c8 are first resolved in 2027-Q1, c9 in Q3. Within 15 days (≤ 360 h): c1 c2 c3.
    // 3/4 = 75%; Wilson(3, 4) = [30.064, 95.441].
    expect(cellOf(indicators, 'complaints.resolved_within_15d_pct', ALL_OPERATOR)).toEqual({
      id: 'complaints.resolved_within_15d_pct',
      dimensions: ALL_OPERATOR,
      value: 75,
      n: 4,
      ci95: [30.1, 95.4],
      unit: '%',
      target: { op: '=', value: 100 },
      compliant: false,
      suppressed: false,
    });
    // GD-SZ: c1 c2 c3 = 3/3 = 100% meets "= 100"; GD-GZ: c4 = 0/1.
    expect(
      cellOf(indicators, 'complaints.resolved_within_15d_pct', { region: 'GD-SZ' }),
    ).toMatchObject({ value: 100, n: 3, compliant: true });
    expect(
      cellOf(indicators, 'complaints.resolved_within_15d_pct', { region: 'GD-GZ' }),
    ).toMatchObject({ value: 0, n: 1, compliant: false });

    // 2027-Q1: c5 (1 s, within) and c8 (60.5 days, not) → 1/2 = 50%.
    const q1 = buildFromStates({
      profile: profileOf('quarter', ['complaints.resolved_within_15d_pct']),
      period: '2027-Q1',
      inputs: Q4_INPUTS,
    });
    expect(cellOf(q1.indicators, 'complaints.resolved_within_15d_pct', ALL_OPERATOR)).toMatchObject(
      { value: 50, n: 2 },
    );
  });

  it('takes nearest-rank quantiles of resolution hours', () => {
    // Hours of the Q4 set, sorted: 24, 240, 360, 360.000277…
    // p50: ⌈0.5·4⌉ = 2nd = 240; p90: ⌈3.6⌉ = 4th = 360.000277… → 360.0.
    expect(cellOf(indicators, 'complaints.resolution_hours_p50', ALL_OPERATOR)).toEqual({
      id: 'complaints.resolution_hours_p50',
      dimensions: ALL_OPERATOR,
      value: 240,
      n: 4,
      unit: 'hours',
      compliant: null,
      suppressed: false,
    });
    expect(cellOf(indicators, 'complaints.resolution_hours_p90', ALL_OPERATOR).value).toBe(360);
    // GD-SZ: 24, 240, 360 → p50 = ⌈1.5⌉ = 2nd = 240; p90 = ⌈2.7⌉ = 3rd = 360.
    expect(cellOf(indicators, 'complaints.resolution_hours_p50', { region: 'GD-SZ' }).value).toBe(
      240,
    );
    // fixed_voice: c6 never resolved → no observations.
    expect(
      cellOf(indicators, 'complaints.resolution_hours_p90', { service: 'fixed_voice' }),
    ).toMatchObject({
      value: null,
      n: 0,
      suppressed: false,
      note: 'no observations in the period',
    });
  });

  it('counts as reopened the complaints first resolved in the period that were reopened', () => {
    // Of c1 c2 c3 c4, c3 was reopened: 1/4 = 25%, above the "≤ 5" target.
    // c9 was reopened in Q4 but first resolved in Q3: not in Q4's set.
    expect(cellOf(indicators, 'complaints.reopened_pct', ALL_OPERATOR)).toMatchObject({
      value: 25,
      n: 4,
      compliant: false,
    });
    expect(cellOf(indicators, 'complaints.reopened_pct', { region: 'GD-GZ' })).toMatchObject({
      value: 0,
      n: 1,
      compliant: true,
    });
  });

  it('counts complaints open at the period end and older than D days', () => {
    // c6 (82.5 d), c8 (56 d + 1 s, resolved after the end), c9 (reopened before the end): 3.
    // Not counted: c7 (exactly 56 d), c5 (1 s old), c3 (re-resolved before the end though
    // closed after it), c10 (closed), c1 c2 c4 (resolved).
    expect(cellOf(indicators, 'complaints.open_beyond_56d', ALL_OPERATOR)).toMatchObject({
      value: 3,
      n: 3,
      unit: 'count',
    });
    expect(cellOf(indicators, 'complaints.open_beyond_56d', { region: 'GD-SZ' }).value).toBe(1);
    expect(cellOf(indicators, 'complaints.open_beyond_56d', { region: 'GD-GZ' }).value).toBe(2);
    expect(cellOf(indicators, 'complaints.open_beyond_56d', { service: 'mobile_data' }).value).toBe(
      2,
    );
    expect(
      cellOf(indicators, 'complaints.open_beyond_56d', { service: 'fixed_broadband' }).value,
    ).toBe(0);
  });

  it('leaves a resolution without a created event out of the time-based sets, and says so', () => {
    const untimed = lifecycle({
      id: 'u1',
      region: 'GD-SZ',
      service: 'mobile_data',
      steps: [
        ['resolved', '2026-10-15T10:00:00+08:00'],
        ['reopened', '2026-10-16T10:00:00+08:00'],
      ],
    });
    const { indicators: withUntimed } = buildFromStates({
      profile,
      period: '2026-Q4',
      inputs: { ...Q4_INPUTS, complaints: [...Q4_INPUTS.complaints, untimed] },
    });

    // Still 3 of 4 timed resolutions within 15 days.
    expect(cellOf(withUntimed, 'complaints.resolved_within_15d_pct', ALL_OPERATOR)).toMatchObject({
      value: 75,
      n: 4,
      note: '1 first resolved in the period without a created event left out',
    });
    // Reopening needs no creation time: c3 and u1 of 5 first resolved = 40%.
    expect(cellOf(withUntimed, 'complaints.reopened_pct', ALL_OPERATOR)).toMatchObject({
      value: 40,
      n: 5,
    });
    // Not created in the period, not received.
    expect(cellOf(withUntimed, 'complaints.received', ALL_OPERATOR).value).toBe(7);
  });

  it('suppresses shares and quantiles below minCell, but never counts and rates', () => {
    const strict = buildFromStates({
      profile: profileOf(
        'quarter',
        [
          'complaints.received',
          'complaints.per_million_subscribers',
          'complaints.resolution_hours_p50',
          'complaints.reopened_pct',
        ],
        10,
      ),
      period: '2026-Q4',
      inputs: Q4_INPUTS,
    }).indicators;

    // 7 received and 4 resolved are below 10: the counts and rates stay, the rest go.
    expect(cellOf(strict, 'complaints.received', ALL_OPERATOR)).toMatchObject({
      value: 7,
      suppressed: false,
    });
    expect(cellOf(strict, 'complaints.per_million_subscribers', ALL_OPERATOR).value).toBe(3.89);
    expect(cellOf(strict, 'complaints.resolution_hours_p50', ALL_OPERATOR)).toMatchObject({
      value: null,
      n: 4,
      suppressed: true,
    });
    expect(cellOf(strict, 'complaints.reopened_pct', ALL_OPERATOR)).toMatchObject({
      value: null,
      ci95: null,
      suppressed: true,
    });
  });

  it('rebuilds the state at the period end from the lifecycle times', () => {
    const end = parsePeriod('2026-Q4').endInstant;
    const byId = new Map(COMPLAINTS.map((state) => [state.complaintId, state]));
    const openAtEnd = (id: string) => {
      const state = byId.get(id);
      return state ? isOpenAt(state, end) : undefined;
    };

    expect(openAtEnd('c3')).toBe(false); // reopened 22 Oct, resolved again 25 Oct
    expect(openAtEnd('c5')).toBe(true); // resolved at the end instant itself: after
    expect(openAtEnd('c8')).toBe(true);
    expect(openAtEnd('c9')).toBe(true); // closed only on 3 Jan
    expect(openAtEnd('c10')).toBe(false);
    expect(openAtEnd('c1')).toBe(false);
    // At Q3's end c2 (created in Q3's last second) was open, c9 resolved.
    const q3End = parsePeriod('2026-Q3').endInstant;
    const c2 = byId.get('c2');
    const c9 = byId.get('c9');
    expect(c2 && isOpenAt(c2, q3End)).toBe(true);
    expect(c9 && isOpenAt(c9, q3End)).toBe(false);
  });
});

describe('buildIndicators: faults', () => {
  const profile = profileOf('quarter', [
    'faults.reported',
    'faults.per_100_lines',
    { id: 'faults.repaired_within_24h_pct', target: { op: '>=', value: 80 } },
    'faults.repaired_within_48h_pct',
    'faults.repair_hours_p80',
    'faults.repair_hours_p95',
  ]);
  const { indicators } = buildFromStates({ profile, period: '2026-Q4', inputs: Q4_INPUTS });

  it('counts faults only, and divides fixed-line faults by fixed lines', () => {
    // f1…f6 created in Q4; complaints are not faults.
    expect(cellOf(indicators, 'faults.reported', ALL_OPERATOR).value).toBe(6);
    expect(cellOf(indicators, 'faults.reported', { service: 'mobile_data' }).value).toBe(1);
    // Fixed-line faults f1 f2 f3 f4 f6 = 5 over 2,000 + 500 = 2,500 lines × 100 = 0.2.
    expect(cellOf(indicators, 'faults.per_100_lines', ALL_OPERATOR)).toMatchObject({
      value: 0.2,
      n: 5,
      unit: 'per 100 lines',
    });
    // GD-SZ: f1 f2 f6 over 2,000 × 100 = 0.15; GD-GZ: f3 f4 over 500 × 100 = 0.4.
    expect(cellOf(indicators, 'faults.per_100_lines', { region: 'GD-SZ' }).value).toBe(0.15);
    expect(cellOf(indicators, 'faults.per_100_lines', { region: 'GD-GZ' }).value).toBe(0.4);
    // No cell for a service that has no lines.
    expect(
      indicators
        .filter((result) => result.id === 'faults.per_100_lines')
        .map((result) => result.dimensions.service),
    ).toEqual(['*', '*', '*', 'fixed_broadband', 'fixed_voice']);
  });

  it('shares repaired within H hours and repair-time quantiles with ties', () => {
    // Repaired in Q4: 10, 20, 30, 30, 50 h (f6 unrepaired).
    // ≤ 24 h: 2/5 = 40% (Wilson(2, 5) = [11.762, 76.928]), below the 80% target.
    expect(cellOf(indicators, 'faults.repaired_within_24h_pct', ALL_OPERATOR)).toMatchObject({
      value: 40,
      n: 5,
      ci95: [11.8, 76.9],
      compliant: false,
    });
    // ≤ 48 h: 4/5 = 80%.
    expect(cellOf(indicators, 'faults.repaired_within_48h_pct', ALL_OPERATOR).value).toBe(80);
    // p80: ⌈0.8·5⌉ = 4th = 30 (tied with the 3rd); p95: ⌈4.75⌉ = 5th = 50.
    expect(cellOf(indicators, 'faults.repair_hours_p80', ALL_OPERATOR).value).toBe(30);
    expect(cellOf(indicators, 'faults.repair_hours_p95', ALL_OPERATOR).value).toBe(50);
    // GD-GZ: 30, 30, 50 → p80 = ⌈2.4⌉ = 3rd = 50; GD-SZ: 10, 20 → p80 = ⌈1.6⌉ = 2nd = 20.
    expect(cellOf(indicators, 'faults.repair_hours_p80', { region: 'GD-GZ' }).value).toBe(50);
    expect(cellOf(indicators, 'faults.repair_hours_p80', { region: 'GD-SZ' }).value).toBe(20);
    // GD-SZ ≤ 24 h: 2/2 = 100% meets "≥ 80".
    expect(
      cellOf(indicators, 'faults.repaired_within_24h_pct', { region: 'GD-SZ' }).compliant,
    ).toBe(true);
  });
});

describe('buildIndicators: missing subscriber counts', () => {
  const profile = profileOf('quarter', [
    'complaints.per_million_subscribers',
    'faults.per_100_lines',
  ]);

  it('gives null with a note when there is no subscriber record, never a guess', () => {
    const { indicators } = buildFromStates({
      profile,
      period: '2026-Q4',
      inputs: { ...Q4_INPUTS, subscribers: undefined },
    });

    expect(cellOf(indicators, 'complaints.per_million_subscribers', ALL_OPERATOR)).toEqual({
      id: 'complaints.per_million_subscribers',
      dimensions: ALL_OPERATOR,
      value: null,
      n: 7,
      unit: 'per million',
      compliant: null,
      suppressed: false,
      note: 'no subscriber counts for the period',
    });
    expect(indicators.every((result) => result.value === null && result.note !== undefined)).toBe(
      true,
    );
  });

  it('gives null with a note for a region or service without a row', () => {
    const { indicators } = buildFromStates({
      profile,
      period: '2026-Q4',
      inputs: {
        ...Q4_INPUTS,
        subscribers: SUBSCRIBERS.filter((row) => row.region !== 'GD-GZ'),
      },
    });

    expect(
      cellOf(indicators, 'complaints.per_million_subscribers', { region: 'GD-GZ' }),
    ).toMatchObject({ value: null, n: 3, note: 'no subscriber count for region GD-GZ' });
    expect(
      cellOf(indicators, 'complaints.per_million_subscribers', { region: 'GD-SZ' }).value,
    ).toBe(4);
    expect(cellOf(indicators, 'faults.per_100_lines', { service: 'fixed_voice' })).toMatchObject({
      value: null,
      note: 'no fixed-line subscriber count for service fixed_voice',
    });
  });
});

// --- surveys, 2026-10 in Asia/Shanghai -------------------------------------------------------

const row = (
  day: string,
  region: string,
  service: string,
  touchpoint: string,
  channel: string,
  counts: Record<string, number>,
): ResponseAggregateRow => ({ day, region, service, touchpoint, channel, counts });

const RESPONSES: ResponseAggregateRow[] = [
  // CSAT: 14 of 20 satisfied. NPS: 9 promoters (5 + 4), 5 detractors (2 + 2 + 1) of 20.
  row('2026-10-01', 'GD-SZ', 'mobile_data', 'store', 'web', {
    responses: 20,
    csat_5: 8,
    csat_4: 6,
    csat_3: 3,
    csat_2: 2,
    csat_1: 1,
    nps_10: 5,
    nps_9: 4,
    nps_8: 3,
    nps_7: 3,
    nps_6: 2,
    nps_3: 2,
    nps_0: 1,
  }),
  // CSAT 9 of 12; NPS 6 promoters, 2 detractors of 12. Last day of October.
  row('2026-10-31', 'GD-SZ', 'mobile_data', 'hotline', 'sms', {
    responses: 12,
    csat_5: 6,
    csat_4: 3,
    csat_3: 3,
    nps_10: 6,
    nps_8: 4,
    nps_5: 2,
  }),
  // CSAT 5 of 11; NPS 3 promoters, 0 detractors of 11.
  row('2026-10-15', 'GD-GZ', 'mobile_data', 'store', 'web', {
    responses: 11,
    csat_4: 5,
    csat_2: 6,
    nps_9: 3,
    nps_7: 8,
  }),
  // A small region and service: 4 answers, all satisfied promoters.
  row('2026-10-20', 'GD-FS', 'fixed_broadband', 'store', 'web', {
    responses: 4,
    csat_5: 4,
    nps_10: 4,
  }),
  // NPS answers only: GD-ZH has no CSAT answer (n = 0) and 2 NPS promoters.
  row('2026-10-02', 'GD-ZH', 'mobile_data', 'store', 'web', { responses: 2, nps_10: 2 }),
  // Outside October in the reporting zone: left out.
  row('2026-09-30', 'GD-SZ', 'mobile_data', 'store', 'web', { responses: 100, csat_1: 100 }),
  row('2026-11-01', 'GD-SZ', 'mobile_data', 'store', 'web', { responses: 100, nps_0: 100 }),
];

const invitation = (
  day: string,
  region: string,
  touchpoint: string,
  channel: string,
  sent: number,
  answered: number,
): InvitationTallyRow => ({
  day,
  region,
  service: 'mobile_data',
  touchpoint,
  channel,
  sent,
  answered,
});

const INVITATIONS: InvitationTallyRow[] = [
  invitation('2026-10-01', 'GD-SZ', 'store', 'web', 40, 22),
  invitation('2026-10-31', 'GD-GZ', 'hotline', 'sms', 25, 5),
  invitation('2026-11-01', 'GD-SZ', 'store', 'web', 100, 0),
];

const SURVEY_INPUTS: StateInputs = { ...none, responses: RESPONSES, invitations: INVITATIONS };

describe('buildIndicators: surveys', () => {
  const profile = profileOf(
    'month',
    [
      { id: 'survey.csat_pct', target: { op: '>=', value: 85 } },
      'survey.nps',
      'survey.response_rate_pct',
    ],
    10,
  );
  const { indicators } = buildFromStates({ profile, period: '2026-10', inputs: SURVEY_INPUTS });
  const csat = (dimensions: Partial<Dimensions>) =>
    cellOf(indicators, 'survey.csat_pct', { ...SURVEY_TOTAL, ...dimensions });
  const nps = (dimensions: Partial<Dimensions>) =>
    cellOf(indicators, 'survey.nps', { ...SURVEY_TOTAL, ...dimensions });

  it('computes CSAT over the days of the month in the reporting zone', () => {
    // Satisfied 14 + 9 + 5 + 4 = 32 of 20 + 12 + 11 + 4 = 47 → 68.085%;
    // Wilson(32, 47): centre 0.7217191, spread 0.1393947, denominator 1.0817362 → [53.832, 79.605].
    expect(csat({})).toEqual({
      id: 'survey.csat_pct',
      dimensions: SURVEY_TOTAL,
      value: 68.1,
      n: 47,
      ci95: [53.8, 79.6],
      unit: '%',
      target: { op: '>=', value: 85 },
      compliant: false,
      suppressed: false,
    });
    // hotline = sms: 9/12 = 75% (Wilson [46.769, 91.106]); store = web: 23/35 = 65.714%.
    expect(csat({ touchpoint: 'hotline' })).toMatchObject({ value: 75, n: 12, ci95: [46.8, 91.1] });
    expect(csat({ channel: 'web' })).toMatchObject({ value: 65.7, n: 35, ci95: [49.2, 79.2] });
  });

  it('suppresses a small cell and the smallest sibling, so the total cannot reveal it', () => {
    // Regions: GD-FS n = 4 < 10 → suppressed; the one other published region with the
    // smallest n is GD-GZ (11, against GD-SZ's 32) → suppressed too; GD-ZH has n = 0.
    expect(csat({ region: 'GD-FS' })).toMatchObject({
      value: null,
      n: 4,
      ci95: null,
      compliant: null,
      suppressed: true,
      note: 'suppressed: fewer than 10 observations',
    });
    expect(csat({ region: 'GD-GZ' })).toMatchObject({
      value: null,
      n: 11,
      ci95: null,
      suppressed: true,
      note: 'suppressed so that a small cell cannot be derived from the total',
    });
    // GD-SZ: 14 + 9 = 23 of 32 = 71.875% → 71.9.
    expect(csat({ region: 'GD-SZ' })).toMatchObject({ value: 71.9, n: 32, suppressed: false });
    // Services: fixed_broadband (4) suppressed, so its only sibling mobile_data (43) too.
    expect(csat({ service: 'fixed_broadband' }).suppressed).toBe(true);
    expect(csat({ service: 'mobile_data' })).toMatchObject({ value: null, suppressed: true });
    // The total stays published.
    expect(csat({}).suppressed).toBe(false);
  });

  it('publishes n = 0 as null with a note, not as suppressed', () => {
    expect(csat({ region: 'GD-ZH' })).toEqual({
      id: 'survey.csat_pct',
      dimensions: { ...SURVEY_TOTAL, region: 'GD-ZH' },
      value: null,
      n: 0,
      ci95: null,
      unit: '%',
      target: { op: '>=', value: 85 },
      compliant: null,
      suppressed: false,
      note: 'no observations in the period',
    });
  });

  it('computes NPS with its margin, and needs no complementary cell when two are suppressed', () => {
    // Promoters 9 + 6 + 3 + 4 + 2 = 24, detractors 5 + 2 = 7, n = 20 + 12 + 11 + 4 + 2 = 49.
    // NPS = (24 − 7)/49 × 100 = 34.694; p = 0.4898, d = 0.1429:
    // margin = 196·√((0.6327 − 0.3469²)/49) = 196·√(0.5123/49) = 20.041.
    expect(nps({})).toEqual({
      id: 'survey.nps',
      dimensions: SURVEY_TOTAL,
      value: 34.7,
      n: 49,
      margin95: 20,
      unit: 'points',
      compliant: null,
      suppressed: false,
    });
    // GD-FS (4) and GD-ZH (2) are both below 10: they protect each other.
    expect(nps({ region: 'GD-FS' }).suppressed).toBe(true);
    expect(nps({ region: 'GD-ZH' }).suppressed).toBe(true);
    // GD-GZ: (3 − 0)/11 = 27.27 published; GD-SZ: (15 − 7)/32 = 25.0,
    // margin 196·√((22/32 − (8/32)²)/32) = 196·√(0.625/32) = 27.392.
    expect(nps({ region: 'GD-GZ' })).toMatchObject({ value: 27.3, n: 11, suppressed: false });
    expect(nps({ region: 'GD-SZ' })).toMatchObject({ value: 25, n: 32, margin95: 27.4 });
  });

  it('computes the response rate of the invitations created in the month and sent', () => {
    // (22 + 5)/(40 + 25) = 27/65 = 41.538%; Wilson [30.360, 53.661]. 1 Nov is left out.
    expect(cellOf(indicators, 'survey.response_rate_pct', SURVEY_TOTAL)).toMatchObject({
      value: 41.5,
      n: 65,
      ci95: [30.4, 53.7],
    });
    // GD-GZ 5/25 = 20%; GD-SZ 22/40 = 55%.
    expect(
      cellOf(indicators, 'survey.response_rate_pct', { ...SURVEY_TOTAL, region: 'GD-GZ' }).value,
    ).toBe(20);
    expect(
      cellOf(indicators, 'survey.response_rate_pct', { ...SURVEY_TOTAL, channel: 'web' }).value,
    ).toBe(55);
  });

  it('orders cells by profile, then operator, regions, services, touchpoints, channels', () => {
    const key = (result: IndicatorResult) =>
      [
        result.dimensions.region,
        result.dimensions.service,
        result.dimensions.touchpoint,
        result.dimensions.channel,
      ].join('/');

    expect(indicators.filter((result) => result.id === 'survey.csat_pct').map(key)).toEqual([
      '*/*/*/*',
      'GD-FS/*/*/*',
      'GD-GZ/*/*/*',
      'GD-SZ/*/*/*',
      'GD-ZH/*/*/*',
      '*/fixed_broadband/*/*',
      '*/mobile_data/*/*',
      '*/*/hotline/*',
      '*/*/store/*',
      '*/*/*/sms',
      '*/*/*/web',
    ]);
    expect([...new Set(indicators.map((result) => result.id))]).toEqual([
      'survey.csat_pct',
      'survey.nps',
      'survey.response_rate_pct',
    ]);
  });

  it('gives the same output whatever the order of its inputs', () => {
    const shuffled = buildFromStates({
      profile,
      period: '2026-10',
      inputs: { ...SURVEY_INPUTS, responses: [...RESPONSES].reverse() },
    });

    expect(shuffled.indicators).toEqual(indicators);
  });

  it('judges targets on the exact value, not the rounded one', () => {
    // 1,999 of 2,000 = 99.95% prints as 100.0 but does not meet "= 100".
    const exact = buildFromStates({
      profile: profileOf('month', [{ id: 'survey.csat_pct', target: { op: '=', value: 100 } }]),
      period: '2026-10',
      inputs: {
        ...none,
        responses: [
          row('2026-10-05', 'GD-SZ', 'iptv', 'online', 'web', { csat_5: 1999, csat_1: 1 }),
        ],
      },
    });

    expect(cellOf(exact.indicators, 'survey.csat_pct', SURVEY_TOTAL)).toMatchObject({
      value: 100,
      compliant: false,
    });
  });
});

describe('suppressCells', () => {
  const cell = (region: string, n: number) => ({
    dimensions: { region, service: '*' },
    value: n > 0 ? 50 : null,
    n,
  });

  it('breaks a tie between the smallest siblings by the lower dimension value', () => {
    // B and C both have n = 11: B is taken.
    expect(
      suppressCells([cell('*', 56), cell('A', 4), cell('C', 11), cell('B', 11), cell('D', 30)], 10),
    ).toEqual([undefined, 'primary', undefined, 'complementary', undefined]);
  });

  it('adds nothing when the total itself is suppressed', () => {
    expect(suppressCells([cell('*', 9), cell('A', 4), cell('B', 5)], 10)).toEqual([
      'primary',
      'primary',
      'primary',
    ]);
    expect(suppressCells([cell('*', 14), cell('A', 4), cell('B', 10), cell('C', 0)], 10)).toEqual([
      undefined,
      'primary',
      'complementary',
      undefined,
    ]);
  });
});

// --- previous period and rankings, quarters ---------------------------------------------------

/** `count` complaints created (and resolved after `resolveHours`) at the start of a quarter. */
function bulk(
  prefix: string,
  count: number,
  region: string,
  createdAt: string,
  resolveHours?: number,
): ComplaintState[] {
  return Array.from({ length: count }, (_, index) =>
    lifecycle({
      id: `${prefix}-${index}`,
      region,
      service: 'mobile_data',
      steps: createdThenResolved(Date.parse(createdAt) + index * 60_000, resolveHours),
    }),
  );
}

describe('buildIndicators: change versus the previous period', () => {
  it('tests per-subscriber rates with a two-proportion z-test', () => {
    const complaints = [
      ...bulk('q4-sz', 200, 'GD-SZ', '2026-10-10T09:00:00+08:00'),
      ...bulk('q4-gz', 100, 'GD-GZ', '2026-10-10T09:00:00+08:00'),
      ...bulk('q3-sz', 150, 'GD-SZ', '2026-07-10T09:00:00+08:00'),
      ...bulk('q3-gz', 90, 'GD-GZ', '2026-07-10T09:00:00+08:00'),
    ];
    const subscribers = [
      { region: 'GD-SZ', service: 'mobile_data', subscribers: 600_000 },
      { region: 'GD-GZ', service: 'mobile_data', subscribers: 400_000 },
    ];
    const inputs = { ...none, complaints, subscribers };
    const { indicators } = buildFromStates({
      profile: BUILT_IN_PROFILES['cn-miit'],
      period: '2026-Q4',
      inputs,
      previous: inputs,
    });
    const perMillion = (dimensions: Partial<Dimensions>) =>
      cellOf(indicators, 'complaints.per_million_subscribers', dimensions);

    // Q4 300 / 10⁶ vs Q3 240 / 10⁶: pooled 2.7e-4, se = √(2.7e-4·(1 − 2.7e-4)·2e-6)
    // = 2.32348e-5, z = 6e-5 / 2.32348e-5 = 2.582 > 1.96.
    expect(perMillion(ALL_OPERATOR)).toMatchObject({
      value: 300,
      previous: 240,
      changeSignificant: true,
    });
    // GD-SZ 200 vs 150 of 600,000: z = 8.333e-5 / 3.1176e-5 = 2.673.
    expect(perMillion({ region: 'GD-SZ' })).toMatchObject({
      value: 333.33,
      previous: 250,
      changeSignificant: true,
    });
    // GD-GZ 100 vs 90 of 400,000: pooled 2.375e-4, se = 3.4457e-5, z = 2.5e-5 / 3.4457e-5 = 0.726.
    expect(perMillion({ region: 'GD-GZ' })).toMatchObject({
      value: 250,
      previous: 225,
      changeSignificant: false,
    });
    // No regulator complaints in either quarter: 0 vs 0 is no change.
    expect(
      cellOf(indicators, 'complaints.regulator_per_million_subscribers', ALL_OPERATOR),
    ).toMatchObject({ value: 0, previous: 0, changeSignificant: false });
    // Indicators without compareWithPrevious carry no previous value.
    expect(cellOf(indicators, 'survey.csat_pct', SURVEY_TOTAL)).not.toHaveProperty('previous');
  });

  it('tests shares, and hides a previous value that was suppressed then', () => {
    const complaints = [
      // Q4: GD-SZ 60 within 15 d and 40 after 20 d; GD-FS 12 within.
      ...bulk('q4-in', 60, 'GD-SZ', '2026-10-05T09:00:00+08:00', 24),
      ...bulk('q4-out', 40, 'GD-SZ', '2026-10-05T09:00:00+08:00', 480),
      ...bulk('q4-fs', 12, 'GD-FS', '2026-10-05T09:00:00+08:00', 24),
      // Q3: GD-SZ 45 within, 55 after; GD-FS 3 within (below minCell 10).
      ...bulk('q3-in', 45, 'GD-SZ', '2026-07-05T09:00:00+08:00', 24),
      ...bulk('q3-out', 55, 'GD-SZ', '2026-07-05T09:00:00+08:00', 480),
      ...bulk('q3-fs', 3, 'GD-FS', '2026-07-05T09:00:00+08:00', 24),
    ];
    const inputs = { ...none, complaints };
    const profile = profileOf(
      'quarter',
      [{ id: 'complaints.resolved_within_15d_pct', compareWithPrevious: true }],
      10,
    );
    const { indicators } = buildFromStates({
      profile,
      period: '2026-Q4',
      inputs,
      previous: inputs,
    });
    const share = (dimensions: Partial<Dimensions>) =>
      cellOf(indicators, 'complaints.resolved_within_15d_pct', dimensions);

    // Q4 72/112 = 64.286% vs Q3 48/103 = 46.602%: pooled 120/215 = 0.55814,
    // se = √(0.55814·0.44186·(1/112 + 1/103)) = 0.067796, z = 0.176838/0.067796 = 2.608.
    expect(share(ALL_OPERATOR)).toMatchObject({
      value: 64.3,
      n: 112,
      previous: 46.6,
      changeSignificant: true,
    });
    // In Q3, GD-FS (3) was suppressed and GD-SZ with it (complementary): no previous values.
    expect(share({ region: 'GD-FS' })).toMatchObject({ value: 100, n: 12, previous: null });
    expect(share({ region: 'GD-FS' })).not.toHaveProperty('changeSignificant');
    expect(share({ region: 'GD-SZ' })).toMatchObject({ value: 60, previous: null });
  });

  it('says so when the previous period has no data', () => {
    const { indicators } = buildFromStates({
      profile: profileOf('quarter', [{ id: 'complaints.received', compareWithPrevious: true }]),
      period: '2026-Q1',
      inputs: Q4_INPUTS,
    });

    expect(cellOf(indicators, 'complaints.received', ALL_OPERATOR)).toMatchObject({
      value: 0,
      previous: null,
      note: 'no data for the previous period 2025-Q4',
    });
  });
});

describe('buildIndicators: rankings', () => {
  const complaints = [
    ...bulk('sz', 3, 'GD-SZ', '2026-10-10T09:00:00+08:00'),
    ...bulk('gz', 1, 'GD-GZ', '2026-10-10T09:00:00+08:00'),
    ...bulk('dg', 1, 'GD-DG', '2026-10-10T09:00:00+08:00'),
    ...bulk('zh', 1, 'GD-ZH', '2026-10-10T09:00:00+08:00'),
  ];
  const subscribers = [
    { region: 'GD-SZ', service: 'mobile_data', subscribers: 1_000_000 },
    { region: 'GD-GZ', service: 'mobile_data', subscribers: 500_000 },
    { region: 'GD-DG', service: 'mobile_data', subscribers: 500_000 },
    { region: 'GD-FS', service: 'mobile_data', subscribers: 250_000 },
  ];
  const { indicators, rankings } = buildFromStates({
    profile: BUILT_IN_PROFILES['uk-ofcom'],
    period: '2026-Q4',
    inputs: { ...none, complaints, subscribers },
  });

  it('ranks regions ascending on complaints per 100k, ties sharing a rank', () => {
    // GD-FS 0/250,000 = 0; GD-DG and GD-GZ 1/500,000 × 10⁵ = 0.2; GD-SZ 3/10⁶ × 10⁵ = 0.3;
    // GD-ZH has no subscriber row: null, not ranked.
    // Average of the regions: (0 + 0.2 + 0.2 + 0.3)/4 = 0.175 → 0.18.
    // Whole operator: 6 / 2,250,000 × 10⁵ = 0.2666… → 0.27.
    expect(rankings).toEqual([
      {
        indicator: 'complaints.per_100k_subscribers',
        by: 'region',
        dimensions: ALL_OPERATOR,
        unit: 'per 100k',
        order: 'ascending',
        average: 0.18,
        overall: 0.27,
        entries: [
          { rank: 1, region: 'GD-FS', value: 0, n: 0 },
          { rank: 2, region: 'GD-DG', value: 0.2, n: 1 },
          { rank: 2, region: 'GD-GZ', value: 0.2, n: 1 },
          { rank: 4, region: 'GD-SZ', value: 0.3, n: 3 },
        ],
      },
    ]);
    expect(
      cellOf(indicators, 'complaints.per_100k_subscribers', { region: 'GD-ZH' }),
    ).toMatchObject({ value: null, note: 'no subscriber count for region GD-ZH' });
  });

  it('ranks descending where higher is better and leaves suppressed regions out', () => {
    const responses = [
      row('2026-10-03', 'GD-SZ', 'mobile_data', 'store', 'web', { csat_5: 8, csat_1: 4 }),
      row('2026-10-03', 'GD-GZ', 'mobile_data', 'store', 'web', { csat_5: 9, csat_1: 1 }),
      row('2026-10-03', 'GD-DG', 'mobile_data', 'store', 'web', { csat_5: 20, csat_1: 20 }),
      row('2026-10-03', 'GD-FS', 'mobile_data', 'store', 'web', { csat_5: 5 }),
    ];
    const built = buildFromStates({
      profile: profileOf('month', [{ id: 'survey.csat_pct', rankBy: 'region' }], 10),
      period: '2026-10',
      inputs: { ...none, responses },
    });

    // GD-GZ 9/10 = 90; GD-SZ 8/12 = 66.7; GD-DG 20/40 = 50; GD-FS (5) suppressed, and the
    // smallest sibling GD-GZ (10) with it. Ranked: GD-SZ, GD-DG; average (66.7 + 50)/2 = 58.35
    // → 58.4. Whole operator: 42/67 = 62.687 → 62.7.
    expect(built.rankings).toEqual([
      {
        indicator: 'survey.csat_pct',
        by: 'region',
        dimensions: SURVEY_TOTAL,
        unit: '%',
        order: 'descending',
        average: 58.4,
        overall: 62.7,
        entries: [
          { rank: 1, region: 'GD-SZ', value: 66.7, n: 12 },
          { rank: 2, region: 'GD-DG', value: 50, n: 40 },
        ],
      },
    ]);
  });
});

describe('buildIndicators: periods and profiles', () => {
  it('refuses a period of another kind than the profile', () => {
    expect(() =>
      buildFromStates({ profile: BUILT_IN_PROFILES.baseline, period: '2026-Q4', inputs: none }),
    ).toThrow(InvalidPeriodError);
  });

  it('refuses a parsed period in another time zone than the reporting one', () => {
    expect(() =>
      buildFromStates({
        profile: BUILT_IN_PROFILES.baseline,
        period: parsePeriod('2026-10', 'Europe/London'),
        timezone: 'Asia/Shanghai',
        inputs: none,
      }),
    ).toThrow(InvalidPeriodError);
  });

  it('uses the reporting time zone to place complaints in periods', () => {
    // 2026-09-30T23:30Z is 1 October 07:30 in Shanghai (Q4) but 30 September 23:30 in UTC (Q3).
    const complaints = [
      lifecycle({
        id: 'edge',
        region: 'GD-SZ',
        service: 'iptv',
        steps: [['created', '2026-09-30T23:30:00Z']],
      }),
    ];
    const profile = profileOf('quarter', ['complaints.received']);
    const received = (timezone: string) =>
      cellOf(
        buildFromStates({ profile, period: '2026-Q4', timezone, inputs: { ...none, complaints } })
          .indicators,
        'complaints.received',
        ALL_OPERATOR,
      ).value;

    expect(received('Asia/Shanghai')).toBe(1);
    expect(received('UTC')).toBe(0);
  });

  it('builds every built-in profile on the same inputs', () => {
    const inputs = { ...Q4_INPUTS, responses: RESPONSES, invitations: INVITATIONS };
    for (const profile of Object.values(BUILT_IN_PROFILES)) {
      const period = profile.period === 'month' ? '2026-10' : '2026-Q4';
      const { indicators } = buildFromStates({ profile, period, inputs });

      expect(new Set(indicators.map((result) => result.id))).toEqual(
        new Set(profile.indicators.map((entry) => entry.id)),
      );
    }
  });
});
