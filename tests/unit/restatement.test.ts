import { describe, expect, it } from 'vitest';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import { buildIndicators } from '#shared/indicators/build-indicators.ts';
import type { IndicatorInputs, ResponseAggregateRow } from '#shared/indicators/catalogue.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { lateComplaintRows, restatedFigures } from '#shared/reports/restatement.ts';
import { figuresOfStates } from '../support/complaint-figures.ts';

const profile = BUILT_IN_PROFILES.baseline;

const answers = (day: string, counts: Record<string, number>): ResponseAggregateRow => ({
  day,
  region: 'BJ',
  service: 'mobile_data',
  touchpoint: 'store',
  channel: 'web',
  counts,
});

const complaint = (overrides: Partial<ComplaintState> = {}): ComplaintState => ({
  complaintId: 'c-1',
  kind: 'complaint',
  category: 'billing',
  region: 'BJ',
  service: 'mobile_data',
  via: 'direct',
  status: 'resolved',
  createdAt: '2026-09-02T02:00:00.000Z',
  firstResolvedAt: '2026-09-05T02:00:00.000Z',
  lastResolvedAt: '2026-09-05T02:00:00.000Z',
  reopenCount: 0,
  lastEventAt: '2026-09-05T02:00:00.000Z',
  eventCount: 2,
  ...overrides,
});

interface Inputs {
  current: IndicatorInputs;
  previous: IndicatorInputs;
  complaints: ComplaintState[];
}

const inputsOf = (
  responses: ResponseAggregateRow[],
  complaints: ComplaintState[] = [complaint()],
): Inputs => {
  const counted = figuresOfStates(complaints, '2026-09', profile.indicators);
  return {
    current: { responses, invitations: [], cases: [], complaints: counted.current },
    previous: { responses: [], invitations: [], cases: [], complaints: counted.previous },
    complaints,
  };
};

/** September's baseline figures from these inputs, as report.json publishes them. */
function figures(inputs: { current: IndicatorInputs; previous: IndicatorInputs }) {
  const built = buildIndicators({
    profile,
    period: '2026-09',
    inputs: inputs.current,
    previous: inputs.previous,
  });
  return JSON.parse(JSON.stringify({ indicators: built.indicators, rankings: built.rankings }));
}

/** Today's complaint states as the store hands them over: pages of two. */
async function* pagesOf(states: readonly ComplaintState[]) {
  for (let at = 0; at < states.length; at += 2) yield { states: states.slice(at, at + 2) };
}

async function compare(published: Inputs, now: Inputs) {
  return restatedFigures({
    published: figures(published),
    recomputed: figures(now),
    publishedInputs: published,
    nowInputs: now,
    complaintsWithLateEvents: await lateComplaintRows(
      published.complaints,
      pagesOf(now.complaints),
    ),
    periods: { current: '2026-09', previous: '2026-08' },
  });
}

describe('restatedFigures', () => {
  it('names a changed CSAT with its old and new figures and the late answers behind it', async () => {
    const published = inputsOf([answers('2026-09-20', { responses: 10, csat_5: 7, csat_2: 3 })]);
    const now = inputsOf([
      answers('2026-09-20', { responses: 10, csat_5: 7, csat_2: 3 }),
      answers('2026-09-21', { responses: 1, csat_1: 1 }),
    ]);

    const changes = await compare(published, now);

    const csat = changes.figures.find(
      (change) => change.indicator === 'survey.csat_pct' && isWholeOperator(change),
    );
    expect(csat).toMatchObject({
      old: { value: 70, n: 10 },
      new: { value: 63.6, n: 11 },
      because: { lateResponses: 1 },
    });
    expect(csat?.fields).toEqual(expect.arrayContaining(['value', 'ci95']));
    expect(changes.inputs.current.responses).toEqual({ published: 10, now: 11 });
    expect(changes.inputs.complaintsWithLateEvents).toBe(0);
  });

  it('finds nothing to restate when a late answer lands in a cell that stays suppressed', async () => {
    // 3 answers, then 4: fewer than minCell either way, so CSAT is withheld both times.
    const published = inputsOf([answers('2026-09-20', { responses: 3, csat_5: 3 })]);
    const now = inputsOf([answers('2026-09-20', { responses: 4, csat_5: 3, csat_1: 1 })]);

    const changes = await compare(published, now);

    expect(changes.figures.filter((change) => change.indicator === 'survey.csat_pct')).toEqual([]);
    expect(changes.inputs.current.responses).toEqual({ published: 3, now: 4 });
  });

  it('counts a complaint changed by a late event, and restates nothing when no figure moved', async () => {
    const responses = [answers('2026-09-20', { responses: 10, csat_5: 7, csat_2: 3 })];
    const published = inputsOf(responses);
    // An acknowledgement that arrived late: the row's last event moved, no figure did.
    const now = inputsOf(responses, [complaint({ lastEventAt: '2026-09-06T02:00:00.000Z' })]);

    const changes = await compare(published, now);

    expect(changes.figures).toEqual([]);
    expect(changes.rankings).toEqual([]);
    expect(changes.inputs.complaintsWithLateEvents).toBe(1);
  });

  it('ties a changed complaint figure to the complaints with late events', async () => {
    const responses = [answers('2026-09-20', { responses: 10, csat_5: 7, csat_2: 3 })];
    const ten = Array.from({ length: 10 }, (_, n) => complaint({ complaintId: `c-${n}` }));
    const published = inputsOf(responses, ten);
    // One reopening and its resolution arrived late: first resolved after 20 days, not 3.
    const late = '2026-09-22T02:00:00.000Z';
    const now = inputsOf(responses, [
      complaint({
        complaintId: 'c-0',
        firstResolvedAt: late,
        lastResolvedAt: late,
        lastEventAt: late,
      }),
      ...ten.slice(1),
    ]);

    const changes = await compare(published, now);

    const within = changes.figures.find(
      (change) =>
        change.indicator === 'complaints.resolved_within_15d_pct' && isWholeOperator(change),
    );
    expect(within).toMatchObject({ old: { value: 100 }, new: { value: 90 } });
    expect(within?.because).toEqual({ complaintsWithLateEvents: 1 });
  });
});
