import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Invitation } from '../domain/invitation.ts';
import { CONVERSATION_TIMEOUT_HOURS } from '../domain/sms-conversation.ts';
import type {
  SmsGateway,
  SmsInvitationStore,
  SmsOutboxRequeue,
} from '../use-cases/send-invitation-sms.ts';
import { surveyKeys } from './dynamodb-invitation-store.ts';

/** The sender's view of the surveys table. */
export function dynamoDbSmsInvitationStore(
  client: DynamoDBClient,
  TableName: string,
): SmsInvitationStore {
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    async get(invitationId) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName,
          Key: surveyKeys.invitation(invitationId),
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return { ...(Item as Invitation), expiresAt: String(Item.linkExpiresAt) };
    },
    async claim(invitationId) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: surveyKeys.invitation(invitationId),
            UpdateExpression: 'SET #status = :sending',
            ConditionExpression: '#status IN (:queued, :deferred)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':sending': 'sending',
              ':queued': 'queued',
              ':deferred': 'deferred',
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async release(invitationId, from) {
      await documents.send(
        new UpdateCommand({
          TableName,
          Key: surveyKeys.invitation(invitationId),
          UpdateExpression: 'SET #status = :from',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':from': from, ':sending': 'sending' },
        }),
      );
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
            {
              // The reply to this SMS is matched by the phone hash; the newest survey wins.
              Put: {
                TableName,
                Item: {
                  pk: `PHONE#${invitation.phoneHash}`,
                  sk: 'CONVERSATION',
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

/** SMS through Amazon SNS, as transactional messages. */
export function snsSmsGateway(client: SNSClient, senderId: string): SmsGateway {
  return {
    async send(phone, text) {
      await client.send(
        new PublishCommand({
          PhoneNumber: phone,
          Message: text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(senderId
              ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } }
              : {}),
          },
        }),
      );
    },
  };
}

/** Puts a deferred message back on the outbox with a delay. */
export function sqsOutboxRequeue(client: SQSClient, QueueUrl: string): SmsOutboxRequeue {
  return {
    async delay(message, delaySeconds) {
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify(message),
          DelaySeconds: delaySeconds,
        }),
      );
    },
  };
}
