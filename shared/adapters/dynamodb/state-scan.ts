import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  paginateScan,
  type ScanCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** What a pass over the complaint states did: states it found to change, and changed. */
export interface StatePassSummary {
  found: number;
  changed: number;
}

/**
 * A one-off pass over a table's items (the admin's backfill and reshard): a parallel Scan,
 * one worker per segment, of the items `scan` selects; each item `update` makes an update
 * for is updated, and one whose condition no longer holds (written or deleted meanwhile)
 * is left as it is. Running it again finds only what is still to change.
 */
export async function updateScannedItems(options: {
  client: DynamoDBClient;
  tableName: string;
  segments: number;
  scan: Pick<
    ScanCommandInput,
    | 'ProjectionExpression'
    | 'FilterExpression'
    | 'ExpressionAttributeNames'
    | 'ExpressionAttributeValues'
  >;
  /** The update for an item (its table and a condition included), or none to skip it. */
  update: (item: Record<string, unknown>) => Omit<UpdateCommandInput, 'TableName'> | undefined;
  /** Told after each page, for progress. */
  onPage?: (summary: StatePassSummary) => void;
}): Promise<StatePassSummary> {
  const documents = DynamoDBDocumentClient.from(options.client);
  const summary: StatePassSummary = { found: 0, changed: 0 };
  const segment = async (index: number) => {
    for await (const page of paginateScan(
      { client: documents },
      {
        TableName: options.tableName,
        Segment: index,
        TotalSegments: options.segments,
        ...options.scan,
      },
    )) {
      for (const item of page.Items ?? []) {
        const update = options.update(item);
        if (!update) continue;
        summary.found += 1;
        try {
          await documents.send(new UpdateCommand({ TableName: options.tableName, ...update }));
          summary.changed += 1;
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
