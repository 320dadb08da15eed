import { TTL_ATTRIBUTE, tableDesign } from './table.ts';

/**
 * The complaints table (docs/data-model.md): one partition per complaint holding its
 * events (`EVENT#…`, immutable) and its folded state (`STATE`, versioned). A complaint
 * belongs to the source that posts it: its key holds the source, so two sources' equal
 * complaint or event ids never meet. Its indexes
 * serve the report queries and erasure; month keys are `YYYY-MM` in the reporting time
 * zone, so a quarter or a year is three or twelve queries.
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

/** Key layout of the complaints table. */
export const complaintKeys = {
  /** A source's complaint; source names (`[a-z0-9-]`) and ids (`[A-Za-z0-9._:-]`) hold no `#`. */
  pk: (source: string, complaintId: string) => `COMPLAINT#${source}#${complaintId}`,
  stateSk: 'STATE',
  eventSkPrefix: EVENT_PREFIX,
  eventSk: (eventId: string) => `${EVENT_PREFIX}${eventId}`,
};

/**
 * Set (`true`) on a STATE once the complaint aggregates count it: the processor writes it
 * on every state since the complaints table has its stream, the backfill on states from
 * before. The aggregator counts an image only when it carries it, so a change is always
 * what the new image adds less what the old one had added (docs/data-model.md).
 */
export const AGGREGATED_ATTRIBUTE = 'aggregated';
