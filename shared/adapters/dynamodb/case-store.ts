import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt } from '../../domain/delivery-schedule.ts';
import type { FollowUpCase } from '../../domain/follow-up.ts';
import { surveyKeys } from '../../tables/surveys.ts';
import type { CaseDeliveryStore, StoredCase } from '../../use-cases/deliver-case.ts';
import type { FollowUpCaseStore } from '../../use-cases/open-follow-up-case.ts';

/**
 * Follow-up cases in the surveys table (docs/data-model.md): the `CASE` item in its
 * invitation's partition, put only if absent, so an invitation has one case whatever
 * reaches it twice; each endpoint's delivery state and attempts are kept on it. It
 * carries the customer reference and the comment (personal data) and expires with the
 * raw data; erasure removes it with the invitation.
 */
export function dynamoDbCaseStore(options: {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
}): FollowUpCaseStore & CaseDeliveryStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;
  const read = async (invitationId: string) =>
    (
      await documents.send(
        new GetCommand({
          TableName,
          Key: surveyKeys.followUpCase(invitationId),
          ConsistentRead: true,
        }),
      )
    ).Item;

  return {
    async customerOf(invitationId) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName,
          Key: surveyKeys.invitation(invitationId),
          ProjectionExpression: 'customerRef',
          ConsistentRead: true,
        }),
      );
      return typeof Item?.customerRef === 'string' ? Item.customerRef : undefined;
    },

    async open(followUpCase: FollowUpCase, endpoints) {
      const expiresAt =
        Math.floor(Date.parse(followUpCase.openedAt) / 1000) + options.retentionDays * 86_400;
      try {
        // With the invitation still there: erasure deletes the invitation before its
        // case, so no case can be opened for a customer being erased and outlive them.
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName,
                  Key: surveyKeys.invitation(followUpCase.invitationId),
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              {
                Put: {
                  TableName,
                  Item: {
                    ...surveyKeys.followUpCase(followUpCase.invitationId),
                    ...followUpCase,
                    status: 'open',
                    deliveries: Object.fromEntries(
                      endpoints.map((endpoint) => [endpoint, { state: 'pending', attempts: [] }]),
                    ),
                    expiresAt,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
        return { outcome: 'opened', queued: false };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [invitation, existing] = error.CancellationReasons ?? [];
        if (invitation?.Code === 'ConditionalCheckFailed') {
          return { outcome: 'invitation_gone', queued: true };
        }
        if (existing?.Code !== 'ConditionalCheckFailed') throw error;
        const stored = await read(followUpCase.invitationId);
        // Gone meanwhile (erased): nothing to queue.
        return { outcome: 'exists', queued: stored === undefined || 'queuedAt' in stored };
      }
    },

    async markQueued(invitationId, at) {
      await documents
        .send(
          new UpdateCommand({
            TableName,
            Key: surveyKeys.followUpCase(invitationId),
            UpdateExpression: 'SET queuedAt = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at.toISOString() },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    },

    async find(invitationId) {
      const item = await read(invitationId);
      return item as StoredCase | undefined;
    },

    async recordAttempt(invitationId, endpoint, attempt: DeliveryAttempt, state) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: surveyKeys.followUpCase(invitationId),
            UpdateExpression:
              'SET deliveries.#endpoint.attempts = list_append(if_not_exists(deliveries.#endpoint.attempts, :none), :attempt), deliveries.#endpoint.#state = :state',
            ConditionExpression: 'attribute_exists(deliveries.#endpoint)',
            ExpressionAttributeNames: { '#endpoint': endpoint, '#state': 'state' },
            ExpressionAttributeValues: { ':none': [], ':attempt': [attempt], ':state': state },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
