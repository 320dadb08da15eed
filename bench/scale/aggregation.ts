/**
 * The complaint aggregates at scale: the real aggregation (the complaints table's stream →
 * aggregateComplaintChanges with complaintChange → the DynamoDB complaint aggregate store)
 * fed by the real write path on a sample, billed; and the aggregates of a whole month (or
 * ten) filled by summing each complaint's contribution directly, as the feed would leave
 * them, for the builder to read.
 */
import { isDeepStrictEqual } from 'node:util';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamoDbComplaintAggregateStore } from '#shared/adapters/dynamodb/complaint-aggregate-store.ts';
import { dynamoDbComplaintStore } from '#shared/adapters/dynamodb/complaint-store.ts';
import {
  addIncrements,
  type CounterItems,
  complaintChange,
  complaintContribution,
  countersOfStates,
  nonZero,
} from '#shared/domain/complaint-aggregates.ts';
import { type ComplaintState, foldComplaintEvents } from '#shared/domain/complaint-lifecycle.ts';
import {
  AGGREGATE_SHARDS,
  AGGREGATES_TABLE,
  complaintAggregateKeys,
} from '#shared/tables/aggregates.ts';
import {
  AGGREGATED_ATTRIBUTE,
  COMPLAINTS_TABLE,
  complaintKeys,
} from '#shared/tables/complaints.ts';
import {
  aggregateComplaintChanges,
  type StreamedStateChange,
} from '#shared/use-cases/aggregate-complaints.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';
import type { Item } from './expressions.ts';
import { MemoryDynamoDb } from './memory-dynamodb.ts';
import {
  type MonthWindow,
  type SimulatedComplaint,
  type StoreSettings,
  simulateComplaint,
} from './month.ts';

/** The stream's batch size of the complaint aggregator's event source. */
const STREAM_BATCH = 100;

/** A STATE image as the aggregator counts it: only once it carries the aggregated mark. */
function countedState(image: Item | undefined): ComplaintState | undefined {
  if (!image) return undefined;
  const plain = unmarshall(image);
  return plain[AGGREGATED_ATTRIBUTE] === true ? (plain as unknown as ComplaintState) : undefined;
}

/** A small seeded generator for the aggregator's shard choice. */
function shards(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 16) % AGGREGATE_SHARDS;
  };
}

/** The counter items of a table summed over shards (the reader's view), in key order. */
function summedCounters(store: MemoryDynamoDb, tableName: string) {
  const items: CounterItems = new Map();
  for (const item of store.items(tableName)) {
    const plain = unmarshall(item) as Record<string, unknown>;
    const pk = String(plain.pk);
    const sk = String(plain.sk);
    const key = { pk: complaintAggregateKeys.unsharded(pk), sk };
    if (!complaintAggregateKeys.parse(key)) continue;
    const counts: Record<string, number> = {};
    for (const [name, value] of Object.entries(plain))
      if (name !== 'pk' && name !== 'sk') counts[name] = Number(value);
    addIncrements(items, [{ ...key, counts }]);
  }
  return nonZero(items);
}

/**
 * The write path and the aggregation, both real, on `complaints` complaints of the month:
 * each STATE write of the complaint store goes to the stream, each 100 records are a batch
 * for the aggregator, as the event source hands them over. Afterwards the counters summed
 * over shards must equal the sum of the final states' contributions.
 */
export async function measureAggregation(
  complaints: number,
  month: MonthWindow,
  seed: number,
  settings: StoreSettings,
) {
  const tables = { complaints: 'complaints', aggregates: 'aggregates' };
  const store = new MemoryDynamoDb([
    { name: tables.complaints, design: COMPLAINTS_TABLE },
    { name: tables.aggregates, design: AGGREGATES_TABLE },
  ]);
  const client = store.client();
  let clock = new Date(0);
  const complaintStore = dynamoDbComplaintStore({
    client,
    tableName: tables.complaints,
    ...settings,
    now: () => clock,
  });
  const aggregateStore = dynamoDbComplaintAggregateStore(client, tables.aggregates);
  const pending: StreamedStateChange[] = [];
  let sequence = 10n ** 20n;
  store.onChange = (table, old, next) => {
    if (table !== tables.complaints || (old ?? next)?.sk?.S !== complaintKeys.stateSk) return;
    sequence += 1n;
    const before = countedState(old);
    const after = countedState(next);
    pending.push({
      sequenceNumber: String(sequence),
      ...(before ? { old: before } : {}),
      ...(after ? { new: after } : {}),
    });
  };
  const shard = shards(seed);
  let batches = 0;
  const drain = async (all: boolean) => {
    while (pending.length >= (all ? 1 : STREAM_BATCH)) {
      const batch = pending.splice(0, STREAM_BATCH);
      batches += 1;
      await aggregateComplaintChanges(
        {
          store: aggregateStore,
          change: (old, next) => complaintChange(old, next, settings.reportingTimeZone),
          shard,
          now: () => clock,
        },
        batch,
      );
    }
  };
  const finals: ComplaintState[] = [];
  let events = 0;
  for (let index = 0; index < complaints; index += 1) {
    const complaint = simulateComplaint(seed, index, month);
    for (const message of complaint.messages) {
      clock = new Date(message.receivedAt);
      await recordComplaintEvent(complaintStore, message);
      events += 1;
      await drain(false);
    }
    finals.push(stateOf(complaint));
  }
  await drain(true);
  client.destroy();
  const expected = nonZero(countersOfStates(finals, settings.reportingTimeZone));
  const counted = summedCounters(store, tables.aggregates);
  if (!isDeepStrictEqual(counted, expected))
    throw new Error('the counters fed through the aggregator differ from the states’ sums');
  const onAggregates = (table: string) => table === tables.aggregates;
  const hottest = [...(store.partitionWrites.get(tables.aggregates) ?? [])].sort(
    (a, b) => b[1] - a[1],
  )[0];
  return {
    complaints,
    events,
    batches,
    counterItems: counted.length,
    storedItems: store.itemCount(tables.aggregates),
    writeUnits: store.total('writeUnits', onAggregates),
    readUnits: store.total('readUnits', onAggregates),
    transactions: store.total(
      'calls',
      (table, operation) => onAggregates(table) && operation === 'TransactWriteItems',
    ),
    hottest: { key: hottest?.[0] ?? '', writeUnitsPerEvent: (hottest?.[1] ?? 0) / events },
  };
}

/** The folded state a complaint ends in, as its STATE item holds it. */
export function stateOf(complaint: SimulatedComplaint): ComplaintState {
  return {
    source: complaint.source,
    ...foldComplaintEvents(complaint.messages.map((message) => message.event)),
  };
}

/**
 * Fills the aggregates table with complaints [from, to) of the month summed directly: each
 * complaint's contribution on one shard (as the aggregator puts each chunk on one), added
 * up in memory a slice at a time, then added to the stored items. Not billed: the feed's
 * cost is measured on the sample.
 */
export function fillAggregates(
  store: MemoryDynamoDb,
  tableName: string,
  from: number,
  to: number,
  month: MonthWindow,
  seed: number,
  settings: StoreSettings,
) {
  const SLICE = 200_000;
  for (let start = from; start < to; start += SLICE) {
    const items: CounterItems = new Map();
    for (let index = start; index < Math.min(to, start + SLICE); index += 1) {
      const shard = index % AGGREGATE_SHARDS;
      const increments = complaintContribution(
        stateOf(simulateComplaint(seed, index, month)),
        settings.reportingTimeZone,
      ).map((increment) => ({
        ...increment,
        pk: complaintAggregateKeys.shardOf(increment.pk, shard),
      }));
      addIncrements(items, increments);
    }
    for (const item of items.values()) store.addCounts(tableName, item.pk, item.sk, item.counts);
  }
}
