import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ComplaintState } from '../../domain/complaint-lifecycle.ts';
import type { FollowUpCaseRow, ResponseAggregateRow } from '../../indicators/catalogue.ts';
import { AGGREGATE_SHARDS, aggregateKeys, type CounterKind } from '../../tables/aggregates.ts';
import {
  AGGREGATED_ATTRIBUTE,
  COMPLAINTS_TABLE,
  complaintKeys,
  MONTH_INDEX_SHARDS,
} from '../../tables/complaints.ts';
import { answeredDayOf, SURVEYS_TABLE } from '../../tables/surveys.ts';
import type { ReportInputs } from '../../use-cases/build-report.ts';
import { bounded } from './bounded.ts';
import { dynamoDbComplaintCounterReader } from './complaint-counter-reader.ts';
import { dynamoDbSubscriberStore } from './subscriber-store.ts';

/** Queries of a day's counter partitions in flight at once: all of them. */
const CONCURRENT_QUERIES = AGGREGATE_SHARDS + 1;

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
  'customerErased',
  AGGREGATED_ATTRIBUTE,
]);

/** Month index keys queried at once: a month's shards and its old unsharded key. */
const MONTH_INDEX_KEY_QUERIES = MONTH_INDEX_SHARDS + 1;

/**
 * Reads report inputs page by page: a day's aggregates are a few partitions (one item per
 * group in each, however many responses), complaint figures come from the monthly
 * complaint counters, follow-up cases from the surveys table's index of cases by answered
 * day, and the extract's complaint states from the month indexes.
 */
export function dynamoDbReportInputs(options: {
  client: DynamoDBClient;
  aggregatesTable: string;
  complaintsTable: string;
  surveysTable: string;
}): ReportInputs {
  const documents = DynamoDBDocumentClient.from(options.client);
  const subscribers = dynamoDbSubscriberStore(options.client, options.aggregatesTable);
  const query = async function* (input: QueryCommandInput) {
    for await (const page of paginateQuery({ client: documents }, input)) {
      yield* page.Items ?? [];
    }
  };

  /**
   * Counters kept in shards (AGGREGATE_SHARDS partition keys a day and kind, and the day's
   * partition of counters written before that layout), summed per day and group: a day's
   * partitions are queried at once, day after day, so what is held is one day's groups.
   */
  const shardedCounters = async (
    kind: CounterKind,
    days: readonly string[],
    isCounter: (name: string) => boolean,
  ): Promise<ResponseAggregateRow[]> => {
    const rows: ResponseAggregateRow[] = [];
    for (const day of days) {
      const groups = new Map<string, ResponseAggregateRow & { counts: Record<string, number> }>();
      const sumPartition = async (pk: string) => {
        for await (const item of query({
          TableName: options.aggregatesTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
        })) {
          const { region, service, touchpoint, channel } = aggregateKeys.groupOfCounterSk(
            String(item.sk),
          );
          const key = [region, service, touchpoint, channel].join('#');
          const row = groups.get(key) ?? { day, region, service, touchpoint, channel, counts: {} };
          for (const [name, value] of Object.entries(item)) {
            if (isCounter(name)) row.counts[name] = (row.counts[name] ?? 0) + Number(value);
          }
          groups.set(key, row);
        }
      };
      await bounded(
        aggregateKeys.counterDayPartitions(kind, day).map((pk) => () => sumPartition(pk)),
        CONCURRENT_QUERIES,
      );
      rows.push(...[...groups.keys()].sort().map((key) => groups.get(key) as ResponseAggregateRow));
    }
    return rows;
  };

  return {
    subscriberCounts: (period) => subscribers.latest(period),

    complaintCounters: dynamoDbComplaintCounterReader(options.client, options.aggregatesTable),

    responseAggregates: (days) =>
      shardedCounters('responses', days, (name) =>
        /^(responses|csat_[1-5]|nps_(\d|10))$/.test(name),
      ),

    async invitationTallies(days) {
      const rows = await shardedCounters(
        'invitations',
        days,
        (name) => name === 'sent' || name === 'answered',
      );
      return rows.map(({ counts, ...group }) => ({
        ...group,
        sent: counts.sent ?? 0,
        answered: counts.answered ?? 0,
      }));
    },

    async followUpCases(from, to) {
      const { casesByAnsweredDay } = SURVEYS_TABLE.indexes;
      const first = answeredDayOf(from.toISOString());
      const last = answeredDayOf(new Date(to.getTime() - 1).toISOString());
      const cases: FollowUpCaseRow[] = [];
      for (
        let day = first;
        day <= last;
        day = answeredDayOf(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString())
      ) {
        for await (const item of query({
          TableName: options.surveysTable,
          IndexName: casesByAnsweredDay.name,
          KeyConditionExpression: '#day = :day',
          ExpressionAttributeNames: { '#day': casesByAnsweredDay.partitionKey },
          ExpressionAttributeValues: { ':day': day },
        })) {
          const answeredAt = new Date(String(item.answeredAt)).toISOString();
          const at = Date.parse(answeredAt);
          if (at < from.getTime() || at >= to.getTime()) continue;
          cases.push({
            // The item's key names the invitation, whose case it is: one each.
            caseId: String(item.pk),
            region: String(item.region),
            service: String(item.service),
            touchpoint: String(item.touchpoint),
            channel: String(item.channel),
            answeredAt,
            ...(typeof item.firstContactedAt === 'string'
              ? { firstContactedAt: new Date(item.firstContactedAt).toISOString() }
              : {}),
          });
        }
      }
      return cases.sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
    },

    async complaintStates(months) {
      const states = new Map<string, ComplaintState>();
      const { byCreatedMonth, byFirstResolvedMonth } = COMPLAINTS_TABLE.indexes;
      const keyQueries = [byCreatedMonth, byFirstResolvedMonth].flatMap((index) =>
        months.flatMap((month) =>
          complaintKeys.monthIndexKeys(month).map((key) => ({ index, key })),
        ),
      );
      // A month's shards side by side, MONTH_INDEX_KEY_QUERIES at a time; a state found
      // twice (created and resolved in the window, or on its old key and a shard) is one.
      const read = async ({ index, key }: (typeof keyQueries)[number]) => {
        for await (const item of query({
          TableName: options.complaintsTable,
          IndexName: index.name,
          KeyConditionExpression: '#month = :month',
          ExpressionAttributeNames: { '#month': index.partitionKey },
          ExpressionAttributeValues: { ':month': key },
        })) {
          const state = Object.fromEntries(
            Object.entries(item).filter(([name]) => !STORAGE_ONLY.has(name)),
          ) as unknown as ComplaintState;
          // By key, not by complaint id: two sources' equal ids are two complaints.
          states.set(String(item.pk), state);
        }
      };
      await bounded(
        keyQueries.map((keyQuery) => () => read(keyQuery)),
        MONTH_INDEX_KEY_QUERIES,
      );
      return [...states.keys()].sort().map((key) => states.get(key) as ComplaintState);
    },
  };
}
