import { describe, expect, it } from 'vitest';
import {
  type AggregateCounts,
  groupKeyOf,
  type ResponseForAggregation,
  tallyResponses,
} from '#shared/domain/response-aggregates.ts';
import {
  type AggregateStore,
  aggregateResponses,
  type StreamedRecord,
  type StreamedResponse,
  tallyInvitations,
} from '#shared/use-cases/aggregate-responses.ts';

const response = (
  invitationId: string,
  csat: number,
  extra: Partial<ResponseForAggregation> = {},
): ResponseForAggregation => ({
  invitationId,
  submittedAt: '2026-10-08T01:00:00.000Z',
  region: 'GD-SZ',
  service: 'mobile_data',
  touchpoint: 'hotline',
  channel: 'web',
  csat,
  nps: 10,
  ...extra,
});

describe('tallyResponses', () => {
  it('sums a batch into one entry per day and dimension group', () => {
    const tally = tallyResponses(
      [
        response('a', 5),
        response('b', 5),
        response('c', 3, { channel: 'sms' }),
        response('d', 4, { submittedAt: '2026-10-08T16:00:00.000Z' }),
      ],
      'Asia/Shanghai',
    );

    expect([...tally.keys()].sort()).toEqual([
      '2026-10-08#GD-SZ#mobile_data#hotline#sms',
      '2026-10-08#GD-SZ#mobile_data#hotline#web',
      '2026-10-09#GD-SZ#mobile_data#hotline#web',
    ]);
    expect(tally.get('2026-10-08#GD-SZ#mobile_data#hotline#web')?.counts).toEqual({
      responses: 2,
      csat_5: 2,
      nps_10: 2,
    });
  });
});

describe('aggregateResponses', () => {
  /**
   * A store that keeps the contract in memory: batch marks by first sequence number and
   * totals per group; `conflicts` transactions are refused first as conflicting.
   */
  function memoryStore(conflicts = 0) {
    const marks = new Map<string, string>();
    const totals = new Map<string, AggregateCounts>();
    const calls: { first: string; last: string; groups: number }[] = [];
    const store: AggregateStore = {
      async count(batch, groups) {
        calls.push({ first: batch.firstSequence, last: batch.lastSequence, groups: groups.length });
        if (conflicts-- > 0) return { conflict: true };
        const through = marks.get(batch.firstSequence);
        if (through) return { countedThrough: through };
        marks.set(batch.firstSequence, batch.lastSequence);
        for (const { group, counts } of groups) {
          const entry = totals.get(groupKeyOf(group)) ?? {};
          for (const [name, value] of Object.entries(counts))
            entry[name] = (entry[name] ?? 0) + value;
          totals.set(groupKeyOf(group), entry);
        }
        return { counted: true };
      },
    };
    return { store, calls, totals };
  }
  const streamed = (
    sequence: number,
    csat: number,
    extra: Partial<ResponseForAggregation> = {},
  ): StreamedResponse => ({
    kind: 'answered',
    ...response(`invitation-${sequence}`, csat, extra),
    // Real sequence numbers are longer than a double holds exactly.
    sequenceNumber: `${'1'.repeat(20)}${String(sequence).padStart(6, '0')}`,
  });
  const run = (store: AggregateStore, records: StreamedRecord[]) =>
    aggregateResponses(
      { store, timeZone: 'Asia/Shanghai', shard: () => 3, now: () => new Date() },
      records,
    );
  const group = '2026-10-08#GD-SZ#mobile_data#hotline#web';

  it('writes each group once per batch and drops a response repeated within the batch', async () => {
    const { store, calls, totals } = memoryStore();

    const result = await run(store, [streamed(1, 5), streamed(2, 4), streamed(1, 5)]);

    expect(result).toEqual({ counted: 2, duplicates: 1, groups: 1 });
    expect(calls).toHaveLength(1);
    expect(totals.get(group)).toEqual({ responses: 2, csat_5: 1, csat_4: 1, nps_10: 2 });
  });

  it('counts nothing again when the same batch is delivered twice', async () => {
    const { store, totals } = memoryStore();
    const batch = [streamed(1, 5), streamed(2, 4), streamed(3, 3)];
    await run(store, batch);

    const again = await run(store, batch);

    expect(again).toEqual({ counted: 0, duplicates: 3, groups: 0 });
    expect(totals.get(group)?.responses).toBe(3);
  });

  it('counts only the records past the counted range when a redelivery reaches further', async () => {
    const { store, totals, calls } = memoryStore();
    await run(store, [streamed(1, 5), streamed(2, 4)]);

    const again = await run(store, [
      streamed(1, 5),
      streamed(2, 4),
      streamed(3, 1, { region: 'BJ' }),
      streamed(4, 2, { region: 'BJ' }),
    ]);

    expect(again).toEqual({ counted: 2, duplicates: 2, groups: 1 });
    expect(totals.get(group)?.responses).toBe(2);
    expect(totals.get('2026-10-08#BJ#mobile_data#hotline#web')).toEqual({
      responses: 2,
      csat_1: 1,
      csat_2: 1,
      nps_10: 2,
    });
    expect(calls.at(-1)?.first).toBe(streamed(3, 1).sequenceNumber);
  });

  it('orders records by sequence number, not by their place in the event', async () => {
    const { store, calls } = memoryStore();

    await run(store, [streamed(10, 5), streamed(9, 5)]);

    expect(calls[0]).toMatchObject({
      first: streamed(9, 5).sequenceNumber,
      last: streamed(10, 5).sequenceNumber,
    });
  });

  it('tallies invitations sent and answered by the day they were created', async () => {
    const sent = (sequence: number, createdAt: string): StreamedRecord => ({
      kind: 'sent',
      invitationId: `invitation-${sequence}`,
      sequenceNumber: streamed(sequence, 5).sequenceNumber,
      createdAt,
      region: 'GD-SZ',
      service: 'mobile_data',
      touchpoint: 'hotline',
      channel: 'web',
    });
    // Created at 23:30 on 7 October in Shanghai, answered on the 8th.
    const created = '2026-10-07T15:30:00.000Z';
    const tallies = tallyInvitations(
      [
        sent(1, created),
        sent(2, created),
        { ...streamed(1, 5), invitation: { createdAt: created, channel: 'web' } },
      ],
      'Asia/Shanghai',
    );

    expect(tallies).toEqual([
      {
        group: {
          day: '2026-10-07',
          region: 'GD-SZ',
          service: 'mobile_data',
          touchpoint: 'hotline',
          channel: 'web',
        },
        counts: { sent: 2, answered: 1 },
      },
    ]);
  });

  it('counts an invitation sent and answered in one batch once each', async () => {
    const { store, totals } = memoryStore();
    const sentRecord: StreamedRecord = {
      kind: 'sent',
      invitationId: 'invitation-1',
      sequenceNumber: streamed(0, 5).sequenceNumber,
      createdAt: '2026-10-08T01:00:00.000Z',
      region: 'GD-SZ',
      service: 'mobile_data',
      touchpoint: 'hotline',
      channel: 'web',
    };

    const result = await run(store, [sentRecord, streamed(1, 5), sentRecord]);

    expect(result).toMatchObject({ counted: 2, duplicates: 1 });
    expect(totals.get(group)?.responses).toBe(1);
  });

  it('retries a transaction that conflicted with a concurrent batch', async () => {
    const { store, calls, totals } = memoryStore(2);

    expect((await run(store, [streamed(1, 5)])).counted).toBe(1);
    expect(calls).toHaveLength(3);
    expect(totals.get(group)?.responses).toBe(1);
  });
});
