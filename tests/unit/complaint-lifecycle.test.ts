import { describe, expect, it } from 'vitest';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import { foldComplaintEvents, reportingMonthsOf } from '#shared/domain/complaint-lifecycle.ts';
import { monthInTimeZone } from '#shared/domain/zoned-time.ts';

let sequence = 0;
function event(
  type: ComplaintEvent['type'],
  occurredAt: string,
  extra: Partial<ComplaintEvent> = {},
) {
  sequence += 1;
  return {
    eventId: `e${sequence}`,
    complaintId: 'CMP-1',
    type,
    occurredAt,
    kind: 'complaint',
    category: 'billing',
    region: 'GD-SZ',
    service: 'mobile_data',
    via: 'direct',
    ...extra,
  } satisfies ComplaintEvent;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

describe('foldComplaintEvents', () => {
  const lifecycle = [
    event('created', '2026-10-01T09:00:00+08:00', { customerRef: 'cust-1' }),
    event('acknowledged', '2026-10-01T10:00:00+08:00'),
    event('escalated', '2026-10-02T10:00:00+08:00'),
    event('resolved', '2026-10-03T10:00:00+08:00'),
    event('reopened', '2026-10-04T10:00:00+08:00'),
    event('resolved', '2026-10-05T10:00:00+08:00', { outcome: 'upheld' }),
  ];

  it('keeps the lifecycle times and ends open, resolved or closed by the latest transition', () => {
    const state = foldComplaintEvents(lifecycle);

    expect(state).toEqual({
      complaintId: 'CMP-1',
      kind: 'complaint',
      category: 'billing',
      region: 'GD-SZ',
      service: 'mobile_data',
      via: 'direct',
      customerRef: 'cust-1',
      outcome: 'upheld',
      status: 'resolved',
      createdAt: '2026-10-01T01:00:00.000Z',
      acknowledgedAt: '2026-10-01T02:00:00.000Z',
      escalatedAt: '2026-10-02T02:00:00.000Z',
      firstResolvedAt: '2026-10-03T02:00:00.000Z',
      lastResolvedAt: '2026-10-05T02:00:00.000Z',
      reopenedAt: '2026-10-04T02:00:00.000Z',
      reopenCount: 1,
      lastEventAt: '2026-10-05T02:00:00.000Z',
      eventCount: 6,
    });
  });

  it('gives the same state whatever order the events arrive in', () => {
    const expected = foldComplaintEvents(lifecycle);

    for (const order of permutations(lifecycle.slice(0, 5))) {
      expect(foldComplaintEvents([...order, lifecycle[5] as ComplaintEvent])).toEqual(expected);
    }
  });

  it('ignores a duplicate event id', () => {
    const duplicated = [
      ...lifecycle,
      { ...lifecycle[3] } as ComplaintEvent,
      lifecycle[0] as ComplaintEvent,
    ];

    expect(foldComplaintEvents(duplicated)).toEqual(foldComplaintEvents(lifecycle));
  });

  it('records a resolution that arrived before its creation, with no creation time yet', () => {
    const state = foldComplaintEvents([event('resolved', '2026-10-03T10:00:00+08:00')]);

    expect(state.status).toBe('resolved');
    expect(state.firstResolvedAt).toBe('2026-10-03T02:00:00.000Z');
    expect(state.createdAt).toBeUndefined();
  });

  it('does not count a reopening before any resolution as a reopened resolution', () => {
    const state = foldComplaintEvents([
      event('created', '2026-10-01T09:00:00+08:00'),
      event('reopened', '2026-10-01T09:30:00+08:00'),
    ]);

    expect(state.reopenedAt).toBeUndefined();
    expect(state.reopenCount).toBe(1);
    expect(state.status).toBe('open');
  });

  it('orders events at the same instant by lifecycle: created before resolved before closed', () => {
    const instant = '2026-10-01T09:00:00+08:00';
    const state = foldComplaintEvents([
      event('closed', instant),
      event('resolved', instant),
      event('created', instant),
    ]);

    expect(state.status).toBe('closed');
    expect(state.createdAt).toBe(state.firstResolvedAt);
  });

  it('compares instants, not strings, across offsets', () => {
    const state = foldComplaintEvents([
      event('resolved', '2026-10-01T03:00:00+08:00'), // 2026-09-30T19:00Z
      event('created', '2026-09-30T20:00:00Z'),
    ]);

    expect(state.firstResolvedAt).toBe('2026-09-30T19:00:00.000Z');
    expect(state.status).toBe('resolved');
  });

  it('takes classification from the latest event', () => {
    const state = foldComplaintEvents([
      event('created', '2026-10-01T09:00:00+08:00', { category: 'other' }),
      event('updated', '2026-10-02T09:00:00+08:00', { category: 'network_quality' }),
    ]);

    expect(state.category).toBe('network_quality');
  });

  it('stays closed when an update arrives after closing, and reopens on reopened', () => {
    const closed = [
      event('created', '2026-10-01T09:00:00+08:00'),
      event('closed', '2026-10-02T09:00:00+08:00'),
      event('updated', '2026-10-03T09:00:00+08:00'),
    ];

    expect(foldComplaintEvents(closed).status).toBe('closed');
    expect(
      foldComplaintEvents([...closed, event('reopened', '2026-10-04T09:00:00+08:00')]).status,
    ).toBe('open');
  });
});

describe('reporting months', () => {
  it('puts an instant in the month that contains it in the reporting time zone', () => {
    expect(monthInTimeZone('2026-09-30T15:59:59Z', 'Asia/Shanghai')).toBe('2026-09');
    expect(monthInTimeZone('2026-09-30T16:00:00Z', 'Asia/Shanghai')).toBe('2026-10');
    expect(monthInTimeZone('2026-10-01T00:00:00+08:00', 'Asia/Shanghai')).toBe('2026-10');
    expect(monthInTimeZone('2026-10-01T03:00:00Z', 'America/New_York')).toBe('2026-09');
  });

  it('keys a complaint created and resolved across a month boundary by each month', () => {
    const state = foldComplaintEvents([
      event('created', '2026-09-30T23:30:00+08:00'),
      event('resolved', '2026-10-01T00:00:00+08:00'),
    ]);

    expect(reportingMonthsOf(state, 'Asia/Shanghai')).toEqual({
      createdMonth: '2026-09',
      firstResolvedMonth: '2026-10',
    });
  });
});
