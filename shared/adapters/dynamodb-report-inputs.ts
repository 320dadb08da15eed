import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ComplaintState } from '../domain/complaint-lifecycle.ts';
import type { SubscriberCountRow } from '../domain/subscriber-counts.ts';
import type { InvitationTallyRow, ResponseAggregateRow } from '../indicators/catalogue.ts';
import { dynamoDbSubscriberStore } from './dynamodb-subscriber-store.ts';

/** What the report builder reads: daily aggregates and folded complaint states. */
export interface ReportInputsReader {
  /** Aggregates of the given days (reporting time zone), shards summed per group. */
  responseAggregates(days: readonly string[]): Promise<ResponseAggregateRow[]>;
  /** Complaints created, or first resolved, in the given months; each complaint once. */
  complaintStates(months: readonly string[]): Promise<ComplaintState[]>;
  /** Invitations sent and answered, by creation day (shards summed). */
  invitationTallies(days: readonly string[]): Promise<InvitationTallyRow[]>;
  /** The latest uploaded subscriber counts of a period id, if any. */
  subscriberCounts(period: string): Promise<SubscriberCountRow[] | undefined>;
}

/** Stored attributes of a complaint's STATE item that are keys, not state. */
const STORAGE_ONLY = new Set([
  'pk',
  'sk',
  'entity',
  'version',
  'updatedAt',
  'createdMonth',
  'firstResolvedMonth',
  'expiresAt',
]);

/**
 * Reads report inputs page by page: a day's aggregates are one partition (a handful of
 * shards per group, however many responses), complaints come from the month indexes.
 */
export function dynamoDbReportInputs(options: {
  client: DynamoDBClient;
  aggregatesTable: string;
  complaintsTable: string;
}): ReportInputsReader {
  const documents = DynamoDBDocumentClient.from(options.client);
  const subscribers = dynamoDbSubscriberStore(options.client, options.aggregatesTable);
  const query = async function* (input: QueryCommandInput) {
    for await (const page of paginateQuery({ client: documents }, input)) {
      yield* page.Items ?? [];
    }
  };

  return {
    subscriberCounts: (period) => subscribers.latest(period),

    async responseAggregates(days) {
      const rows: ResponseAggregateRow[] = [];
      for (const day of days) {
        const groups = new Map<string, ResponseAggregateRow>();
        for await (const item of query({
          TableName: options.aggregatesTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `AGG#${day}` },
        })) {
          const [region = '', service = '', touchpoint = '', channel = ''] = String(item.sk).split(
            '#',
          );
          const key = [region, service, touchpoint, channel].join('#');
          const row = groups.get(key) ?? { day, region, service, touchpoint, channel, counts: {} };
          const counts: Record<string, number> = { ...row.counts };
          for (const [name, value] of Object.entries(item)) {
            if (/^(responses|csat_[1-5]|nps_(\d|10))$/.test(name)) {
              counts[name] = (counts[name] ?? 0) + Number(value);
            }
          }
          groups.set(key, { ...row, counts });
        }
        rows.push(
          ...[...groups.values()].sort((a, b) =>
            a.region + a.service + a.touchpoint + a.channel <
            b.region + b.service + b.touchpoint + b.channel
              ? -1
              : 1,
          ),
        );
      }
      return rows;
    },

    async invitationTallies(days) {
      const rows: InvitationTallyRow[] = [];
      for (const day of days) {
        const groups = new Map<string, InvitationTallyRow>();
        for await (const item of query({
          TableName: options.aggregatesTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `INV#${day}` },
        })) {
          const [region = '', service = '', touchpoint = '', channel = ''] = String(item.sk).split(
            '#',
          );
          const key = [region, service, touchpoint, channel].join('#');
          const row = groups.get(key) ?? {
            day,
            region,
            service,
            touchpoint,
            channel,
            sent: 0,
            answered: 0,
          };
          groups.set(key, {
            ...row,
            sent: row.sent + Number(item.sent ?? 0),
            answered: row.answered + Number(item.answered ?? 0),
          });
        }
        rows.push(...[...groups.keys()].sort().map((key) => groups.get(key) as InvitationTallyRow));
      }
      return rows;
    },

    async complaintStates(months) {
      const states = new Map<string, ComplaintState>();
      for (const [indexName, attribute] of [
        ['byCreatedMonth', 'createdMonth'],
        ['byFirstResolvedMonth', 'firstResolvedMonth'],
      ] as const) {
        for (const month of months) {
          for await (const item of query({
            TableName: options.complaintsTable,
            IndexName: indexName,
            KeyConditionExpression: '#month = :month',
            ExpressionAttributeNames: { '#month': attribute },
            ExpressionAttributeValues: { ':month': month },
          })) {
            const state = Object.fromEntries(
              Object.entries(item).filter(([name]) => !STORAGE_ONLY.has(name)),
            ) as unknown as ComplaintState;
            states.set(state.complaintId, state);
          }
        }
      }
      return [...states.values()].sort((a, b) => (a.complaintId < b.complaintId ? -1 : 1));
    },
  };
}
