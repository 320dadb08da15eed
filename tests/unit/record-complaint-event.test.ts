import { describe, expect, it } from 'vitest';
import type { ComplaintEvent, ComplaintMessage } from '#shared/domain/complaint-event.ts';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import {
  ComplaintEventLimitError,
  type ComplaintStore,
  ConcurrentComplaintUpdateError,
  InconsistentComplaintError,
  MAX_EVENTS_PER_COMPLAINT,
  recordComplaintEvent,
} from '#shared/use-cases/record-complaint-event.ts';

/** The store port held in memory, with a switch that makes the next appends conflict. */
function memoryStore(conflicts = 0) {
  const complaints = new Map<
    string,
    { version: number; events: ComplaintEvent[]; state: ComplaintState }
  >();
  let remainingConflicts = conflicts;
  const store: ComplaintStore = {
    async load(source, complaintId) {
      const found = complaints.get(`${source}#${complaintId}`);
      return found ? { version: found.version, events: [...found.events] } : undefined;
    },
    async append({ message, state, expectedVersion }) {
      const found = complaints.get(`${message.source}#${message.event.complaintId}`);
      if (remainingConflicts > 0 || (found?.version ?? undefined) !== expectedVersion) {
        remainingConflicts -= 1;
        return 'conflict';
      }
      complaints.set(`${message.source}#${message.event.complaintId}`, {
        version: (expectedVersion ?? 0) + 1,
        events: [...(found?.events ?? []), message.event],
        state,
      });
      return 'appended';
    },
  };
  return { store, complaints };
}

const message = (event: Partial<ComplaintEvent> = {}): ComplaintMessage => ({
  source: 'crm',
  receivedAt: '2026-10-08T01:15:02.000Z',
  event: {
    eventId: 'e1',
    complaintId: 'CMP-1',
    type: 'created',
    occurredAt: '2026-10-08T09:15:00+08:00',
    kind: 'complaint',
    category: 'billing',
    region: 'GD-SZ',
    service: 'mobile_data',
    via: 'direct',
    ...event,
  },
});

describe('recordComplaintEvent', () => {
  it('applies a new event and answers duplicate for the same event id', async () => {
    const { store, complaints } = memoryStore();

    const first = await recordComplaintEvent(store, message());
    const second = await recordComplaintEvent(store, message());

    expect(first.outcome).toBe('applied');
    expect(second.outcome).toBe('duplicate');
    expect(complaints.get('crm#CMP-1')?.version).toBe(1);
  });

  it('re-reads and retries when another writer changed the complaint meanwhile', async () => {
    const { store, complaints } = memoryStore(2);

    const result = await recordComplaintEvent(store, message({ type: 'resolved' }));

    expect(result.outcome).toBe('applied');
    expect(complaints.get('crm#CMP-1')?.state.status).toBe('resolved');
  });

  it('gives up loudly when conflicts never end, so the message is retried by SQS', async () => {
    const { store } = memoryStore(100);

    await expect(recordComplaintEvent(store, message())).rejects.toBeInstanceOf(
      ConcurrentComplaintUpdateError,
    );
  });

  it('refuses an event whose kind contradicts the stored complaint, and stores nothing', async () => {
    const { store, complaints } = memoryStore();
    await recordComplaintEvent(store, message({ kind: 'complaint' }));

    await expect(
      recordComplaintEvent(store, message({ eventId: 'e2', kind: 'fault', type: 'resolved' })),
    ).rejects.toBeInstanceOf(InconsistentComplaintError);
    expect(complaints.get('crm#CMP-1')?.events).toHaveLength(1);
  });

  it("applies another source's event with the same complaint and event ids to its own complaint", async () => {
    const { store, complaints } = memoryStore();
    await recordComplaintEvent(store, message({ kind: 'complaint' }));

    const other = await recordComplaintEvent(store, {
      ...message({ kind: 'fault', type: 'resolved' }),
      source: 'ticketing',
    });

    expect(other.outcome).toBe('applied');
    expect(complaints.get('ticketing#CMP-1')?.state).toMatchObject({
      source: 'ticketing',
      kind: 'fault',
      status: 'resolved',
    });
    expect(complaints.get('crm#CMP-1')?.state).toMatchObject({
      source: 'crm',
      kind: 'complaint',
      status: 'open',
      eventCount: 1,
    });
  });
});

describe('recordComplaintEvent and its cap', () => {
  it('applies the 1,000th event of a complaint and refuses the next, storing nothing', async () => {
    // Prepare: a complaint one event short of the cap.
    const { store, complaints } = memoryStore();
    for (let index = 1; index < MAX_EVENTS_PER_COMPLAINT; index += 1) {
      await recordComplaintEvent(store, message({ eventId: `e${index}`, type: 'updated' }));
    }

    // Act
    const last = await recordComplaintEvent(store, message({ eventId: 'last', type: 'updated' }));
    const beyond = recordComplaintEvent(store, message({ eventId: 'beyond', type: 'updated' }));

    // Assess
    expect(last.outcome).toBe('applied');
    await expect(beyond).rejects.toBeInstanceOf(ComplaintEventLimitError);
    expect(complaints.get('crm#CMP-1')?.events).toHaveLength(MAX_EVENTS_PER_COMPLAINT);
  });
});
