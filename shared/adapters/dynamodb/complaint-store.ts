import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ComplaintEvent } from '../../domain/complaint-event.ts';
import { reportingMonthsOf } from '../../domain/complaint-lifecycle.ts';
import { AGGREGATED_ATTRIBUTE, complaintKeys } from '../../tables/complaints.ts';
import type { ComplaintStore, StoredComplaint } from '../../use-cases/record-complaint-event.ts';

export interface DynamoDbComplaintStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  reportingTimeZone: string;
  retentionDays: number;
  now?: () => Date;
}

/**
 * Complaints in DynamoDB: one partition per source and complaint holding its events
 * (`EVENT#…`, immutable) and its folded state (`STATE`, versioned, carrying the report
 * index keys).
 */
export function dynamoDbComplaintStore(options: DynamoDbComplaintStoreOptions): ComplaintStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const now = options.now ?? (() => new Date());

  return {
    async load(source, complaintId) {
      let stored: StoredComplaint | undefined;
      let startKey: QueryCommandOutput['LastEvaluatedKey'];
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: options.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': complaintKeys.pk(source, complaintId) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          stored ??= { version: 0, events: [] };
          if (item.sk === complaintKeys.stateSk) {
            stored.version = Number(item.version);
            if (item.customerErased === true) stored.customerErased = true;
          } else stored.events.push(item.event as ComplaintEvent);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return stored;
    },

    async append({ message, state, expectedVersion, customerErased }) {
      const at = now();
      const expiresAt = Math.floor(at.getTime() / 1000) + options.retentionDays * 86_400;
      const pk = complaintKeys.pk(message.source, state.complaintId);
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: options.tableName,
                  Item: {
                    pk,
                    sk: complaintKeys.eventSk(message.event.eventId),
                    entity: 'complaint-event',
                    event: message.event,
                    // Indexed (byCustomer) on every event, so that erasure finds a reference
                    // that a later event corrected.
                    ...(message.event.customerRef
                      ? { customerRef: message.event.customerRef }
                      : {}),
                    source: message.source,
                    receivedAt: message.receivedAt,
                    expiresAt,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: options.tableName,
                  Item: {
                    pk,
                    sk: complaintKeys.stateSk,
                    entity: 'complaint',
                    ...state,
                    // Its month index keys, sharded by its key (docs/data-model.md).
                    ...complaintKeys.monthIndexAttributes(
                      reportingMonthsOf(state, options.reportingTimeZone),
                      pk,
                    ),
                    // Counted by the aggregator from the stream (and so by the reports).
                    [AGGREGATED_ATTRIBUTE]: true,
                    version: (expectedVersion ?? 0) + 1,
                    ...(customerErased ? { customerErased } : {}),
                    updatedAt: at.toISOString(),
                    expiresAt,
                  },
                  ...(expectedVersion === undefined
                    ? { ConditionExpression: 'attribute_not_exists(pk)' }
                    : {
                        ConditionExpression: 'version = :expected',
                        ExpressionAttributeValues: { ':expected': expectedVersion },
                      }),
                },
              },
            ],
          }),
        );
        return 'appended';
      } catch (error) {
        const conditionFailed =
          error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some(
            (reason) =>
              reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
          );
        if (conditionFailed) return 'conflict';
        throw error;
      }
    },
  };
}
