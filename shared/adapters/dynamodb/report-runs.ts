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
  /** Sets the run's attributes (its item made if it is not there yet: either may come first). */
  const setOnRun = (runId: string, values: Record<string, string>) => {
    const names = Object.keys(values);
    return documents.send(
      new UpdateCommand({
        TableName,
        Key: reportKeys.run(runId),
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          names.map((name) => [`:${name}`, values[name]]),
        ),
      }),
    );
  };

  return {
    async requested(run) {
      await setOnRun(run.runId, {
        profile: run.profile,
        period: run.period,
        requestedBy: run.requestedBy,
        requestedAt: run.requestedAt.toISOString(),
      });
    },

    async published(runId, outcome) {
      await setOnRun(runId, {
        profile: outcome.profile,
        period: outcome.period,
        reportId: outcome.reportId,
        publishedAt: outcome.at.toISOString(),
      });
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
