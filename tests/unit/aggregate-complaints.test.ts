import { describe, expect, it } from 'vitest';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import {
  aggregateComplaintChanges,
  type ChunkPosition,
  type ComplaintAggregateStore,
  type CounterChange,
  MAX_COUNTER_ITEMS_PER_CHUNK,
  type StreamedStateChange,
} from '#shared/use-cases/aggregate-complaints.ts';

const positionKey = (position: ChunkPosition) => `${position.sequence}#${position.part}`;

/**
 * A store that keeps the contract in memory: chunk marks by first position, totals per
 * item (summed over shards); `failAfter` chunks are written, then it fails (a crash), and
 * `conflicts` transactions are refused first as conflicting.
 */
function memoryStore(options: { failAfter?: number; conflicts?: number } = {}) {
  const marks = new Map<string, { last: ChunkPosition; sequences: readonly string[] }>();
  const totals = new Map<string, number>();
  const transactions: { items: number; first: string }[] = [];
  let written = 0;
  let conflicts = options.conflicts ?? 0;
  const store: ComplaintAggregateStore = {
    async count(chunk, changes) {
      expect(changes.length).toBeLessThanOrEqual(MAX_COUNTER_ITEMS_PER_CHUNK);
      if (conflicts-- > 0) return { conflict: true };
      const mark = marks.get(positionKey(chunk.first));
      if (mark) return { countedThrough: mark.last, sequences: mark.sequences };
      if (options.failAfter !== undefined && written >= options.failAfter) {
        throw new Error('the function died');
      }
      written += 1;
      marks.set(positionKey(chunk.first), { last: chunk.last, sequences: chunk.sequences });
      transactions.push({ items: changes.length + 1, first: positionKey(chunk.first) });
      for (const change of changes) {
        for (const [name, value] of Object.entries(change.counts)) {
          const key = `${change.pk}|${change.sk}|${name}`;
          totals.set(key, (totals.get(key) ?? 0) + value);
        }
      }
      return { counted: true };
    },
    async continueMark(chunk) {
      if (!marks.has(positionKey(chunk.first))) {
        marks.set(positionKey(chunk.first), { last: chunk.last, sequences: chunk.sequences });
      }
    },
  };
  const nonZero = () => new Map([...totals].filter(([, value]) => value !== 0));
  return { store, totals: nonZero, transactions, marks };
}

/** A state standing for a complaint whose contribution is `width` items of its own. */
const state = (complaintId: string): ComplaintState => ({
  complaintId,
  kind: 'complaint',
  category: 'billing',
  region: 'BJ',
  service: 'mobile_data',
  via: 'direct',
  status: 'open',
  reopenCount: 0,
  lastEventAt: '2026-10-01T00:00:00.000Z',
  eventCount: 1,
});

/** A complaint id `<name>:<width>` adds 1 to `width` items, each named by the complaint. */
function change(old: ComplaintState | undefined, next: ComplaintState | undefined) {
  const items = (current: ComplaintState | undefined, sign: number): CounterChange[] => {
    if (!current) return [];
    const [name = '', width = '1'] = current.complaintId.split(':');
    return Array.from({ length: Number(width) }, (_, index) => ({
      pk: `CPL#complaint#2026-10`,
      sk: `C#${name}#${index}`,
      counts: { received: sign },
    }));
  };
  return [...items(old, -1), ...items(next, 1)];
}

const record = (sequence: number, complaintId: string): StreamedStateChange => ({
  sequenceNumber: String(1000 + sequence),
  new: state(complaintId),
});

const run = (store: ComplaintAggregateStore, records: StreamedStateChange[]) =>
  aggregateComplaintChanges(
    { store, change, shard: () => 0, now: () => new Date('2026-10-02T00:00:00Z') },
    records,
  );

/** What every record adds, summed: the totals a correct aggregation ends with. */
function expected(records: StreamedStateChange[]) {
  const totals = new Map<string, number>();
  for (const one of records) {
    for (const item of change(one.old, one.new)) {
      const key = `${item.pk}|${item.sk}|received`;
      totals.set(key, (totals.get(key) ?? 0) + (item.counts.received ?? 0));
    }
  }
  return new Map([...totals].filter(([, value]) => value !== 0));
}

describe('aggregateComplaintChanges', () => {
  it('cuts a batch, in sequence order, into transactions of at most 100 items', async () => {
    // Prepare: 30 complaints of 10 items each: 300 items, in a shuffled batch.
    const memory = memoryStore();
    const records = Array.from({ length: 30 }, (_, n) => record(n, `c${n}:10`)).reverse();

    // Act
    const result = await run(memory.store, records);

    // Assess: 9 records (90 items + mark) per transaction, the first from the first record.
    expect(result).toMatchObject({ counted: 30, duplicates: 0, chunks: 4, items: 300 });
    expect(memory.transactions.map((call) => call.items)).toEqual([91, 91, 91, 31]);
    expect(memory.transactions.map((call) => call.first)).toEqual([
      '1000#0',
      '1009#0',
      '1018#0',
      '1027#0',
    ]);
    expect(memory.totals()).toEqual(expected(records));
  });

  it('cuts a record whose change exceeds one transaction into parts', async () => {
    // Prepare: one complaint of 250 items between two small ones.
    const memory = memoryStore();
    const records = [record(1, 'a:5'), record(2, 'big:250'), record(3, 'b:5')];

    // Act
    await run(memory.store, records);

    // Assess
    expect(memory.transactions.map((call) => call.first)).toEqual([
      '1001#0',
      '1002#0',
      '1002#1',
      '1002#2',
    ]);
    expect(memory.totals()).toEqual(expected(records));
  });

  it('counts a reclassified complaint out of its old items and into its new ones', async () => {
    // Prepare: created under items x, then changed to items y.
    const memory = memoryStore();
    const created = record(1, 'x:3');
    const moved = { sequenceNumber: '1002', old: state('x:3'), new: state('y:2') };

    // Act
    await run(memory.store, [created, moved]);

    // Assess: nothing left under x (the same batch's +1 and −1 are not even written).
    expect([...memory.totals().keys()].sort()).toEqual([
      'CPL#complaint#2026-10|C#y#0|received',
      'CPL#complaint#2026-10|C#y#1|received',
    ]);
    expect(memory.transactions).toEqual([{ items: 3, first: '1001#0' }]);
  });

  it('counts nothing twice when a batch comes again, whole or reaching further', async () => {
    // Prepare: a batch of three chunks, counted.
    const memory = memoryStore();
    const batch = Array.from({ length: 25 }, (_, n) => record(n, `r${n}:10`));
    await run(memory.store, batch);
    const longer = [...batch, record(25, 'r25:10'), record(26, 'r26:10')];

    // Act
    const again = await run(memory.store, batch);
    const further = await run(memory.store, longer);

    // Assess
    expect(again).toMatchObject({ counted: 0, duplicates: 25 });
    expect(further).toMatchObject({ counted: 2, duplicates: 25 });
    expect(memory.totals()).toEqual(expected(longer));
  });

  it('counts the rest once after a run that died between its chunks', async () => {
    // Prepare: the first run writes one chunk of three and dies.
    const batch = Array.from({ length: 25 }, (_, n) => record(n, `d${n}:10`));
    const memory = memoryStore({ failAfter: 1 });
    await expect(run(memory.store, batch)).rejects.toThrow('the function died');
    const retried = memoryStore();
    for (const [key, mark] of memory.marks) retried.marks.set(key, mark);

    // Act: the retry, on a store that holds what the first run wrote.
    const result = await run(retried.store, batch);

    // Assess: the retry skipped the first chunk and wrote the two others.
    expect(result).toMatchObject({ counted: 16, duplicates: 9 });
    expect(retried.transactions.map((call) => call.first)).toEqual(['1009#0', '1018#0']);
  });

  it('leaves a mark for the next batch when a shorter redelivery ends inside a counted chunk', async () => {
    // Prepare: records 0–8 counted as one chunk; then the same first record, shorter (0–4).
    const memory = memoryStore();
    const whole = Array.from({ length: 9 }, (_, n) => record(n, `s${n}:10`));
    await run(memory.store, whole);
    await run(memory.store, whole.slice(0, 5));

    // Act: the event source goes on from the record after the shorter batch, with more.
    const next = [...whole.slice(5), record(9, 's9:10')];
    const result = await run(memory.store, next);

    // Assess: records 5–8 were counted with the first chunk; only record 9 is new.
    expect(result).toMatchObject({ counted: 1, duplicates: 4 });
    expect(memory.totals()).toEqual(expected([...whole, record(9, 's9:10')]));
  });

  it('retries a chunk that conflicted with a concurrent writer', async () => {
    // Prepare
    const memory = memoryStore({ conflicts: 2 });
    const records = [record(1, 'k:2')];

    // Act
    const result = await run(memory.store, records);

    // Assess
    expect(result.counted).toBe(1);
    expect(memory.totals()).toEqual(expected(records));
  });

  it('marks a batch whose records change nothing counted', async () => {
    // Prepare: a record with neither image counted (a state not yet carried over).
    const memory = memoryStore();

    // Act
    const result = await run(memory.store, [{ sequenceNumber: '1001' }]);

    // Assess: one transaction, the mark alone.
    expect(result).toMatchObject({ counted: 1, items: 0 });
    expect(memory.transactions).toEqual([{ items: 1, first: '1001#0' }]);
  });
});
