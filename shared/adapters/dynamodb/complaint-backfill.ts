import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AGGREGATED_ATTRIBUTE, complaintKeys } from '../../tables/complaints.ts';

/** What a backfill did: states found without the mark, and how many of them it marked. */
export interface BackfillSummary {
  unmarked: number;
  marked: number;
}

/**
 * Carries complaint states written before the complaints table had its stream into the
 * complaint aggregates: a parallel Scan (one worker per segment) finds every STATE without
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
  const documents = DynamoDBDocumentClient.from(options.client);
  const summary: BackfillSummary = { unmarked: 0, marked: 0 };
  const segment = async (index: number) => {
    for await (const page of paginateScan(
      { client: documents },
      {
        TableName: options.tableName,
        Segment: index,
        TotalSegments: options.segments,
        // Only the keys of the states still to mark: events and marked states stay behind.
        ProjectionExpression: 'pk',
        FilterExpression: 'sk = :state AND attribute_not_exists(#aggregated)',
        ExpressionAttributeNames: { '#aggregated': AGGREGATED_ATTRIBUTE },
        ExpressionAttributeValues: { ':state': complaintKeys.stateSk },
      },
    )) {
      for (const item of page.Items ?? []) {
        summary.unmarked += 1;
        try {
          await documents.send(
            new UpdateCommand({
              TableName: options.tableName,
              Key: { pk: item.pk, sk: complaintKeys.stateSk },
              UpdateExpression: 'SET #aggregated = :true',
              // Not on a state deleted meanwhile (the update would make one), nor on one marked since.
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#aggregated)',
              ExpressionAttributeNames: { '#aggregated': AGGREGATED_ATTRIBUTE },
              ExpressionAttributeValues: { ':true': true },
            }),
          );
          summary.marked += 1;
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
