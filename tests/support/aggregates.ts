import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { aggregateKeys, type CounterKind } from '#shared/tables/aggregates.ts';

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

/**
 * One shard of a day's counters of a kind for that group as the aggregator wrote it before
 * the shard moved into the partition key: the day's one partition, the shard at the end of
 * the sort key. Reports still read these.
 */
export const counterItemBeforeSharding = (
  kind: CounterKind,
  day: string,
  shard: number,
  counts: Record<string, number>,
) => {
  const { region, service, touchpoint, channel } = BEIJING_STORE_WEB;
  return {
    pk: aggregateKeys.counterDayBeforeSharding(kind, day),
    sk: `${region}#${service}#${touchpoint}#${channel}#${shard}`,
    day,
    ...BEIJING_STORE_WEB,
    ...counts,
  };
};

/**
 * A day's counters of a kind whose group starts with `group` (a region, or a whole
 * `region#service#touchpoint#channel`), summed over every partition and shard that holds
 * them; `items` is how many counter items were found.
 */
export async function dayCounters(
  documents: DynamoDBDocumentClient,
  TableName: string,
  kind: CounterKind,
  day: string,
  group: string,
) {
  const answers = await Promise.all(
    aggregateKeys
      .counterDayQueries(kind, day, group)
      .map((counterQuery) => documents.send(new QueryCommand({ TableName, ...counterQuery }))),
  );
  // A prefix finds `BJ#…` and `BJX#…` alike: the group is whole segments of the item's.
  const items = answers
    .flatMap(({ Items = [] }) => Items)
    .filter((item) => {
      const { region, service, touchpoint, channel } = aggregateKeys.groupOfCounter(item);
      const name = `${region}#${service}#${touchpoint}#${channel}`;
      return name === group || name.startsWith(`${group}#`);
    });
  const totals: Record<string, number> = {};
  for (const item of items) {
    for (const [name, value] of Object.entries(item)) {
      if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
    }
  }
  return { totals, items };
}
