import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COMPLAINTS_TABLE, complaintKeys } from '../../tables/complaints.ts';

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
 * (docs/data-model.md): a parallel Scan (one worker per segment) finds every STATE whose
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
  const documents = DynamoDBDocumentClient.from(options.client);
  const summary: ReshardSummary = { unsharded: 0, moved: 0 };
  const names = { '#created': MONTH_ATTRIBUTES[0], '#resolved': MONTH_ATTRIBUTES[1] };
  const segment = async (index: number) => {
    for await (const page of paginateScan(
      { client: documents },
      {
        TableName: options.tableName,
        Segment: index,
        TotalSegments: options.segments,
        // Only the states still on a bare month, and only their keys and months.
        ProjectionExpression: 'pk, #created, #resolved',
        FilterExpression:
          'sk = :state AND ((attribute_exists(#created) AND NOT contains(#created, :hash)) OR (attribute_exists(#resolved) AND NOT contains(#resolved, :hash)))',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':state': complaintKeys.stateSk, ':hash': '#' },
      },
    )) {
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        const moves = MONTH_ATTRIBUTES.flatMap((attribute, at) => {
          const month = item[attribute];
          return isUnsharded(month)
            ? [{ name: `#m${at}`, attribute, month, key: complaintKeys.monthIndexKey(month, pk) }]
            : [];
        });
        if (moves.length === 0) continue;
        summary.unsharded += 1;
        try {
          await documents.send(
            new UpdateCommand({
              TableName: options.tableName,
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
            }),
          );
          summary.moved += 1;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      options.onPage?.({ ...summary });
    }
  };
  await Promise.all(Array.from({ length: options.segments }, (_, index) => segment(index)));
  return summary;
}
