import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Invitation, SmsOutboxEntry } from '../../domain/invitation.ts';
import { CONVERSATION_TIMEOUT_HOURS } from '../../domain/sms-conversation.ts';
import { SURVEY_ITEMS, surveyKeys } from '../../tables/surveys.ts';
import type { SmsInvitationStore } from '../../use-cases/send-invitation-sms.ts';

/** The sender's view of the surveys table. */
export function dynamoDbSmsInvitationStore(
  client: DynamoDBClient,
  TableName: string,
): SmsInvitationStore {
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const setStatus = (
    invitationId: string,
    to: string,
    condition: string,
    values: Record<string, string>,
  ) =>
    documents.send(
      new UpdateCommand({
        TableName,
        Key: surveyKeys.invitation(invitationId),
        UpdateExpression: 'SET #status = :to',
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': to, ...values },
      }),
    );
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
    async claim(invitationId) {
      try {
        await setStatus(invitationId, 'sending', '#status IN (:queued, :deferred)', {
          ':queued': 'queued',
          ':deferred': 'deferred',
        });
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async release(invitationId, from) {
      await setStatus(invitationId, from, '#status = :sending', { ':sending': 'sending' });
    },
    async markSent(invitation, sentAt, conversation) {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: surveyKeys.invitation(invitation.invitationId),
                UpdateExpression: 'SET #status = :sent, sentAt = :sentAt',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':sent': 'sent', ':sentAt': sentAt.toISOString() },
              },
            },
            // Sent: the number is no longer needed.
            { Delete: { TableName, Key: surveyKeys.smsOutbox(invitation.invitationId) } },
            {
              // The reply to this SMS is matched by the phone hash; the newest survey wins.
              Put: {
                TableName,
                Item: {
                  ...surveyKeys.conversation(invitation.phoneHash),
                  ...conversation,
                  expiresAt:
                    Math.floor(sentAt.getTime() / 1000) + CONVERSATION_TIMEOUT_HOURS * 3600,
                },
              },
            },
          ],
        }),
      );
    },
  };
}
