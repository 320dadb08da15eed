import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { reportKeys } from '../../tables/reports.ts';
import type { ReportEntry } from '../../use-cases/build-report.ts';
import type { DownloadRecord } from '../../use-cases/report-access.ts';

/**
 * The report index and the download audit log (docs/data-model.md, the reports table):
 * the report build's ReportIndex, and what the reports API reads and records.
 */
export function dynamoDbReportIndex(client: DynamoDBClient, TableName: string) {
  const documents = DynamoDBDocumentClient.from(client);

  /**
   * Index entries newest first, page by page, optionally one profile and/or period, and
   * with `current` only those no restatement superseded.
   */
  async function* newestFirst(filter: {
    profile?: string;
    period?: string;
    current?: boolean;
  }): AsyncGenerator<ReportEntry> {
    const conditions = [
      ...(filter.profile ? ['profile = :profile'] : []),
      ...(filter.period ? ['#period = :period'] : []),
      ...(filter.current ? ['attribute_not_exists(supersededBy)'] : []),
    ];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
          ...(filter.period ? { ExpressionAttributeNames: { '#period': 'period' } } : {}),
          ExpressionAttributeValues: {
            ':pk': reportKeys.indexPartition,
            ...(filter.profile ? { ':profile': filter.profile } : {}),
            ...(filter.period ? { ':period': filter.period } : {}),
          },
        }),
      );
      for (const { pk: _pk, sk: _sk, ...entry } of page.Items ?? []) yield entry as ReportEntry;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  return {
    async add(entry: ReportEntry): Promise<void> {
      await documents.send(
        new PutCommand({
          TableName,
          Item: { ...reportKeys.entry(entry.reportId), ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async get(reportId: string): Promise<ReportEntry | undefined> {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: reportKeys.entry(reportId) }),
      );
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, ...entry } = Item;
      return entry as ReportEntry;
    },

    /**
     * Newest first, optionally one profile and/or period, with `current` leaving out the
     * editions a restatement superseded; at most `limit`.
     */
    async list(
      filter: { profile?: string; period?: string; current?: boolean },
      limit = 100,
    ): Promise<ReportEntry[]> {
      const entries: ReportEntry[] = [];
      for await (const entry of newestFirst(filter)) {
        entries.push(entry);
        if (entries.length >= limit) break;
      }
      return entries;
    },

    /**
     * The newest report of each period asked for, of one profile: read newest first until
     * every period has one (or the index ends), however many reports came since.
     */
    async newestOfPeriods(
      profile: string,
      periods: readonly string[],
    ): Promise<Map<string, ReportEntry>> {
      const wanted = new Set(periods);
      const newest = new Map<string, ReportEntry>();
      for await (const entry of newestFirst({ profile })) {
        if (wanted.has(entry.period) && !newest.has(entry.period)) {
          newest.set(entry.period, entry);
          if (newest.size === wanted.size) break;
        }
      }
      return newest;
    },

    /**
     * Marks a report superseded by a restatement, once: a report already marked keeps its
     * mark (the check's repeat after an interruption writes the same one).
     */
    async markSuperseded(reportId: string, supersededBy: string): Promise<void> {
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: reportKeys.entry(reportId),
            UpdateExpression: 'SET supersededBy = :by',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(supersededBy)',
            ExpressionAttributeValues: { ':by': supersededBy },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    /** Written before the download link is handed out: no audit entry, no link. */
    async recordDownload(record: DownloadRecord): Promise<void> {
      const at = record.at.toISOString();
      await documents.send(
        new PutCommand({
          TableName,
          Item: {
            ...reportKeys.download(at, randomBytes(4).toString('hex')),
            subject: record.subject,
            groups: record.groups,
            reportId: record.reportId,
            file: record.file,
            at,
          },
          // An entry is never replaced (its key is new: the time and 32 random bits).
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    /** The audit log of the last `days` UTC days, newest first, at most `limit` entries. */
    async recentDownloads(now: Date, days: number, limit: number): Promise<DownloadRecord[]> {
      const records: DownloadRecord[] = [];
      for (let back = 0; back < days && records.length < limit; back += 1) {
        const day = new Date(now.getTime() - back * 86_400_000).toISOString();
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await documents.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': reportKeys.download(day, '').pk },
              ScanIndexForward: false,
              Limit: limit - records.length,
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            records.push({
              subject: String(item.subject),
              groups: Array.isArray(item.groups) ? item.groups.map(String) : [],
              reportId: String(item.reportId),
              file: String(item.file),
              at: new Date(String(item.at)),
            });
          }
          startKey = records.length < limit ? page.LastEvaluatedKey : undefined;
        } while (startKey);
      }
      return records;
    },
  };
}
