import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { reportKeys } from '../../tables/reports.ts';
import type { NoticeLog } from '../../use-cases/publication-notices.ts';

/**
 * The notices sent (docs/data-model.md, the reports table): one item per report and
 * recipient, keyed by the user pool's subject (never the address).
 */
export function dynamoDbNoticeLog(client: DynamoDBClient, TableName: string): NoticeLog {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async wasSent(reportId, subject) {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: reportKeys.notice(reportId, subject) }),
      );
      return Item !== undefined;
    },

    async sent(reportId, subject, at) {
      await documents.send(
        new PutCommand({
          TableName,
          Item: { ...reportKeys.notice(reportId, subject), sentAt: at.toISOString() },
        }),
      );
    },
  };
}
