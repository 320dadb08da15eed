import { describe, expect, it } from 'vitest';
import type { ResponseForAggregation } from '#shared/domain/response-aggregates.ts';
import { tallyResponses } from '#shared/domain/response-aggregates.ts';
import { type AggregateStore, aggregateResponses } from '#shared/use-cases/aggregate-responses.ts';

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
  /** A store that answers with the outcomes given, in turn, and records what it was asked. */
  function scripted(...outcomes: Awaited<ReturnType<AggregateStore['count']>>[]) {
    const calls: { ids: string[]; groups: number }[] = [];
    const store: AggregateStore = {
      async count(ids, groups) {
        calls.push({ ids, groups: groups.length });
        return outcomes.shift() ?? { counted: ids };
      },
    };
    return { store, calls };
  }
  const run = (store: AggregateStore, responses: ResponseForAggregation[]) =>
    aggregateResponses(
      { store, timeZone: 'Asia/Shanghai', shard: () => 3, now: () => new Date() },
      responses,
    );

  it('writes each group once per batch and drops a response repeated within the batch', async () => {
    const { store, calls } = scripted();

    const result = await run(store, [response('a', 5), response('b', 4), response('a', 5)]);

    expect(result).toEqual({ counted: 2, duplicates: 1, groups: 1 });
    expect(calls).toEqual([{ ids: ['a', 'b'], groups: 1 }]);
  });

  it('drops responses counted by an earlier delivery and counts the rest', async () => {
    const { store, calls } = scripted({ alreadyCounted: ['a'] });

    const result = await run(store, [response('a', 5), response('b', 4, { region: 'BJ' })]);

    expect(result).toEqual({ counted: 1, duplicates: 1, groups: 1 });
    expect(calls.map((call) => call.ids)).toEqual([['a', 'b'], ['b']]);
  });

  it('retries a transaction that conflicted with a concurrent batch', async () => {
    const { store, calls } = scripted({ conflict: true }, { conflict: true });

    expect((await run(store, [response('a', 5)])).counted).toBe(1);
    expect(calls).toHaveLength(3);
  });
});
