import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AGGREGATED_ATTRIBUTE, complaintKeys } from '../../tables/complaints.ts';
import { type StatePassSummary, updateScannedItems } from './state-scan.ts';

/** What a backfill did: states found without the mark, and how many of them it marked. */
export interface BackfillSummary {
  unmarked: number;
  marked: number;
}

/**
 * Carries complaint states written before the complaints table had its stream into the
 * complaint aggregates: a parallel Scan finds every STATE without
 * `aggregated`, and an update sets it, on condition that it is still absent. The stream
 * then brings the update to the complaint aggregator, which counts the state's whole
 * contribution once (its old image carries no mark, so it had counted nothing). Running it
 * again marks nothing: every state is marked, by it or by the processor.
 */
export async function markComplaintStatesForAggregation(options: {
  client: DynamoDBClient;
  tableName: string;
  segments: number;
  /** Told after each page, for progress. */
  onPage?: (summary: BackfillSummary) => void;
}): Promise<BackfillSummary> {
  const summaryOf = ({ found, changed }: StatePassSummary) => ({
    unmarked: found,
    marked: changed,
  });
  return summaryOf(
    await updateScannedItems({
      client: options.client,
      tableName: options.tableName,
      segments: options.segments,
      scan: {
        // Only the keys of the states still to mark: events and marked states stay behind.
        ProjectionExpression: 'pk',
        FilterExpression: 'sk = :state AND attribute_not_exists(#aggregated)',
        ExpressionAttributeNames: { '#aggregated': AGGREGATED_ATTRIBUTE },
        ExpressionAttributeValues: { ':state': complaintKeys.stateSk },
      },
      update: (item) => ({
        Key: { pk: item.pk, sk: complaintKeys.stateSk },
        UpdateExpression: 'SET #aggregated = :true',
        // Not on a state deleted meanwhile (the update would make one), nor on one marked since.
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#aggregated)',
        ExpressionAttributeNames: { '#aggregated': AGGREGATED_ATTRIBUTE },
        ExpressionAttributeValues: { ':true': true },
      }),
      ...(options.onPage ? { onPage: (summary) => options.onPage?.(summaryOf(summary)) } : {}),
    }),
  );
}
