/**
 * What every table of the project shares (docs/data-model.md): string keys `pk` and `sk`
 * whose layout each table's module spells out, and, where items expire, DynamoDB's TTL
 * on `expiresAt` (epoch seconds). These modules import nothing from the AWS SDK or the
 * CDK: the stacks and the Lambda bundles both read them.
 */
export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The TTL attribute of the tables whose items expire. */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * A global secondary index: its key attributes; `keysOnly` copies only the table's keys,
 * `include` the keys and the attributes named (what its reader needs, so that writes to
 * the item's other attributes cost the index nothing); neither, every attribute.
 */
export interface IndexDesign {
  name: string;
  partitionKey: string;
  sortKey?: string;
  keysOnly: boolean;
  include?: readonly string[];
}

/** What the stateful stack builds a table from, besides its stream and its protection. */
export interface TableDesign {
  partitionKey: string;
  sortKey: string;
  /** The TTL attribute; absent when items never expire. */
  timeToLiveAttribute?: string;
  /** By name; the stack creates them in this order. */
  indexes: Readonly<Record<string, IndexDesign>>;
}

/**
 * A table's design: the project's keys and what the table adds. A call marked pure, so a
 * bundle that reads only a table's key builders leaves the design out.
 */
export function tableDesign<const T extends Omit<TableDesign, 'partitionKey' | 'sortKey'>>(
  design: T,
): T & typeof TABLE_KEY {
  return { ...TABLE_KEY, ...design };
}
