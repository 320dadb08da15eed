import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type SurveyLink,
  type SurveyLinkState,
  surveyLinkState,
} from '../../domain/survey-response.ts';
import { surveyKeys } from '../../tables/surveys.ts';
import { answerLinkUpdate, type LinkAnswers } from './link-answer.ts';

const toLink = (item: Record<string, unknown>): SurveyLink => {
  const { pk: _pk, sk: _sk, expiresAt: _purge, ...link } = item;
  return link as unknown as SurveyLink;
};

/** Survey links, and the answers they receive, in the surveys table. */
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
      return Item ? toLink(Item) : undefined;
    },

    /**
     * Records web answers with one conditional update and no read before it: this is the
     * product's busiest path. A refusal says why, from the item as it was (one request,
     * whatever the state, so timing tells no state from another).
     */
    async answer(
      tokenHash: string,
      answers: LinkAnswers,
      at: Date,
    ): Promise<{ recorded: SurveyLink } | { refused: Exclude<SurveyLinkState, 'open'> }> {
      try {
        const { Attributes } = await documents.send(
          new UpdateCommand({
            ...answerLinkUpdate({
              TableName,
              tokenHash,
              answers,
              channel: 'web',
              at,
              retentionDays: options.retentionDays,
              openAt: at,
            }),
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { recorded: toLink(Attributes ?? {}) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const old = error.Item ? toLink(unmarshall(error.Item)) : undefined;
        const state = surveyLinkState(old, at);
        return { refused: state === 'open' ? 'expired' : state };
      }
    },
  };
}
