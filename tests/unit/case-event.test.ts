import { describe, expect, it } from 'vitest';
import { foldCaseEvents, parseCaseEvent } from '#shared/domain/case-event.ts';

const contacted = { type: 'contacted', occurredAt: '2026-10-08T10:00:00+08:00' } as const;
const unreachable = { type: 'unreachable', occurredAt: '2026-10-08T09:00:00+08:00' } as const;
const resolved = { type: 'resolved', occurredAt: '2026-10-09T09:00:00+08:00' } as const;

describe('foldCaseEvents', () => {
  it('decides the follow-up by occurredAt, whatever the order the events came in', () => {
    // Act
    const orders = [
      [unreachable, contacted, resolved],
      [resolved, contacted, unreachable],
      [contacted, resolved, unreachable, contacted],
    ].map(foldCaseEvents);

    // Assess
    for (const followUp of orders) {
      expect(followUp).toEqual({
        status: 'resolved',
        firstContactedAt: '2026-10-08T02:00:00.000Z',
        resolvedAt: '2026-10-09T01:00:00.000Z',
      });
    }
  });

  it('is open without events and unreachable after a failed call alone', () => {
    // Act and Assess
    expect(foldCaseEvents([])).toEqual({ status: 'open' });
    expect(foldCaseEvents([unreachable])).toEqual({ status: 'unreachable' });
  });
});

describe('parseCaseEvent', () => {
  it('points at each invalid or unknown field', () => {
    // Act
    const parsed = parseCaseEvent({ eventId: 'e 1', type: 'called', occurredAt: 'today', x: 1 });

    // Assess
    expect(parsed.success).toBe(false);
    expect(!parsed.success && parsed.errors.map((error) => error.pointer).sort()).toEqual([
      '/eventId',
      '/occurredAt',
      '/type',
      '/x',
    ]);
  });
});
