import { describe, expect, it } from 'vitest';
import {
  complaintChange,
  complaintContribution,
  durationParts,
} from '#shared/domain/complaint-aggregates.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import { foldComplaintEvents } from '#shared/domain/complaint-lifecycle.ts';
import { complaintEvent } from '../support/webhooks.ts';

type Step = [ComplaintEvent['type'], string, Partial<ComplaintEvent>?];

/** Folds lifecycle steps of one complaint (GD-SZ mobile data billing, direct unless told). */
function stateOf(steps: Step[]) {
  return foldComplaintEvents(
    steps.map(([type, occurredAt, extra], index) =>
      complaintEvent({ eventId: `e${index}`, complaintId: 'CMP-1', type, occurredAt, ...extra }),
    ),
  );
}

/** Increments as `pk sk` → counts, for readable expectations. */
const byItem = (increments: { pk: string; sk: string; counts: Record<string, number> }[]) =>
  Object.fromEntries(increments.map(({ pk, sk, counts }) => [`${pk} ${sk}`, counts]));

const SHANGHAI = 'Asia/Shanghai';

describe('complaintContribution', () => {
  it('counts a complaint created and resolved in one month, with its exact duration', () => {
    const state = stateOf([
      ['created', '2026-10-05T10:00:00Z'],
      ['resolved', '2026-10-06T12:34:56.789Z'],
    ]);

    expect(byItem(complaintContribution(state, SHANGHAI))).toEqual({
      'CPL#complaint#2026-10 C#GD-SZ#mobile_data': { received: 1, cat_billing: 1, via_direct: 1 },
      'CPL#complaint#2026-10 R#GD-SZ#mobile_data': { resolved: 1 },
      'CPL#complaint#2026-10 T1#GD-SZ#mobile_data': { h26: 1 },
      'CPL#complaint#2026-10 T2#GD-SZ#mobile_data#26': { m34: 1 },
      'CPL#complaint#2026-10 T3#GD-SZ#mobile_data#26#34': { s56: 1 },
      'CPL#complaint#2026-10 T4#GD-SZ#mobile_data#26#34#56': { ms789: 1 },
    });
  });

  it('splits a negative duration (resolved before created) into floored parts that add up', () => {
    const parts = durationParts(-1);

    expect(parts).toEqual([-1, 59, 59, 999]);
    expect(parts[0] * 3_600_000 + parts[1] * 60_000 + parts[2] * 1000 + parts[3]).toBe(-1);
  });

  it('counts in the month of the reporting zone, and an open complaint at every month end', () => {
    // 2026-03-31T23:30Z is 00:30 on 1 April in London (BST since 29 March).
    const state = stateOf([
      ['created', '2026-03-31T23:30:00Z'],
      ['acknowledged', '2026-06-10T08:00:00Z'],
    ]);

    expect(byItem(complaintContribution(state, 'Europe/London'))).toEqual({
      'CPL#complaint#2026-04 C#GD-SZ#mobile_data': { received: 1, cat_billing: 1, via_direct: 1 },
      // Open at the ends of April (29.98 days → 30) and May; from June on, the tail.
      'OPEN#complaint#2026-04 GD-SZ#mobile_data#2026-04#-': { a30: 1 },
      'OPEN#complaint#2026-05 GD-SZ#mobile_data#2026-04#-': { a61: 1 },
      'OPENTAIL#complaint 2026-06#GD-SZ#mobile_data#2026-04#-#2026-03-31': { q94: 1 },
    });
  });

  it('ages an open complaint to a month end across a DST change by elapsed time', () => {
    // Created 28 March 12:00Z; March ends at 2026-03-31T23:00Z (BST): 3 days 11 hours.
    const state = stateOf([
      ['created', '2026-03-28T12:00:00Z'],
      ['acknowledged', '2026-04-02T09:00:00Z'],
    ]);

    const items = byItem(complaintContribution(state, 'Europe/London'));

    expect(items['OPEN#complaint#2026-03 GD-SZ#mobile_data#2026-03#-']).toEqual({ a4: 1 });
    expect(items['OPENTAIL#complaint 2026-04#GD-SZ#mobile_data#2026-03#-#2026-03-28']).toEqual({
      q48: 1,
    });
  });

  it('keeps months and month ends of a half-hour zone', () => {
    // October ends in Kolkata (+05:30) at 2026-10-31T18:30Z: created ten minutes before.
    const state = stateOf([
      ['created', '2026-10-31T18:20:00Z'],
      ['resolved', '2026-11-02T09:00:00Z'],
    ]);

    const items = byItem(complaintContribution(state, 'Asia/Kolkata'));

    expect(items['CPL#complaint#2026-10 C#GD-SZ#mobile_data']).toEqual({
      received: 1,
      cat_billing: 1,
      via_direct: 1,
    });
    expect(items['CPL#complaint#2026-11 R#GD-SZ#mobile_data']).toEqual({ resolved: 1 });
    expect(items['OPEN#complaint#2026-10 GD-SZ#mobile_data#2026-10#2026-11']).toEqual({ a1: 1 });
    expect(Object.keys(items).some((key) => key.startsWith('OPENTAIL'))).toBe(false);
  });
});

describe('complaintChange', () => {
  it('moves a reopened complaint into the reopened count and the open tail', () => {
    const resolved: Step[] = [
      ['created', '2026-09-20T02:00:00Z'],
      ['resolved', '2026-09-25T02:00:00Z'],
    ];
    const before = stateOf(resolved);
    const reopened = stateOf([...resolved, ['reopened', '2026-10-03T02:00:00Z']]);
    const resolvedAgain = stateOf([
      ...resolved,
      ['reopened', '2026-10-03T02:00:00Z'],
      ['resolved', '2026-10-10T02:00:00Z'],
    ]);

    expect(byItem(complaintChange(before, reopened, SHANGHAI))).toEqual({
      'CPL#complaint#2026-09 R#GD-SZ#mobile_data': { reopened: 1 },
      // Not open at September's end (resolved before it, reopened after); open for good.
      'OPENTAIL#complaint 2026-10#GD-SZ#mobile_data#2026-09#2026-09#2026-09-20': { q8: 1 },
    });
    expect(byItem(complaintChange(reopened, resolvedAgain, SHANGHAI))).toEqual({
      'OPENTAIL#complaint 2026-10#GD-SZ#mobile_data#2026-09#2026-09#2026-09-20': { q8: -1 },
    });
  });

  it('moves a resolution from untimed to its duration when the created event comes late', () => {
    const early = stateOf([['resolved', '2026-10-06T02:00:00Z']]);
    const late = stateOf([
      ['resolved', '2026-10-06T02:00:00Z'],
      ['created', '2026-09-29T02:00:00Z'],
    ]);

    expect(byItem(complaintChange(early, late, SHANGHAI))).toEqual({
      'CPL#complaint#2026-09 C#GD-SZ#mobile_data': { received: 1, cat_billing: 1, via_direct: 1 },
      'CPL#complaint#2026-10 R#GD-SZ#mobile_data': { untimed: -1 },
      'CPL#complaint#2026-10 T1#GD-SZ#mobile_data': { h168: 1 },
      'CPL#complaint#2026-10 T2#GD-SZ#mobile_data#168': { m0: 1 },
      'CPL#complaint#2026-10 T3#GD-SZ#mobile_data#168#0': { s0: 1 },
      'CPL#complaint#2026-10 T4#GD-SZ#mobile_data#168#0#0': { ms0: 1 },
      // Open at September's end (16:00Z on 30 September), 1.6 days after creation.
      'OPEN#complaint#2026-09 GD-SZ#mobile_data#2026-09#2026-10': { a2: 1 },
    });
  });

  it('moves a reclassified complaint from its old region and category to the new ones', () => {
    const created: Step[] = [['created', '2026-10-05T02:00:00Z']];
    const old = stateOf(created);
    const reclassified = stateOf([
      ...created,
      ['updated', '2026-10-07T02:00:00Z', { region: 'BJ', category: 'network_quality' }],
    ]);

    expect(byItem(complaintChange(old, reclassified, SHANGHAI))).toEqual({
      'CPL#complaint#2026-10 C#BJ#mobile_data': {
        received: 1,
        cat_network_quality: 1,
        via_direct: 1,
      },
      'CPL#complaint#2026-10 C#GD-SZ#mobile_data': {
        received: -1,
        cat_billing: -1,
        via_direct: -1,
      },
      'OPENTAIL#complaint 2026-10#BJ#mobile_data#2026-10#-#2026-10-05': { q8: 1 },
      'OPENTAIL#complaint 2026-10#GD-SZ#mobile_data#2026-10#-#2026-10-05': { q8: -1 },
    });
  });

  it('is the whole contribution for a new complaint, its negation for a removed one, and nothing for no change', () => {
    const state = stateOf([['created', '2026-10-05T02:00:00Z']]);
    const negated = complaintContribution(state, SHANGHAI).map(({ pk, sk, counts }) => ({
      pk,
      sk,
      counts: Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, -n])),
    }));

    expect(complaintChange(undefined, state, SHANGHAI)).toEqual(
      complaintContribution(state, SHANGHAI),
    );
    expect(complaintChange(state, undefined, SHANGHAI)).toEqual(negated);
    expect(complaintChange(state, state, SHANGHAI)).toEqual([]);
  });
});
