import { describe, expect, it } from 'vitest';
import { buildIndicators } from '#shared/indicators/build-indicators.ts';
import { type FollowUpCaseRow, isWholeOperator } from '#shared/indicators/catalogue.ts';
import { parseProfile } from '#shared/indicators/profiles.ts';
import { roundHalfAwayFromZero, wilson95 } from '#shared/indicators/statistics.ts';

const ID = 'survey.detractor_followup_within_48h_pct';

/** A monthly profile with the indicator alone; minCell 1 unless told, so nothing is hidden. */
const profileOf = (minCell = 1) =>
  parseProfile({
    id: 'follow-up-test',
    name: { en: 'Follow-up', 'zh-CN': '回访' },
    period: 'month',
    minCell,
    indicators: [{ id: ID, target: { op: '>=', value: 90 } }],
  });

let next = 0;
/** A case answered and (maybe) first contacted at the given instants, written with offsets. */
function followUpCase(
  answeredAt: string,
  firstContactedAt?: string,
  group: Partial<FollowUpCaseRow> = {},
): FollowUpCaseRow {
  next += 1;
  return {
    caseId: `case-${next}`,
    region: 'BE',
    service: 'mobile_data',
    touchpoint: 'store',
    channel: 'web',
    answeredAt: new Date(answeredAt).toISOString(),
    ...(firstContactedAt ? { firstContactedAt: new Date(firstContactedAt).toISOString() } : {}),
    ...group,
  };
}

/** The indicator's cells for a Berlin month. */
function figuresOf(period: string, cases: FollowUpCaseRow[], minCell?: number) {
  return buildIndicators({
    profile: profileOf(minCell),
    period,
    timezone: 'Europe/Berlin',
    inputs: { responses: [], invitations: [], cases },
  }).indicators;
}

const whole = (figures: ReturnType<typeof figuresOf>) => figures.find(isWholeOperator);

describe('survey.detractor_followup_within_48h_pct', () => {
  // Berlin moves its clocks forward at 02:00 on 29 March 2026 (CET +01:00 → CEST +02:00)
  // and back at 03:00 on 25 October 2026.
  const answeredBeforeSpring = '2026-03-28T10:00:00+01:00';

  it('counts 48 elapsed hours across the spring change, not 48 hours of wall clock', () => {
    // Prepare: the same wall-clock time two days on is only 47 hours later.
    const cases = [
      followUpCase(answeredBeforeSpring, '2026-03-30T10:00:00+02:00'),
      // Exactly 48 h: within.
      followUpCase(answeredBeforeSpring, '2026-03-30T11:00:00+02:00'),
      // A second more: late.
      followUpCase(answeredBeforeSpring, '2026-03-30T11:00:01+02:00'),
    ];

    // Act
    const figure = whole(figuresOf('2026-03', cases));

    // Assess
    expect(figure).toMatchObject({ id: ID, unit: '%', n: 3, suppressed: false });
    expect(figure?.value).toBe(66.7);
  });

  it('finds a contact at the same wall-clock time two days on late across the autumn change', () => {
    // 24 October 10:00 CEST → 26 October 10:00 CET is 49 hours.
    const figure = whole(
      figuresOf('2026-10', [
        followUpCase('2026-10-24T10:00:00+02:00', '2026-10-26T10:00:00+01:00'),
      ]),
    );

    expect(figure).toMatchObject({ value: 0, n: 1, ci95: [0, 79.3], compliant: false });
  });

  it("puts a case in the month of its answer in the reporting zone, whatever the contact's month", () => {
    const cases = [
      // 23:30 on 31 March in Berlin, contacted the next morning (April): March's, within.
      followUpCase('2026-03-31T23:30:00+02:00', '2026-04-01T09:00:00+02:00'),
      // 00:30 on 1 April in Berlin is still 31 March in UTC: April's.
      followUpCase('2026-04-01T00:30:00+02:00', '2026-04-01T08:00:00+02:00'),
      // 23:59 on 28 February: February's, though contacted in March.
      followUpCase('2026-02-28T23:59:00+01:00', '2026-03-01T10:00:00+01:00'),
    ];

    expect(whole(figuresOf('2026-03', cases))).toMatchObject({ value: 100, n: 1 });
    expect(whole(figuresOf('2026-04', cases))).toMatchObject({ value: 100, n: 1 });
    expect(whole(figuresOf('2026-02', cases))).toMatchObject({ value: 100, n: 1 });
  });

  it('counts a case never contacted, or contacted late, against the share, with its Wilson interval', () => {
    const cases = [
      followUpCase('2026-03-10T12:00:00+01:00', '2026-03-10T15:00:00+01:00'),
      followUpCase('2026-03-10T12:00:00+01:00', '2026-03-12T12:00:00+01:00'),
      // Never contacted by build time.
      followUpCase('2026-03-10T12:00:00+01:00'),
      // Three days later.
      followUpCase('2026-03-10T12:00:00+01:00', '2026-03-13T12:00:00+01:00', { channel: 'sms' }),
    ];

    const figures = figuresOf('2026-03', cases);

    const [low = 0, high = 0] = wilson95(2, 4) ?? [];
    expect(whole(figures)).toMatchObject({
      value: 50,
      n: 4,
      ci95: [roundHalfAwayFromZero(low, 1), roundHalfAwayFromZero(high, 1)],
      target: { op: '>=', value: 90 },
      compliant: false,
    });
    const byChannel = (channel: string) =>
      figures.find((figure) => figure.dimensions.channel === channel)?.value;
    expect(byChannel('web')).toBe(66.7);
    expect(byChannel('sms')).toBe(0);
  });

  it('suppresses a small cell like the other shares, and says when there are no cases', () => {
    const cases = Array.from({ length: 12 }, (_, n) =>
      followUpCase('2026-03-10T12:00:00+01:00', '2026-03-11T12:00:00+01:00', {
        region: n < 11 ? 'BE' : 'HH',
      }),
    );

    const figures = figuresOf('2026-03', cases, 10);

    expect(whole(figures)).toMatchObject({ value: 100, n: 12, suppressed: false });
    const region = (code: string) => figures.find((figure) => figure.dimensions.region === code);
    expect(region('HH')).toMatchObject({ value: null, suppressed: true });
    // The one other region is hidden too, or HH would be the total minus BE.
    expect(region('BE')).toMatchObject({ value: null, suppressed: true });
    expect(whole(figuresOf('2026-05', cases))).toMatchObject({
      value: null,
      n: 0,
      note: 'no observations in the period',
    });
  });
});
