import { aggregateKeys } from '#shared/tables/aggregates.ts';

/** The one survey group the report tests count answers in: web answers in a Beijing store. */
const BEIJING_STORE_WEB = {
  region: 'BJ',
  service: 'mobile_data',
  touchpoint: 'store',
  channel: 'web',
} as const;

/**
 * One shard of a day's response counters for that group, keyed and shaped as the
 * aggregator writes it (shared/tables/aggregates.ts).
 */
export const aggregateShardItem = (day: string, shard: number, counts: Record<string, number>) => ({
  ...aggregateKeys.counterShard('responses', { day, ...BEIJING_STORE_WEB }, shard),
  day,
  ...BEIJING_STORE_WEB,
  ...counts,
});
