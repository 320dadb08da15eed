import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CONVERSATION_TIMEOUT_HOURS, type SmsConversation } from '../../domain/sms-conversation.ts';
import { surveyKeys } from '../../tables/surveys.ts';
import {
  ConcurrentConversationUpdateError,
  NoOpenSurveyError,
  type SmsChange,
  type SmsStore,
  type StoredConversation,
} from '../../use-cases/handle-inbound-sms.ts';
import { answerLinkUpdate } from './link-answer.ts';
import { type TransactItem, transactOnce } from './transact-once.ts';

/** Replies remembered per conversation for gateway retries: more than a survey's messages. */
const REPLIES_KEPT = 12;

/** SMS conversations, opt-outs, inbound message ids and SMS responses in the surveys table. */
export function dynamoDbSmsStore(options: {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
}): SmsStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;
  const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

  const conversation = async (phoneHash: string) => {
    const { Item } = await documents.send(
      new GetCommand({ TableName, Key: surveyKeys.conversation(phoneHash), ConsistentRead: true }),
    );
    return Item as StoredConversation | undefined;
  };

  /**
   * A message of an open survey: the next state, or the end, and the reply under its
   * MessageSid, in one conditional write of the conversation item (a transaction with a
   * MessageSid record would cost four times the write units). The write's condition is
   * that the conversation is still the one read. A completed survey first answers the
   * link: answered already (on the web, or by this message's earlier attempt) is fine.
   */
  const applyOnConversation = async (input: {
    messageSid: string;
    phoneHash: string;
    reply: string;
    change: Extract<SmsChange, { kind: 'conversation' | 'response' | 'end' }>;
    read: StoredConversation;
    at: Date;
  }): Promise<{ outcome: 'applied' } | { outcome: 'duplicate'; reply: string }> => {
    const { change, read, at } = input;
    if (change.kind === 'response') {
      const { Item: invitation } = await documents.send(
        new GetCommand({
          TableName,
          Key: surveyKeys.invitation(change.invitationId),
          ConsistentRead: true,
        }),
      );
      if (invitation) {
        try {
          await documents.send(
            new UpdateCommand(
              answerLinkUpdate({
                TableName,
                tokenHash: String(invitation.tokenHash),
                answers: change.answers,
                channel: 'sms',
                at,
                retentionDays: options.retentionDays,
              }),
            ),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    }
    const { replies: earlier = {}, ended: _ended, ...state } = read;
    const replies = Object.fromEntries(
      [...Object.entries(earlier), [input.messageSid, input.reply]].slice(-REPLIES_KEPT),
    );
    const next =
      change.kind === 'conversation'
        ? change.conversation
        : { ...state, ended: true, updatedAt: at.toISOString() };
    try {
      await documents.send(
        new PutCommand({
          TableName,
          Item: {
            ...surveyKeys.conversation(input.phoneHash),
            ...next,
            replies,
            expiresAt: seconds(at) + CONVERSATION_TIMEOUT_HOURS * 3600,
          },
          ConditionExpression: 'updatedAt = :read',
          ExpressionAttributeValues: { ':read': read.updatedAt },
        }),
      );
      return { outcome: 'applied' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const again = (await conversation(input.phoneHash))?.replies?.[input.messageSid];
      if (again !== undefined) return { outcome: 'duplicate', reply: again };
      throw new ConcurrentConversationUpdateError(
        'the conversation changed while a message was handled; it is retried',
      );
    }
  };

  return {
    conversation,

    async apply({ messageSid, phoneHash, reply, change, read, at }) {
      if (change.kind === 'conversation' || change.kind === 'response' || change.kind === 'end') {
        // Only an open survey moves on, answers or ends (handleInboundSms decides so).
        if (!read || read.ended)
          throw new NoOpenSurveyError(`a ${change.kind} change needs an open survey`);
        return applyOnConversation({ messageSid, phoneHash, reply, change, read, at });
      }
      // Outside a survey (opt-out, START, HELP): the change and a record of the MessageSid.
      const items: TransactItem[] = [
        {
          Put: {
            TableName,
            // Gateways retry webhooks: the same MessageSid gets the same reply, once. An
            // opt-out's or START's record is kept as long as the opt-out state it set, so
            // a signed message replayed later cannot undo a newer choice.
            Item: {
              ...surveyKeys.inboundSms(messageSid),
              reply,
              ...(change.kind === 'optOut' || change.kind === 'optIn'
                ? {}
                : { expiresAt: seconds(at) + 7 * 86_400 }),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      const saveConversation = (conversation: SmsConversation) => ({
        Put: {
          TableName,
          Item: {
            ...surveyKeys.conversation(phoneHash),
            ...conversation,
            ...(read?.replies ? { replies: read.replies } : {}),
            expiresAt: seconds(at) + CONVERSATION_TIMEOUT_HOURS * 3600,
          },
        },
      });
      const endConversation = { Delete: { TableName, Key: surveyKeys.conversation(phoneHash) } };
      switch (change.kind) {
        case 'optOut':
          items.push(
            {
              Put: {
                TableName,
                Item: { ...surveyKeys.optOut(phoneHash), optedOutAt: at.toISOString() },
              },
            },
            endConversation,
          );
          break;
        case 'optIn':
          items.push({ Delete: { TableName, Key: surveyKeys.optOut(phoneHash) } });
          if (change.conversation) items.push(saveConversation(change.conversation));
          break;
        case 'none':
          break;
      }
      const outcome = await transactOnce(documents, items, {
        TableName,
        Key: surveyKeys.inboundSms(messageSid),
      });
      if ('written' in outcome) return { outcome: 'applied' };
      if (outcome.marked) return { outcome: 'duplicate', reply: String(outcome.mark?.reply ?? '') };
      throw outcome.refused;
    },
  };
}
