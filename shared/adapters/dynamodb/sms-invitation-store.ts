import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Invitation, NotSentReason, SmsOutboxEntry } from '../../domain/invitation.ts';
import { CONVERSATION_TIMEOUT_HOURS, type SmsConversation } from '../../domain/sms-conversation.ts';
import { SURVEY_ITEMS, surveyKeys } from '../../tables/surveys.ts';
import type { SmsInvitationStore } from '../../use-cases/send-invitation-sms.ts';

/**
 * The attributes of each of an invitation's two SMS, the first and its reminder: the same
 * states and records, under names of their own (the reminder never touches `status`).
 */
const SMS_ATTRIBUTES = {
  status: {
    claimedAt: 'claimedAt',
    sentAt: 'sentAt',
    notSentReason: 'notSentReason',
    notSentAt: 'notSentAt',
    unconfirmedAt: 'unconfirmedAt',
  },
  reminderStatus: {
    claimedAt: 'reminderClaimedAt',
    sentAt: 'reminderSentAt',
    notSentReason: 'reminderNotSentReason',
    notSentAt: 'reminderNotSentAt',
    unconfirmedAt: 'reminderUnconfirmedAt',
  },
} as const;
type SmsStatusAttribute = keyof typeof SMS_ATTRIBUTES;

/** The sender's view of the surveys table. */
export function dynamoDbSmsInvitationStore(
  client: DynamoDBClient,
  TableName: string,
): SmsInvitationStore {
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  /**
   * Moves `attribute` (the first SMS's `status` or the reminder's `reminderStatus`) from
   * queued/deferred to sending, in one transaction with the checks made at the moment of
   * sending: the number has not opted out, the link is unanswered and unexpired.
   */
  const claimWith = async (
    attribute: SmsStatusAttribute,
    invitation: Invitation,
    now: Date,
  ): Promise<'claimed' | 'taken' | NotSentReason> => {
    const { invitationId } = invitation;
    const token = surveyKeys.token(invitation.tokenHash);
    try {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: surveyKeys.invitation(invitationId),
                UpdateExpression: 'SET #status = :sending, #claimedAt = :now',
                ConditionExpression: '#status IN (:queued, :deferred)',
                ExpressionAttributeNames: {
                  '#status': attribute,
                  '#claimedAt': SMS_ATTRIBUTES[attribute].claimedAt,
                },
                ExpressionAttributeValues: {
                  ':sending': 'sending',
                  ':now': now.toISOString(),
                  ':queued': 'queued',
                  ':deferred': 'deferred',
                },
              },
            },
            {
              ConditionCheck: {
                TableName,
                Key: surveyKeys.optOut(invitation.phoneHash),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              ConditionCheck: {
                TableName,
                Key: token,
                ConditionExpression:
                  'attribute_exists(pk) AND attribute_not_exists(answeredAt) AND linkExpiresAt > :now',
                ExpressionAttributeValues: { ':now': now.toISOString() },
              },
            },
          ],
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [status, optOut, link] = (error.CancellationReasons ?? []).map(
        (reason) => reason.Code === 'ConditionalCheckFailed',
      );
      if (status) return 'taken';
      if (optOut) return 'opted_out';
      if (!link) throw error;
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: token, ConsistentRead: true }),
      );
      return Item?.answeredAt ? 'answered' : 'expired';
    }
  };
  /** The reply to an SMS is matched by the phone hash; the newest survey sent wins. */
  const conversationPut = (
    invitation: Invitation,
    sentAt: Date,
    conversation: SmsConversation,
  ) => ({
    Put: {
      TableName,
      Item: {
        ...surveyKeys.conversation(invitation.phoneHash),
        ...conversation,
        expiresAt: Math.floor(sentAt.getTime() / 1000) + CONVERSATION_TIMEOUT_HOURS * 3600,
      },
    },
  });
  /**
   * A claim's sender died between the gateway and its record: `unconfirmed`, the outbox
   * entry (and the number) deleted, the conversation opened; only while the claim is the
   * one made at `claimedAt` (absent on claims made before they were dated).
   */
  const markUnconfirmedWith = async (
    attribute: SmsStatusAttribute,
    invitation: Invitation,
    claimedAt: string | undefined,
    at: Date,
    conversation: SmsConversation,
  ) => {
    try {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: surveyKeys.invitation(invitation.invitationId),
                UpdateExpression: 'SET #status = :unconfirmed, #unconfirmedAt = :at',
                ConditionExpression: claimedAt
                  ? '#status = :sending AND #claimedAt = :claimedAt'
                  : '#status = :sending AND attribute_not_exists(#claimedAt)',
                ExpressionAttributeNames: {
                  '#status': attribute,
                  '#claimedAt': SMS_ATTRIBUTES[attribute].claimedAt,
                  '#unconfirmedAt': SMS_ATTRIBUTES[attribute].unconfirmedAt,
                },
                ExpressionAttributeValues: {
                  ':unconfirmed': 'unconfirmed',
                  ':sending': 'sending',
                  ':at': at.toISOString(),
                  ...(claimedAt ? { ':claimedAt': claimedAt } : {}),
                },
              },
            },
            { Delete: { TableName, Key: surveyKeys.smsOutbox(invitation.invitationId) } },
            conversationPut(invitation, at, conversation),
          ],
        }),
      );
      return true;
    } catch (error) {
      // Another delivery of the same entry resolved it first.
      if (!(error instanceof TransactionCanceledException)) throw error;
      return false;
    }
  };
  /** Final: never to be sent (`not_sent` with its reason); the number is no longer needed. */
  const withholdWith = async (
    attribute: SmsStatusAttribute,
    invitation: Invitation,
    reason: NotSentReason,
    at: Date,
  ) => {
    const names = SMS_ATTRIBUTES[attribute];
    try {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: surveyKeys.invitation(invitation.invitationId),
                UpdateExpression: 'SET #status = :notSent, #reason = :reason, #at = :at',
                ConditionExpression: '#status IN (:queued, :deferred)',
                ExpressionAttributeNames: {
                  '#status': attribute,
                  '#reason': names.notSentReason,
                  '#at': names.notSentAt,
                },
                ExpressionAttributeValues: {
                  ':notSent': 'not_sent',
                  ':reason': reason,
                  ':at': at.toISOString(),
                  ':queued': 'queued',
                  ':deferred': 'deferred',
                },
              },
            },
            { Delete: { TableName, Key: surveyKeys.smsOutbox(invitation.invitationId) } },
          ],
        }),
      );
    } catch (error) {
      // Another delivery of the same entry withheld or claimed it first.
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
  };
  /** Back to `from` after a failed send, so that a retry can claim it again. */
  const releaseWith = async (
    attribute: SmsStatusAttribute,
    invitationId: string,
    from: string | undefined,
  ) => {
    await documents.send(
      new UpdateCommand({
        TableName,
        Key: surveyKeys.invitation(invitationId),
        UpdateExpression: 'SET #status = :from',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': attribute },
        ExpressionAttributeValues: { ':from': from ?? 'queued', ':sending': 'sending' },
      }),
    );
  };
  /** Sent: recorded, the outbox entry (and the number) deleted, the conversation opened. */
  const markSentWith = async (
    attribute: SmsStatusAttribute,
    invitation: Invitation,
    sentAt: Date,
    conversation: SmsConversation,
  ) => {
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: surveyKeys.invitation(invitation.invitationId),
              UpdateExpression: 'SET #status = :sent, #sentAt = :sentAt',
              ExpressionAttributeNames: {
                '#status': attribute,
                '#sentAt': SMS_ATTRIBUTES[attribute].sentAt,
              },
              ExpressionAttributeValues: { ':sent': 'sent', ':sentAt': sentAt.toISOString() },
            },
          },
          { Delete: { TableName, Key: surveyKeys.smsOutbox(invitation.invitationId) } },
          conversationPut(invitation, sentAt, conversation),
        ],
      }),
    );
  };
  return {
    async get(invitationId) {
      const keys = [surveyKeys.invitation(invitationId), surveyKeys.smsOutbox(invitationId)];
      const { Responses } = await documents.send(
        new BatchGetCommand({
          RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      const items = Responses?.[TableName] ?? [];
      const invitation = items.find((item) => item.sk === SURVEY_ITEMS.invitation);
      if (!invitation) return undefined;
      const outbox = items.find((item) => item.sk === SURVEY_ITEMS.smsOutbox);
      return {
        invitation: { ...(invitation as Invitation), expiresAt: String(invitation.linkExpiresAt) },
        outbox: outbox as SmsOutboxEntry | undefined,
      };
    },
    claim: (invitation, now) => claimWith('status', invitation, now),
    claimReminder: (invitation, now) => claimWith('reminderStatus', invitation, now),
    withhold: (invitation, reason, at) => withholdWith('status', invitation, reason, at),
    withholdReminder: (invitation, reason, at) =>
      withholdWith('reminderStatus', invitation, reason, at),
    release: (invitationId, from) => releaseWith('status', invitationId, from),
    releaseReminder: (invitationId, from) => releaseWith('reminderStatus', invitationId, from),
    markSent: (invitation, sentAt, conversation) =>
      markSentWith('status', invitation, sentAt, conversation),
    // The invitation's status stays `sent`: a reminder is no second invitation.
    markReminderSent: (invitation, sentAt, conversation) =>
      markSentWith('reminderStatus', invitation, sentAt, conversation),
    markUnconfirmed: (invitation, claimedAt, at, conversation) =>
      markUnconfirmedWith('status', invitation, claimedAt, at, conversation),
    markReminderUnconfirmed: (invitation, claimedAt, at, conversation) =>
      markUnconfirmedWith('reminderStatus', invitation, claimedAt, at, conversation),
  };
}
