import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Invitation } from '../../domain/invitation.ts';
import { monthInTimeZone } from '../../domain/zoned-time.ts';
import { surveyKeys } from '../../tables/surveys.ts';
import type { InvitationStore } from '../../use-cases/create-invitation.ts';

export interface DynamoDbInvitationStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  reportingTimeZone: string;
  retentionDays: number;
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Stored attribute names that differ from the domain's: TTL owns `expiresAt`. */
function toItem(invitation: Invitation, reportingTimeZone: string, purgeAt: number) {
  const { expiresAt, ...rest } = invitation;
  return {
    ...surveyKeys.invitation(invitation.invitationId),
    entity: 'invitation',
    ...rest,
    linkExpiresAt: expiresAt,
    createdMonth: monthInTimeZone(invitation.createdAt, reportingTimeZone),
    expiresAt: purgeAt,
  };
}

function fromItem(item: Record<string, unknown>): Invitation {
  const {
    pk: _pk,
    sk: _sk,
    entity: _entity,
    createdMonth: _month,
    expiresAt: _purge,
    linkExpiresAt,
    ...rest
  } = item;
  return { ...(rest as Omit<Invitation, 'expiresAt'>), expiresAt: String(linkExpiresAt) };
}

/** Invitations in the surveys table; creation is one transaction (docs/design.md §4.4, §5). */
export function dynamoDbInvitationStore(options: DynamoDbInvitationStoreOptions): InvitationStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;
  const purgeAt = (from: string) => epochSeconds(from) + options.retentionDays * 86_400;

  const getInvitation = async (invitationId: string) => {
    const { Item } = await documents.send(
      new GetCommand({ TableName, Key: surveyKeys.invitation(invitationId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  };

  return {
    find: getInvitation,

    async contactState(customerRef, phoneHash) {
      const contactKey = surveyKeys.customerContact(customerRef);
      const optOutKey = surveyKeys.optOut(phoneHash);
      const { Responses } = await documents.send(
        new BatchGetCommand({
          RequestItems: { [TableName]: { Keys: [contactKey, optOutKey], ConsistentRead: true } },
        }),
      );
      const items = Responses?.[TableName] ?? [];
      const contact = items.find((item) => item.pk === contactKey.pk);
      return {
        optedOut: items.some((item) => item.pk === optOutKey.pk),
        lastInvitedAt: contact?.lastInvitedAt ? new Date(String(contact.lastInvitedAt)) : undefined,
      };
    },

    async create(invitation, capStart, outbox, reminder) {
      const retainUntil = purgeAt(invitation.createdAt);
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName,
                  Item: toItem(invitation, options.reportingTimeZone, retainUntil),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName,
                  Item: {
                    ...surveyKeys.token(invitation.tokenHash),
                    invitationId: invitation.invitationId,
                    linkExpiresAt: invitation.expiresAt,
                    // What the survey page needs, so that one read serves every answer.
                    locale: invitation.locale,
                    touchpoint: invitation.touchpoint,
                    surveyVersion: invitation.surveyVersion,
                    channel: invitation.channel,
                    region: invitation.region,
                    service: invitation.service,
                    // The response rate counts answers by the day the invitation was made.
                    createdAt: invitation.createdAt,
                    // The token item goes a day after the link dies.
                    expiresAt: epochSeconds(invitation.expiresAt) + 86_400,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName,
                  Item: {
                    ...surveyKeys.customerContact(invitation.customerRef),
                    lastInvitedAt: invitation.createdAt,
                    expiresAt: retainUntil,
                  },
                  ConditionExpression: 'attribute_not_exists(pk) OR lastInvitedAt <= :capStart',
                  ExpressionAttributeValues: { ':capStart': capStart.toISOString() },
                },
              },
              {
                ConditionCheck: {
                  TableName,
                  Key: surveyKeys.optOut(invitation.phoneHash),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              ...(outbox
                ? [
                    {
                      Put: {
                        TableName,
                        Item: {
                          ...surveyKeys.smsOutbox(invitation.invitationId),
                          ...outbox,
                          // The number goes with the link at the latest.
                          expiresAt: epochSeconds(invitation.expiresAt),
                        },
                      },
                    },
                  ]
                : []),
              ...(reminder
                ? [
                    {
                      Put: {
                        TableName,
                        Item: {
                          ...surveyKeys.reminderDue(reminder.invitationId, reminder.dueAt),
                          ...reminder,
                          // Never handed over: gone with the link (and the number with it).
                          expiresAt: epochSeconds(invitation.expiresAt),
                        },
                      },
                    },
                  ]
                : []),
            ],
          }),
        );
        return 'created';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const failed = (error.CancellationReasons ?? []).map(
          (reason) => reason.Code === 'ConditionalCheckFailed',
        );
        // In the order of TransactItems: invitation, token, contact, opt-out, outbox, reminder.
        if (failed[0]) return 'duplicate';
        if (failed[3]) return 'opted_out';
        if (failed[2]) return 'frequency_cap';
        throw error;
      }
    },
  };
}
