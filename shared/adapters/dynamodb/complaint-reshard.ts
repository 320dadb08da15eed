import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { COMPLAINTS_TABLE, complaintKeys } from '../../tables/complaints.ts';
import { type StatePassSummary, updateScannedItems } from './state-scan.ts';

/** What a reshard did: states found on an unsharded month key, and how many it moved. */
export interface ReshardSummary {
  unsharded: number;
  moved: number;
}

/** The month index attributes: `createdMonth`, `firstResolvedMonth`. */
const MONTH_ATTRIBUTES = [
  COMPLAINTS_TABLE.indexes.byCreatedMonth.partitionKey,
  COMPLAINTS_TABLE.indexes.byFirstResolvedMonth.partitionKey,
] as const;

/** Whether a month index value is the unsharded `YYYY-MM` of a state from before the shards. */
const isUnsharded = (value: unknown): value is string =>
  typeof value === 'string' && !value.includes('#');

/**
 * Moves complaint states written before the month indexes were sharded onto their shards
 * (docs/data-model.md): a parallel Scan finds every STATE whose
 * `createdMonth` or `firstResolvedMonth` is still a bare `YYYY-MM`, and an update sets
 * `YYYY-MM#k`, on condition that the attribute still holds the bare month: a processor
 * that wrote the state meanwhile wrote the sharded value, which is kept. Nothing else of
 * the state changes, so the stream's old and new images count the same and the complaint
 * aggregator adds nothing. Running it again moves nothing.
 */
export async function reshardComplaintMonthKeys(options: {
  client: DynamoDBClient;
  tableName: string;
  segments: number;
  /** Told after each page, for progress. */
  onPage?: (summary: ReshardSummary) => void;
}): Promise<ReshardSummary> {
  const names = { '#created': MONTH_ATTRIBUTES[0], '#resolved': MONTH_ATTRIBUTES[1] };
  const summaryOf = ({ found, changed }: StatePassSummary) => ({
    unsharded: found,
    moved: changed,
  });
  return summaryOf(
    await updateScannedItems({
      client: options.client,
      tableName: options.tableName,
      segments: options.segments,
      scan: {
        // Only the states still on a bare month, and only their keys and months.
        ProjectionExpression: 'pk, #created, #resolved',
        FilterExpression:
          'sk = :state AND ((attribute_exists(#created) AND NOT contains(#created, :hash)) OR (attribute_exists(#resolved) AND NOT contains(#resolved, :hash)))',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':state': complaintKeys.stateSk, ':hash': '#' },
      },
      update: (item) => {
        const pk = String(item.pk);
        const moves = MONTH_ATTRIBUTES.flatMap((attribute, at) => {
          const month = item[attribute];
          return isUnsharded(month)
            ? [{ name: `#m${at}`, attribute, month, key: complaintKeys.monthIndexKey(month, pk) }]
            : [];
        });
        if (moves.length === 0) return undefined;
        return {
          Key: { pk, sk: complaintKeys.stateSk },
          UpdateExpression: `SET ${moves.map((move, at) => `${move.name} = :key${at}`).join(', ')}`,
          // Not on a state deleted meanwhile (the update would make one), nor on one
          // the processor has written since (it wrote the sharded keys).
          ConditionExpression: [
            'attribute_exists(pk)',
            ...moves.map((move, at) => `${move.name} = :month${at}`),
          ].join(' AND '),
          ExpressionAttributeNames: Object.fromEntries(
            moves.map((move) => [move.name, move.attribute]),
          ),
          ExpressionAttributeValues: Object.fromEntries(
            moves.flatMap((move, at) => [
              [`:key${at}`, move.key],
              [`:month${at}`, move.month],
            ]),
          ),
        };
      },
      ...(options.onPage ? { onPage: (summary) => options.onPage?.(summaryOf(summary)) } : {}),
    }),
  );
}
