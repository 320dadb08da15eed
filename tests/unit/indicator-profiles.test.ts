import { describe, expect, it } from 'vitest';
import { describeCatalogue, resolveIndicator } from '#shared/indicators/catalogue.ts';
import {
  BUILT_IN_PROFILE_IDS,
  BUILT_IN_PROFILES,
  DEFAULT_MIN_CELL,
  InvalidProfileError,
  parseProfile,
} from '#shared/indicators/profiles.ts';

/** A minimal valid operator profile, changed per test. */
const operatorProfile = (overrides: Record<string, unknown> = {}) => ({
  id: 'operator-weekly-board',
  name: { en: 'Board pack', 'zh-CN': '董事会报告' },
  period: 'month',
  indicators: [{ id: 'survey.csat_pct', target: { op: '>=', value: 90 } }],
  ...overrides,
});

function errorsOf(json: unknown) {
  try {
    parseProfile(json);
  } catch (error) {
    if (error instanceof InvalidProfileError) return error.errors;
    throw error;
  }
  throw new Error('the profile was accepted');
}

describe('built-in profiles (reference §4)', () => {
  it('ships cn-miit, in-trai, uk-ofcom and baseline, each under its own id', () => {
    expect(Object.keys(BUILT_IN_PROFILES)).toEqual([...BUILT_IN_PROFILE_IDS]);
    for (const id of BUILT_IN_PROFILE_IDS) {
      expect(BUILT_IN_PROFILES[id].id).toBe(id);
      expect(BUILT_IN_PROFILES[id].minCell).toBe(10);
      expect(BUILT_IN_PROFILES[id].name.en).not.toBe('');
      expect(BUILT_IN_PROFILES[id].name['zh-CN']).not.toBe('');
    }
  });

  it('cn-miit: quarterly, per-million rates compared with the previous quarter, 100% targets', () => {
    const profile = BUILT_IN_PROFILES['cn-miit'];

    expect(profile.period).toBe('quarter');
    expect(profile.indicators).toEqual([
      { id: 'complaints.per_million_subscribers', compareWithPrevious: true },
      { id: 'complaints.regulator_per_million_subscribers', compareWithPrevious: true },
      { id: 'complaints.category_share_pct' },
      { id: 'complaints.resolved_within_15d_pct', target: { op: '=', value: 100 } },
      { id: 'faults.repaired_within_48h_pct', target: { op: '=', value: 100 } },
      { id: 'survey.csat_pct' },
    ]);
  });

  it('in-trai: quarterly, TRAI benchmarks', () => {
    const profile = BUILT_IN_PROFILES['in-trai'];

    expect(profile.period).toBe('quarter');
    expect(profile.indicators).toEqual([
      { id: 'complaints.resolved_within_28d_pct', target: { op: '>=', value: 98 } },
      { id: 'complaints.resolved_within_42d_pct', target: { op: '=', value: 100 } },
      { id: 'faults.repaired_within_24h_pct', target: { op: '>=', value: 90 } },
      { id: 'faults.repaired_within_72h_pct', target: { op: '=', value: 100 } },
      { id: 'complaints.per_million_subscribers' },
    ]);
  });

  it('uk-ofcom: quarterly, complaints per 100k ranked by region, 8-week backlog', () => {
    const profile = BUILT_IN_PROFILES['uk-ofcom'];

    expect(profile.period).toBe('quarter');
    expect(profile.indicators).toEqual([
      { id: 'complaints.per_100k_subscribers', rankBy: 'region' },
      { id: 'complaints.open_beyond_56d' },
      { id: 'survey.csat_pct' },
    ]);
  });

  it('baseline: monthly, with its targets', () => {
    const profile = BUILT_IN_PROFILES.baseline;

    expect(profile.period).toBe('month');
    expect(profile.indicators).toEqual([
      { id: 'survey.csat_pct', target: { op: '>=', value: 85 } },
      { id: 'survey.nps' },
      { id: 'survey.response_rate_pct' },
      { id: 'survey.detractor_followup_within_48h_pct' },
      { id: 'complaints.per_million_subscribers' },
      { id: 'complaints.resolved_within_15d_pct', target: { op: '>=', value: 95 } },
      { id: 'complaints.resolution_hours_p50' },
      { id: 'complaints.resolution_hours_p90' },
      { id: 'complaints.reopened_pct', target: { op: '<=', value: 5 } },
      { id: 'faults.repaired_within_24h_pct', target: { op: '>=', value: 80 } },
      { id: 'faults.repair_hours_p80' },
      { id: 'faults.repair_hours_p95' },
    ]);
  });
});

describe('parseProfile', () => {
  it('accepts an operator profile as a JSON document and defaults minCell to 10', () => {
    const profile = parseProfile(JSON.parse(JSON.stringify(operatorProfile())));

    expect(profile).toEqual({ ...operatorProfile(), minCell: 10 });
    expect(DEFAULT_MIN_CELL).toBe(10);
  });

  it('accepts parameterised ids by pattern', () => {
    const profile = parseProfile(
      operatorProfile({
        period: 'year',
        minCell: 25,
        indicators: [
          { id: 'complaints.resolved_within_5d_pct', target: { op: '>=', value: 99.5 } },
          { id: 'complaints.resolved_within_9999d_pct' },
          { id: 'complaints.open_beyond_30d', compareWithPrevious: true },
          { id: 'faults.repaired_within_36h_pct', rankBy: 'region' },
        ],
      }),
    );

    expect(profile.minCell).toBe(25);
    expect(profile.indicators.map((entry) => entry.id)).toEqual([
      'complaints.resolved_within_5d_pct',
      'complaints.resolved_within_9999d_pct',
      'complaints.open_beyond_30d',
      'faults.repaired_within_36h_pct',
    ]);
  });

  it.each([
    'survey.csat',
    'complaints.resolved_within_0d_pct',
    'complaints.resolved_within_015d_pct',
    'complaints.resolved_within_15h_pct',
    'complaints.resolved_within_10000d_pct',
    'faults.repaired_within_48d_pct',
    'complaints.open_beyond_d',
    'complaints.resolution_hours_p75',
    'Survey.csat_pct',
  ])('refuses the unknown indicator id %s', (id) => {
    expect(errorsOf(operatorProfile({ indicators: [{ id }] }))).toEqual([
      { pointer: '/indicators/0/id', detail: 'is not an indicator of the catalogue' },
    ]);
  });

  it('refuses unknown fields, a bad operator, a bad period and a duplicate indicator', () => {
    const errors = errorsOf(
      operatorProfile({
        period: 'week',
        colour: 'red',
        indicators: [
          { id: 'survey.nps', target: { op: '>', value: 30 } },
          { id: 'survey.nps', weight: 2 },
        ],
      }),
    );

    expect(errors).toEqual(
      expect.arrayContaining([
        { pointer: '/colour', detail: 'unknown field' },
        { pointer: '/period', detail: 'must be one of: month, quarter, year' },
        { pointer: '/indicators/0/target/op', detail: 'must be one of: >=, <=, =' },
        { pointer: '/indicators/1/weight', detail: 'unknown field' },
      ]),
    );
  });

  it('refuses an indicator named twice', () => {
    expect(
      errorsOf(operatorProfile({ indicators: [{ id: 'survey.nps' }, { id: 'survey.nps' }] })),
    ).toEqual([{ pointer: '/indicators', detail: 'must not name an indicator twice' }]);
  });

  it('refuses a percentage target outside 0–100, a fractional minCell and no indicators', () => {
    expect(
      errorsOf(
        operatorProfile({
          indicators: [{ id: 'survey.csat_pct', target: { op: '>=', value: 101 } }],
        }),
      ),
    ).toEqual([
      {
        pointer: '/indicators/0/target/value',
        detail: 'a percentage target must be between 0 and 100',
      },
    ]);
    expect(errorsOf(operatorProfile({ minCell: 2.5 }))).toEqual([
      { pointer: '/minCell', detail: 'must be a whole number' },
    ]);
    expect(errorsOf(operatorProfile({ indicators: [] }))).toEqual([
      { pointer: '/indicators', detail: 'must name at least one indicator' },
    ]);
  });

  it('refuses a rankBy other than region and a name without zh-CN', () => {
    expect(
      errorsOf(
        operatorProfile({
          name: { en: 'Board pack' },
          indicators: [{ id: 'survey.csat_pct', rankBy: 'service' }],
        }),
      ),
    ).toEqual(
      expect.arrayContaining([
        { pointer: '/name/zh-CN', detail: 'is required' },
        { pointer: '/indicators/0/rankBy', detail: 'must be region' },
      ]),
    );
  });

  it('throws a named error whose message lists the problems', () => {
    expect(() => parseProfile({})).toThrow(InvalidProfileError);
    expect(() => parseProfile(null)).toThrow(/invalid profile/);
  });
});

describe('the catalogue behind profile validation', () => {
  it('resolves parameterised ids with their parameter in the formula', () => {
    const definition = resolveIndicator('complaints.resolved_within_15d_pct');

    expect(definition).toMatchObject({ unit: '%', statistic: 'proportion', suppressible: true });
    expect(definition?.formula).toContain('≤ 15 × 24 h');
    expect(resolveIndicator('faults.repaired_within_48h_pct')?.formula).toContain('≤ 48 h');
    expect(resolveIndicator('complaints.open_beyond_56d')).toMatchObject({
      unit: 'count',
      suppressible: false,
    });
  });

  it('describes every indicator of reference §3 for the methodology', () => {
    expect(describeCatalogue().map((entry) => [entry.id, entry.unit])).toEqual([
      ['survey.csat_pct', '%'],
      ['survey.nps', 'points'],
      ['survey.response_rate_pct', '%'],
      ['survey.detractor_followup_within_48h_pct', '%'],
      ['complaints.received', 'count'],
      ['complaints.per_million_subscribers', 'per million'],
      ['complaints.per_100k_subscribers', 'per 100k'],
      ['complaints.regulator_per_million_subscribers', 'per million'],
      ['complaints.category_share_pct', '%'],
      ['complaints.resolution_hours_p50', 'hours'],
      ['complaints.resolution_hours_p90', 'hours'],
      ['complaints.reopened_pct', '%'],
      ['faults.reported', 'count'],
      ['faults.per_100_lines', 'per 100 lines'],
      ['faults.repair_hours_p80', 'hours'],
      ['faults.repair_hours_p95', 'hours'],
      ['complaints.resolved_within_{D}d_pct', '%'],
      ['complaints.open_beyond_{D}d', 'count'],
      ['faults.repaired_within_{H}h_pct', '%'],
    ]);
  });
});
