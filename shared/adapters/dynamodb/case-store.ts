import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CaseEvent } from '../../domain/case-event.ts';
import type { DeliveryAttempt } from '../../domain/delivery-schedule.ts';
import type { FollowUpCase } from '../../domain/follow-up.ts';
import { answeredDayOf, surveyKeys } from '../../tables/surveys.ts';
import type { CaseDeliveryStore, StoredCase } from '../../use-cases/deliver-case.ts';
import type { FollowUpCaseStore } from '../../use-cases/open-follow-up-case.ts';
import type { CaseEventStore } from '../../use-cases/record-case-event.ts';

/**
 * Follow-up cases in the surveys table (docs/data-model.md): the `CASE` item in its
 * invitation's partition, put only if absent, so an invitation has one case whatever
 * reaches it twice, and taken back if its invitation is found erased right after; each endpoint's delivery state and attempts are kept on it. It
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
    async invitationOf(invitationId) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName,
          Key: surveyKeys.invitation(invitationId),
          ProjectionExpression: 'customerRef, #source',
          ExpressionAttributeNames: { '#source': 'source' },
          ConsistentRead: true,
        }),
      );
      return typeof Item?.customerRef === 'string' && typeof Item.source === 'string'
        ? { customerRef: Item.customerRef, source: Item.source }
        : undefined;
    },

    async open(followUpCase: FollowUpCase, endpoints, source) {
      const { invitationId } = followUpCase;
      const expiresAt =
        Math.floor(Date.parse(followUpCase.openedAt) / 1000) + options.retentionDays * 86_400;
      let outcome: 'opened' | 'exists' = 'opened';
      let queued = false;
      try {
        // One conditional Put, not a transaction with a check of the invitation: a quarter
        // of the write units (docs/design.md §9). The check comes after, below.
        await documents.send(
          new PutCommand({
            TableName,
            Item: {
              ...surveyKeys.followUpCase(invitationId),
              ...followUpCase,
              // The operator system that created the invitation: it alone posts the case's
              // events.
              source,
              // The reports' index of cases (SURVEYS_TABLE.indexes.casesByAnsweredDay).
              answeredDay: answeredDayOf(followUpCase.answeredAt),
              status: 'open',
              events: {},
              eventCount: 0,
              deliveries: Object.fromEntries(
                endpoints.map((endpoint) => [endpoint, { state: 'pending', attempts: [] }]),
              ),
              expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const stored = await read(invitationId);
        outcome = 'exists';
        // Gone meanwhile (erased): nothing to queue.
        queued = stored === undefined || 'queuedAt' in stored;
        if (queued) return { outcome, queued };
      }
      // Erasure deletes the invitation, then its case. The invitation still there after the
      // case is written means erasure's delete of the case is yet to come and will take it;
      // gone means it may have passed already, so the case goes now: no case outlives its
      // customer, and none of theirs is delivered.
      const { Item: invitation } = await documents.send(
        new GetCommand({
          TableName,
          Key: surveyKeys.invitation(invitationId),
          ProjectionExpression: 'pk',
          ConsistentRead: true,
        }),
      );
      if (invitation) return { outcome, queued };
      await documents.send(
        new DeleteCommand({ TableName, Key: surveyKeys.followUpCase(invitationId) }),
      );
      return { outcome: 'invitation_gone', queued: true };
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

/** A case's status events, kept on the case item by event id (docs/data-model.md). */
export function dynamoDbCaseEventStore(options: {
  client: DynamoDBClient;
  tableName: string;
}): CaseEventStore {
  const documents = DynamoDBDocumentClient.from(options.client);
  const TableName = options.tableName;
  const eventsOf = (item: Record<string, unknown> | undefined) => {
    const events = (item?.events ?? {}) as Record<string, Omit<CaseEvent, 'eventId'>>;
    return Object.entries(events).map(([eventId, event]) => ({
      eventId,
      type: event.type,
      occurredAt: event.occurredAt,
    }));
  };
  return {
    async add(invitationId, source, event, receivedAt) {
      const Key = surveyKeys.followUpCase(invitationId);
      try {
        const { Attributes } = await documents.send(
          new UpdateCommand({
            TableName,
            Key,
            UpdateExpression: 'SET events.#id = :event, eventCount = eventCount + :one',
            ConditionExpression: '#source = :source AND attribute_not_exists(events.#id)',
            ExpressionAttributeNames: { '#id': event.eventId, '#source': 'source' },
            ExpressionAttributeValues: {
              ':event': {
                type: event.type,
                occurredAt: event.occurredAt,
                receivedAt: receivedAt.toISOString(),
              },
              ':one': 1,
              ':source': source,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { added: true, events: eventsOf(Attributes), count: Number(Attributes?.eventCount) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await documents.send(
          new GetCommand({ TableName, Key, ConsistentRead: true }),
        );
        // Another source's case is no case of theirs: the same answer as none at all.
        if (!Item || Item.source !== source) return undefined;
        return { added: false, events: eventsOf(Item), count: Number(Item.eventCount) };
      }
    },

    async keepFollowUp(invitationId, followUp, count) {
      await documents
        .send(
          new UpdateCommand({
            TableName,
            Key: surveyKeys.followUpCase(invitationId),
            UpdateExpression: `SET #status = :status${followUp.firstContactedAt ? ', firstContactedAt = :contacted' : ''}${followUp.resolvedAt ? ', resolvedAt = :resolved' : ''}, foldedCount = :count`,
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(foldedCount) OR foldedCount <= :count)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': followUp.status,
              ':count': count,
              ...(followUp.firstContactedAt ? { ':contacted': followUp.firstContactedAt } : {}),
              ...(followUp.resolvedAt ? { ':resolved': followUp.resolvedAt } : {}),
            },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    },
  };
}
