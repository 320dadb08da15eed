import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ComplaintState } from '../../domain/complaint-lifecycle.ts';
import type { FollowUpCaseRow, ResponseAggregateRow } from '../../indicators/catalogue.ts';
import {
  AGGREGATE_SHARDS,
  aggregateKeys,
  type CounterKind,
  type CounterQuery,
} from '../../tables/aggregates.ts';
import { AGGREGATED_ATTRIBUTE, COMPLAINTS_TABLE, complaintKeys } from '../../tables/complaints.ts';
import { answeredDayOf, SURVEYS_TABLE } from '../../tables/surveys.ts';
import type { ComplaintStatePage, ReportInputs } from '../../use-cases/build-report.ts';
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

/** A complaint's STATE item as the folded state, without its storage attributes. */
const stateOf = (item: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(item).filter(([name]) => !STORAGE_ONLY.has(name)),
  ) as unknown as ComplaintState;

/** States in one page of an extract part: about a page of a Query of STATE items. */
export const COMPLAINT_PAGE_STATES = 1000;

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
  /** States in a page of an extract part (default COMPLAINT_PAGE_STATES). */
  complaintPageStates?: number;
}): ReportInputs {
  const pageStates = options.complaintPageStates ?? COMPLAINT_PAGE_STATES;
  const documents = DynamoDBDocumentClient.from(options.client);
  const subscribers = dynamoDbSubscriberStore(options.client, options.aggregatesTable);
  const query = async function* (input: QueryCommandInput) {
    for await (const page of paginateQuery({ client: documents }, input)) {
      yield* page.Items ?? [];
    }
  };

  /**
   * Counters kept in shards (AGGREGATE_SHARDS partition keys a month and kind, and each
   * day's partition of counters written before that layout), summed per day and group:
   * one range per month and shard, and one Query per day of the old layout, side by side.
   */
  const shardedCounters = async (
    kind: CounterKind,
    days: readonly string[],
    isCounter: (name: string) => boolean,
  ): Promise<ResponseAggregateRow[]> => {
    const wanted = new Set(days);
    const groups = new Map<string, ResponseAggregateRow & { counts: Record<string, number> }>();
    const sum = async (counterQuery: CounterQuery) => {
      for await (const item of query({ TableName: options.aggregatesTable, ...counterQuery })) {
        const group = aggregateKeys.groupOfCounter(item);
        if (!wanted.has(group.day)) continue;
        const key = [group.day, group.region, group.service, group.touchpoint, group.channel].join(
          '#',
        );
        const row = groups.get(key) ?? { ...group, counts: {} };
        for (const [name, value] of Object.entries(item)) {
          if (isCounter(name)) row.counts[name] = (row.counts[name] ?? 0) + Number(value);
        }
        groups.set(key, row);
      }
    };
    await bounded(
      aggregateKeys.counterDaysQueries(kind, days).map((counterQuery) => () => sum(counterQuery)),
      CONCURRENT_QUERIES,
    );
    return [...groups.keys()].sort().map((key) => groups.get(key) as ResponseAggregateRow);
  };

  /** The items of one month of a month index, in its sort key's order. */
  /**
   * A month's items of one index in its sort key's order: the month's shards and its old
   * unsharded key (docs/data-model.md), each a Query in that order, merged. A state found on
   * two keys (moved by `reshard-complaints` between two queries) has one sort key value:
   * kept once.
   */
  async function* monthOfIndex(
    index: (typeof COMPLAINTS_TABLE.indexes)['byCreatedMonth' | 'byFirstResolvedMonth'],
    month: string,
  ): AsyncGenerator<Record<string, unknown>> {
    const streams = complaintKeys.monthIndexKeys(month).map((key) =>
      query({
        TableName: options.complaintsTable,
        IndexName: index.name,
        KeyConditionExpression: '#month = :month',
        ExpressionAttributeNames: { '#month': index.partitionKey },
        ExpressionAttributeValues: { ':month': key },
      })[Symbol.asyncIterator](),
    );
    // Every key's first page side by side; then each key's next page when it runs out.
    const heads = await Promise.all(streams.map((stream) => stream.next()));
    const sortKey = (item: Record<string, unknown>) => String(item[index.sortKey]);
    let tie: { value: string; keys: Set<string> } | undefined;
    for (;;) {
      let least = -1;
      for (const [at, head] of heads.entries()) {
        if (head.done) continue;
        const current = heads[least];
        if (!current || current.done || sortKey(head.value) < sortKey(current.value)) least = at;
      }
      const head = heads[least];
      if (!head || head.done) return;
      const item = head.value;
      const value = sortKey(item);
      if (tie?.value !== value) tie = { value, keys: new Set() };
      if (!tie.keys.has(String(item.pk))) {
        tie.keys.add(String(item.pk));
        yield item;
      }
      heads[least] = await (streams[least] as AsyncIterator<Record<string, unknown>>).next();
    }
  }

  /**
   * Items as pages of complaint states of about `pageStates` each, cut only where
   * the sort key changes: states that tie on it (whose order the index does not fix) are
   * always in one page, which the builder orders.
   */
  async function* pagesOf(
    orderedBy: ComplaintStatePage['orderedBy'],
    items: AsyncIterable<Record<string, unknown>>,
    keep: (item: Record<string, unknown>) => boolean = () => true,
  ): AsyncGenerator<ComplaintStatePage> {
    let states: ComplaintState[] = [];
    for await (const item of items) {
      if (!keep(item)) continue;
      const state = stateOf(item);
      const last = states.at(-1);
      if (states.length >= pageStates && last && last[orderedBy] !== state[orderedBy]) {
        yield { orderedBy, states };
        states = [];
      }
      states.push(state);
    }
    if (states.length > 0) yield { orderedBy, states };
  }

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

    async *complaintStatePages(month, window) {
      const { byCreatedMonth, byFirstResolvedMonth } = COMPLAINTS_TABLE.indexes;
      const inWindow = new Set(window);
      yield* pagesOf('createdAt', monthOfIndex(byCreatedMonth, month));
      // First resolved this month, created outside the window: created months in it have
      // their own part. The month is the key's first seven characters, however it is keyed.
      yield* pagesOf(
        'firstResolvedAt',
        monthOfIndex(byFirstResolvedMonth, month),
        (item) => !inWindow.has(String(item.createdMonth ?? '').slice(0, 7)),
      );
    },
  };
}
