import { createHash } from 'node:crypto';
import { TTL_ATTRIBUTE, tableDesign } from './table.ts';

/**
 * The complaints table (docs/data-model.md): one partition per complaint holding its
 * events (`EVENT#…`, immutable) and its folded state (`STATE`, versioned). A complaint
 * belongs to the source that posts it: its key holds the source, so two sources' equal
 * complaint or event ids never meet. Its indexes
 * serve the report queries and erasure; month keys are `YYYY-MM#shard` in the reporting
 * time zone (`complaintKeys.monthIndexKey`), so a month is MONTH_INDEX_SHARDS queries.
 */
export const COMPLAINTS_TABLE = /* @__PURE__ */ tableDesign({
  timeToLiveAttribute: TTL_ATTRIBUTE,
  indexes: {
    /** Complaints created in a month, in creation order: "received in the period". */
    byCreatedMonth: {
      name: 'byCreatedMonth',
      partitionKey: 'createdMonth',
      sortKey: 'createdAt',
      keysOnly: false,
    },
    /** Complaints first resolved in a month: resolution-time indicators. */
    byFirstResolvedMonth: {
      name: 'byFirstResolvedMonth',
      partitionKey: 'firstResolvedMonth',
      sortKey: 'firstResolvedAt',
      keysOnly: false,
    },
    /**
     * A customer's complaints, for erasure: states and every event that names the
     * customer (a corrected reference stays on its earlier events); keys only.
     */
    byCustomer: { name: 'byCustomer', partitionKey: 'customerRef', keysOnly: true },
  },
});

/** Sort key prefix of a complaint's event items. */
const EVENT_PREFIX = 'EVENT#';

/**
 * Shards of a month's key on the month indexes. One key a month would take every state
 * write of the month: 200 WCU/s at the capacity model's peak of 200 complaint events a
 * second (docs/capacity.md), and a national month of 2 million complaints read through one
 * key at 3,000 RCU/s. Sixteen keys a month take about 13 WCU/s each at that peak, and a
 * report reads them side by side.
 */
export const MONTH_INDEX_SHARDS = 16;

/** A complaint's shard on the month indexes: stable, so its state stays on one key. */
function monthIndexShard(pk: string): number {
  return createHash('sha256').update(pk).digest().readUInt32BE(0) % MONTH_INDEX_SHARDS;
}

/** Key layout of the complaints table. */
export const complaintKeys = {
  /** A source's complaint; source names (`[a-z0-9-]`) and ids (`[A-Za-z0-9._:-]`) hold no `#`. */
  pk: (source: string, complaintId: string) => `COMPLAINT#${source}#${complaintId}`,
  stateSk: 'STATE',
  eventSkPrefix: EVENT_PREFIX,
  eventSk: (eventId: string) => `${EVENT_PREFIX}${eventId}`,
  /**
   * A state's key on a month index (`createdMonth`, `firstResolvedMonth`): `YYYY-MM#k`, k
   * the first four bytes of SHA-256 of its table key modulo MONTH_INDEX_SHARDS, so that a
   * month's writes spread evenly over its keys and a complaint always lands on the same.
   */
  monthIndexKey: (month: string, pk: string) => `${month}#${monthIndexShard(pk)}`,
  /**
   * Every key a month holds on a month index: its shards, then the unsharded `YYYY-MM` of
   * states written before the shards (until `reshard-complaints` has moved them).
   */
  monthIndexKeys: (month: string) => [
    ...Array.from({ length: MONTH_INDEX_SHARDS }, (_, shard) => `${month}#${shard}`),
    month,
  ],
  /** The month index attributes of a state whose report months are `months`. */
  monthIndexAttributes: (
    months: { createdMonth?: string; firstResolvedMonth?: string },
    pk: string,
  ): { createdMonth?: string; firstResolvedMonth?: string } => ({
    ...(months.createdMonth
      ? { createdMonth: complaintKeys.monthIndexKey(months.createdMonth, pk) }
      : {}),
    ...(months.firstResolvedMonth
      ? { firstResolvedMonth: complaintKeys.monthIndexKey(months.firstResolvedMonth, pk) }
      : {}),
  }),
};

/**
 * Set (`true`) on a STATE once the complaint aggregates count it: the processor writes it
 * on every state since the complaints table has its stream, the backfill on states from
 * before. The aggregator counts an image only when it carries it, so a change is always
 * what the new image adds less what the old one had added (docs/data-model.md).
 */
export const AGGREGATED_ATTRIBUTE = 'aggregated';
