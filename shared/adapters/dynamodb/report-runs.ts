import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { reportKeys } from '../../tables/reports.ts';
import type { ReportRunLog, ReportRunRecord } from '../../use-cases/report-runs.ts';

/**
 * The report runs (docs/data-model.md, the reports table): one item per run, written when
 * it is requested and again when it publishes its report or a build of it fails.
 */
export function dynamoDbReportRunLog(client: DynamoDBClient, TableName: string): ReportRunLog {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async requested(run) {
      await documents.send(
        new UpdateCommand({
          TableName,
          Key: reportKeys.run(run.runId),
          UpdateExpression:
            'SET profile = :profile, #period = :period, requestedBy = :by, requestedAt = :at',
          ExpressionAttributeNames: { '#period': 'period' },
          ExpressionAttributeValues: {
            ':profile': run.profile,
            ':period': run.period,
            ':by': run.requestedBy,
            ':at': run.requestedAt.toISOString(),
          },
        }),
      );
    },

    async published(runId, outcome) {
      await documents.send(
        new UpdateCommand({
          TableName,
          Key: reportKeys.run(runId),
          UpdateExpression:
            'SET profile = :profile, #period = :period, reportId = :report, publishedAt = :at',
          ExpressionAttributeNames: { '#period': 'period' },
          ExpressionAttributeValues: {
            ':profile': outcome.profile,
            ':period': outcome.period,
            ':report': outcome.reportId,
            ':at': outcome.at.toISOString(),
          },
        }),
      );
    },

    async failed(runId, at) {
      await documents.send(
        new UpdateCommand({
          TableName,
          Key: reportKeys.run(runId),
          UpdateExpression: 'SET lastFailureAt = :at ADD failures :one',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':one': 1 },
        }),
      );
    },

    async recent(limit) {
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': reportKeys.runsPartition },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return Items.map(
        (item): ReportRunRecord => ({
          runId: String(item.sk),
          profile: String(item.profile ?? ''),
          period: String(item.period ?? ''),
          ...(typeof item.requestedBy === 'string' ? { requestedBy: item.requestedBy } : {}),
          ...(typeof item.requestedAt === 'string' ? { requestedAt: item.requestedAt } : {}),
          ...(typeof item.reportId === 'string' ? { reportId: item.reportId } : {}),
          ...(typeof item.publishedAt === 'string' ? { publishedAt: item.publishedAt } : {}),
          failures: typeof item.failures === 'number' ? item.failures : 0,
          ...(typeof item.lastFailureAt === 'string' ? { lastFailureAt: item.lastFailureAt } : {}),
        }),
      );
    },
  };
}
