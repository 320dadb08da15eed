import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SubscriberCountRow } from '../../domain/subscriber-counts.ts';
import { aggregateKeys } from '../../tables/aggregates.ts';

/**
 * Subscriber reference data, versioned: every upload is kept beside the earlier ones and
 * a report uses the latest. Anonymous operator figures, so they live with the aggregates.
 */
export function dynamoDbSubscriberStore(client: DynamoDBClient, TableName: string) {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    /** Stores a new version; answers its id (upload time, then a random suffix). */
    async put(period: string, counts: SubscriberCountRow[], uploadedAt: Date, uploadedBy: string) {
      const version = `${uploadedAt.toISOString()}#${randomBytes(4).toString('hex')}`;
      await documents.send(
        new PutCommand({
          TableName,
          Item: {
            ...aggregateKeys.subscriberCounts(period, version),
            period,
            counts,
            uploadedAt: uploadedAt.toISOString(),
            uploadedBy,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return version;
    },

    /** The latest version's counts for a period id, or undefined when none was uploaded. */
    async latest(period: string): Promise<SubscriberCountRow[] | undefined> {
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
          ExpressionAttributeValues: {
            ':pk': aggregateKeys.subscriberPeriod(period),
            ':version': aggregateKeys.subscriberVersionPrefix,
          },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      return Items[0]?.counts as SubscriberCountRow[] | undefined;
    },
  };
}
