import { describe, expect, it } from 'vitest';
import { complaintKeys, MONTH_INDEX_SHARDS } from '#shared/tables/complaints.ts';

/** DynamoDB's write throughput of one partition key value, in WCU a second. */
const PARTITION_WRITE_UNITS = 1_000;
/** The capacity model's peak of complaint and fault events (docs/capacity.md). */
const PEAK_EVENTS_PER_SECOND = 200;

describe('the month index keys of complaint states', () => {
  it('spreads a month over its shards evenly, far below a partition key’s write limit at peak', () => {
    // Prepare: 320,000 complaints of a month, from three sources, ids as operators send them.
    const sources = ['crm', 'stores', 'field-repair'];
    const count = 320_000;
    const perShard = new Map<string, number>();

    // Act
    for (let n = 0; n < count; n += 1) {
      const pk = complaintKeys.pk(sources[n % 3] ?? '', `CMP-2026-${String(n).padStart(7, '0')}`);
      const key = complaintKeys.monthIndexKey('2026-10', pk);
      perShard.set(key, (perShard.get(key) ?? 0) + 1);
    }

    // Assess: every shard holds 1/16 of the month, within 3 %; at the peak, when every
    // event rewrites its state (one write on each month index), the busiest shard's key
    // takes its share of 200 events a second: about 13 WCU/s, under a fiftieth of 1,000.
    expect([...perShard.keys()].sort()).toEqual(
      complaintKeys
        .monthIndexKeys('2026-10')
        .filter((key) => key.includes('#'))
        .sort(),
    );
    const shares = [...perShard.values()].map((items) => items / count);
    for (const share of shares) {
      expect(share).toBeGreaterThan((1 / MONTH_INDEX_SHARDS) * 0.97);
      expect(share).toBeLessThan((1 / MONTH_INDEX_SHARDS) * 1.03);
    }
    const busiest = Math.max(...shares);
    const peakWrites = PEAK_EVENTS_PER_SECOND * busiest;
    expect(peakWrites).toBeLessThan(PARTITION_WRITE_UNITS / 50);
    // The busiest shard's share and its peak writes, for docs/capacity.md.
    expect({
      busiestShare: Number(busiest.toFixed(4)),
      peakWriteUnits: Number(peakWrites.toFixed(1)),
    }).toMatchInlineSnapshot(`
      {
        "busiestShare": 0.0638,
        "peakWriteUnits": 12.8,
      }
    `);
  });

  it('keeps a complaint on one shard, whatever the month, and apart from its namesake of another source', () => {
    const pk = complaintKeys.pk('crm', 'C-1');

    const created = complaintKeys.monthIndexKey('2026-10', pk);
    const resolved = complaintKeys.monthIndexKey('2026-11', pk);

    expect(created).toMatch(/^2026-10#([0-9]|1[0-5])$/);
    expect(complaintKeys.monthIndexKey('2026-10', pk)).toBe(created);
    expect(resolved.split('#')[1]).toBe(created.split('#')[1]);
    expect(
      complaintKeys.monthIndexAttributes(
        { createdMonth: '2026-10', firstResolvedMonth: '2026-11' },
        pk,
      ),
    ).toEqual({ createdMonth: created, firstResolvedMonth: resolved });
    expect(complaintKeys.monthIndexAttributes({ createdMonth: '2026-10' }, pk)).toEqual({
      createdMonth: created,
    });
    // Ids differ by source: a hash of the whole key spreads them independently.
    const shards = new Set(
      ['crm', 'stores', 'field-repair', 'web', 'app', 'ivr'].map((source) =>
        complaintKeys.monthIndexKey('2026-10', complaintKeys.pk(source, 'C-1')),
      ),
    );
    expect(shards.size).toBeGreaterThan(1);
  });

  it('lists every shard of a month and its unsharded key, for the reader', () => {
    const keys = complaintKeys.monthIndexKeys('2026-10');

    expect(keys).toHaveLength(MONTH_INDEX_SHARDS + 1);
    expect(new Set(keys).size).toBe(MONTH_INDEX_SHARDS + 1);
    expect(keys).toContain('2026-10');
    expect(keys).toContain('2026-10#0');
    expect(keys).toContain(`2026-10#${MONTH_INDEX_SHARDS - 1}`);
  });
});
