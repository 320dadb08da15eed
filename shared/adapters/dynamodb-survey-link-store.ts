import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SurveyAnswers, SurveyLink } from '../domain/survey-response.ts';
import { surveyKeys } from './dynamodb-invitation-store.ts';

/** A recorded answer, whichever channel it came by; the stream carries it to aggregation. */
export interface RecordedResponse {
  link: SurveyLink;
  answers: SurveyAnswers;
  channel: 'web' | 'sms';
  submittedAt: Date;
}

/** Survey links and responses in the surveys table. */
export function dynamoDbSurveyLinkStore(options: {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
}) {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;
  return {
    /** The link behind a token hash: one read, whatever the answer. */
    async find(tokenHash: string): Promise<SurveyLink | undefined> {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: surveyKeys.token(tokenHash), ConsistentRead: true }),
      );
      return Item as SurveyLink | undefined;
    },

    /**
     * Uses the token and records the response in one transaction: the token can be used
     * once, and only before it expires; a response is never recorded twice.
     */
    async record(tokenHash: string, response: RecordedResponse): Promise<'recorded' | 'refused'> {
      const at = response.submittedAt.toISOString();
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName,
                  Key: surveyKeys.token(tokenHash),
                  UpdateExpression: 'SET usedAt = :at',
                  ConditionExpression:
                    'attribute_exists(pk) AND attribute_not_exists(usedAt) AND linkExpiresAt > :at',
                  ExpressionAttributeValues: { ':at': at },
                },
              },
              {
                Put: {
                  TableName,
                  Item: {
                    pk: `INVITATION#${response.link.invitationId}`,
                    sk: 'RESPONSE',
                    entity: 'response',
                    invitationId: response.link.invitationId,
                    channel: response.channel,
                    invitationChannel: response.link.channel,
                    touchpoint: response.link.touchpoint,
                    surveyVersion: response.link.surveyVersion,
                    region: response.link.region,
                    service: response.link.service,
                    locale: response.link.locale,
                    csat: response.answers.csat,
                    nps: response.answers.nps,
                    // Personal data: encrypted at rest with the table, never logged or reported.
                    comment: response.answers.comment,
                    submittedAt: at,
                    expiresAt:
                      Math.floor(response.submittedAt.getTime() / 1000) +
                      options.retentionDays * 86_400,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
        return 'recorded';
      } catch (error) {
        if (error instanceof TransactionCanceledException) return 'refused';
        throw error;
      }
    },
  };
}
