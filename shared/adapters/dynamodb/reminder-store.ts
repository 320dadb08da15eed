import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DueReminder, Invitation, NotSentReason } from '../../domain/invitation.ts';
import { REMINDER_SHARDS, reminderHoursUpTo } from '../../domain/reminders.ts';
import { reminderPartition, SURVEY_ITEMS, surveyKeys } from '../../tables/surveys.ts';
import type { ReminderDeliveryStore } from '../../use-cases/deliver-case.ts';
import type { HandOverResult, ReminderStore } from '../../use-cases/hand-over-reminders.ts';

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const failedChecks = (error: TransactionCanceledException) =>
  (error.CancellationReasons ?? []).map((reason) => reason.Code === 'ConditionalCheckFailed');
/** Another run or the sender wrote one of the items at the same moment: the next run retries. */
const conflicted = (error: TransactionCanceledException) =>
  (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');

/**
 * Reminders in the surveys table (docs/data-model.md): the due item, in its due hour's
 * shard until a run hands it over, and the reminder's state on its invitation (never its
 * `status`, which the response rate counts by).
 */
export function dynamoDbReminderStore(options: {
  client: DynamoDBClient;
  tableName: string;
}): ReminderStore & ReminderDeliveryStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;
  const get = async (Key: { pk: string; sk: string }) =>
    (await documents.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;
  const dueKey = (reminder: DueReminder) =>
    surveyKeys.reminderDue(reminder.invitationId, reminder.dueAt);
  /** The checks made with every hand-over: not opted out; the link open at `at`. */
  const contactChecks = (reminder: DueReminder, at: Date) => [
    {
      ConditionCheck: {
        TableName,
        Key: surveyKeys.optOut(reminder.phoneHash),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      ConditionCheck: {
        TableName,
        Key: surveyKeys.token(reminder.tokenHash),
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(answeredAt) AND linkExpiresAt > :now',
        ExpressionAttributeValues: { ':now': at.toISOString() },
      },
    },
  ];
  const linkClosedReason = async (reminder: DueReminder): Promise<NotSentReason> =>
    (await get(surveyKeys.token(reminder.tokenHash)))?.answeredAt ? 'answered' : 'expired';

  return {
    async *due(at) {
      const upTo = `${SURVEY_ITEMS.reminderDue}${at.toISOString()}#~`;
      for (const hour of reminderHoursUpTo(at)) {
        for (let shard = 0; shard < REMINDER_SHARDS; shard += 1) {
          for await (const page of paginateQuery(
            { client: documents },
            {
              TableName,
              KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :upTo',
              ExpressionAttributeValues: {
                ':pk': reminderPartition(hour, shard),
                ':from': SURVEY_ITEMS.reminderDue,
                ':upTo': upTo,
              },
            },
          )) {
            for (const item of page.Items ?? []) {
              const { pk: _pk, sk: _sk, expiresAt: _ttl, ...reminder } = item;
              yield reminder as DueReminder;
            }
          }
        }
      }
    },

    async handOverSms(reminder, at, sendAt): Promise<HandOverResult> {
      const { invitationId } = reminder;
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName,
                  Key: dueKey(reminder),
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              {
                Update: {
                  TableName,
                  Key: surveyKeys.invitation(invitationId),
                  UpdateExpression: `SET reminderStatus = :status${sendAt ? ', reminderSendAt = :sendAt' : ''}`,
                  ConditionExpression:
                    'attribute_exists(pk) AND attribute_not_exists(reminderStatus) AND #status = :sent',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':status': sendAt ? 'deferred' : 'queued',
                    ':sent': 'sent',
                    ...(sendAt ? { ':sendAt': sendAt } : {}),
                  },
                },
              },
              ...contactChecks(reminder, at),
              {
                // The sender's outbox, as for the first SMS: its stream record sends it.
                Put: {
                  TableName,
                  Item: {
                    ...surveyKeys.smsOutbox(invitationId),
                    invitationId,
                    phoneCiphertext: reminder.phoneCiphertext,
                    reminder: true,
                    ...(sendAt ? { sendAt } : {}),
                    expiresAt: epochSeconds(reminder.linkExpiresAt),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
        return 'handed_over';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (conflicted(error)) return 'later';
        const [due, invitationFailed, optOut, link, outbox] = failedChecks(error);
        if (due) return 'gone';
        if (invitationFailed) {
          const invitation = (await get(surveyKeys.invitation(invitationId))) as
            | Invitation
            | undefined;
          if (!invitation || invitation.reminderStatus) return 'gone';
          if (invitation.status === 'not_sent') return invitation.notSentReason ?? 'expired';
          return 'later';
        }
        if (optOut) return 'opted_out';
        if (link) return linkClosedReason(reminder);
        if (outbox) return 'later';
        throw error;
      }
    },

    async handOverWeb(reminder, at, endpoints): Promise<HandOverResult> {
      const { invitationId } = reminder;
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName,
                  Key: surveyKeys.invitation(invitationId),
                  UpdateExpression:
                    'SET reminderStatus = :queued, reminderDeliveries = :deliveries',
                  ConditionExpression:
                    'attribute_exists(pk) AND attribute_not_exists(reminderStatus)',
                  ExpressionAttributeValues: {
                    ':queued': 'queued',
                    ':deliveries': Object.fromEntries(
                      endpoints.map((endpoint) => [endpoint, { state: 'pending', attempts: [] }]),
                    ),
                  },
                },
              },
              ...contactChecks(reminder, at),
            ],
          }),
        );
        return 'handed_over';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (conflicted(error)) return 'later';
        const [invitationFailed, optOut, link] = failedChecks(error);
        if (invitationFailed) {
          const invitation = await get(surveyKeys.invitation(invitationId));
          return invitation?.reminderStatus === 'queued' ? 'queued_before' : 'gone';
        }
        if (optOut) return 'opted_out';
        if (link) return linkClosedReason(reminder);
        throw error;
      }
    },

    async withhold(reminder, reason, at) {
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              { Delete: { TableName, Key: dueKey(reminder) } },
              {
                Update: {
                  TableName,
                  Key: surveyKeys.invitation(reminder.invitationId),
                  UpdateExpression:
                    'SET reminderStatus = :notSent, reminderNotSentReason = :reason, reminderNotSentAt = :at',
                  ConditionExpression:
                    'attribute_exists(pk) AND attribute_not_exists(reminderStatus)',
                  ExpressionAttributeValues: {
                    ':notSent': 'not_sent',
                    ':reason': reason,
                    ':at': at.toISOString(),
                  },
                },
              },
            ],
          }),
        );
      } catch (error) {
        // Erased, or decided already: the due item goes all the same.
        if (!(error instanceof TransactionCanceledException)) throw error;
        await documents.send(new DeleteCommand({ TableName, Key: dueKey(reminder) }));
      }
    },

    async drop(reminder) {
      await documents.send(new DeleteCommand({ TableName, Key: dueKey(reminder) }));
    },

    async findReminder(invitationId, endpoint, now) {
      const invitation = await get(surveyKeys.invitation(invitationId));
      if (!invitation) return undefined;
      const link = await get(surveyKeys.token(String(invitation.tokenHash)));
      const deliveries = (invitation.reminderDeliveries ?? {}) as Record<
        string,
        { state: 'pending' | 'delivered' | 'failed'; attempts: [] }
      >;
      return {
        reminder: {
          invitationId,
          customerRef: String(invitation.customerRef),
          touchpoint: String(invitation.touchpoint),
          locale: invitation.locale,
          invitedAt: String(invitation.createdAt),
          dueAt: String(invitation.reminderDueAt),
          expiresAt: String(invitation.linkExpiresAt),
        },
        delivery: deliveries[endpoint],
        linkOpen:
          link !== undefined &&
          link.answeredAt === undefined &&
          String(link.linkExpiresAt) > now.toISOString(),
      };
    },

    async recordReminderAttempt(invitationId, endpoint, attempt, state) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: surveyKeys.invitation(invitationId),
            UpdateExpression:
              'SET reminderDeliveries.#endpoint.attempts = list_append(reminderDeliveries.#endpoint.attempts, :attempt), reminderDeliveries.#endpoint.#state = :state',
            ConditionExpression: 'attribute_exists(reminderDeliveries.#endpoint)',
            ExpressionAttributeNames: { '#endpoint': endpoint, '#state': 'state' },
            ExpressionAttributeValues: { ':attempt': [attempt], ':state': state },
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
