/**
 * The capacity model of docs/capacity.md: an operator with a billion subscribers, derived
 * from what `npm run bench` measured per unit (an answered survey, an unanswered
 * invitation, a complaint event) in the sandbox. Every derived figure is printed beside the
 * measured per-unit figure it comes from, so the model is as good as the measurements and
 * moves with the code.
 */
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { AGGREGATE_SHARDS } from '#shared/tables/aggregates.ts';
import { MONTH_INDEX_SHARDS } from '#shared/tables/complaints.ts';
import { itemSize } from './scale/memory-dynamodb.ts';

/** The national operator of issue 17, per month unless said. */
export const NATIONAL = {
  subscribers: 1e9,
  responses: 30e6,
  invitations: 60e6,
  /** Assumed: the share of invitations and answers that go by SMS rather than a web link. */
  smsShare: 0.2,
  complaintsAndFaults: 2e6,
  /** Assumed: created, resolved, closed; acknowledgements and reopenings add, updates too. */
  eventsPerComplaint: 3,
  peakAnswersPerSecond: 2000,
  peakEventsPerSecond: 200,
  profiles: 4,
  /** Assumed: 31 regions × 5 services × 6 touchpoints × 2 channels. */
  surveyGroups: 31 * 5 * 6 * 2,
};

/** Shards of a day's counters (shared/tables/aggregates.ts). */
const COUNTER_SHARDS = AGGREGATE_SHARDS;

/** DynamoDB's per-partition ceilings, and the most a partition stores. */
export const PARTITION = { writeUnits: 1000, readUnits: 3000, bytes: 10e9 };

/** Per unit of a flow: what each function, table and queue took. */
export interface FlowUnits {
  /** How many units the run measured (answers, invitations, events). */
  measured: number;
  functions: Map<
    string,
    { invocations: number; records: number; gbSeconds: number; meanMs: number; memoryMb: number }
  >;
  tables: Map<
    string,
    {
      readUnits: number;
      writeUnits: number;
      items: number;
      bytes: number;
      /** Of the new items that expire: bytes × days they live. */
      byteDays: number;
      /** New items kept for good. */
      keptItems: number;
      keptBytes: number;
    }
  >;
  sqsRequests: number;
  apiRequests: number;
  /** Dollars per unit, by bill item. */
  cost: Record<string, number>;
}

/** What a snapshot of the sandbox's usage must hold for a flow's units. */
export interface UsageCounts {
  functions: Map<
    string,
    { invocations: number; records: number; billedMs: number; memoryMb: number }
  >;
  tables: Map<string, { readUnits: number; writeUnits: number }>;
  calls: Map<string, { calls: number; units: number }>;
  apiRequests: number;
}

/**
 * What a table holds (by its logical name), read straight from the emulator: items and
 * bytes; of those that expire (`expiresAt`), bytes × days left to live, from which a
 * month's new items give the steady-state size; and the items kept for good (counters,
 * reports), whose number grows with days and groups, not with volume.
 */
export type Stored = Map<
  string,
  { items: number; bytes: number; byteDays: number; keptItems: number; keptBytes: number }
>;

/** The sandbox's tables by logical name (`COMPLAINTS_TABLE_NAME` → complaints). */
export function tablesOf(sandbox: Sandbox): Map<string, string> {
  const tables = new Map<string, string>();
  for (const host of sandbox.app.hosts) {
    for (const [name, value] of Object.entries(host.fn.environment)) {
      const match = /^([A-Z_]+)_TABLE_NAME$/.exec(name);
      if (match?.[1] && value) tables.set(value, match[1].toLowerCase());
    }
  }
  return tables;
}

/** Every table's items and bytes, by logical name, scanned from the emulator (not counted). */
export async function storedItems(sandbox: Sandbox): Promise<Stored> {
  const client = new DynamoDBClient({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  const stored: Stored = new Map();
  try {
    for (const [physical, logical] of tablesOf(sandbox)) {
      const entry = { items: 0, bytes: 0, byteDays: 0, keptItems: 0, keptBytes: 0 };
      const now = Date.now() / 1000;
      for await (const page of paginateScan({ client }, { TableName: physical })) {
        for (const item of page.Items ?? []) {
          const bytes = itemSize(item);
          entry.items += 1;
          entry.bytes += bytes;
          if (item.expiresAt?.N !== undefined) {
            entry.byteDays += (bytes * Math.max(0, Number(item.expiresAt.N) - now)) / 86_400;
          } else {
            entry.keptItems += 1;
            entry.keptBytes += bytes;
          }
        }
      }
      stored.set(logical, entry);
    }
  } finally {
    client.destroy();
  }
  return stored;
}

/**
 * Functions that schedules start (hourly and daily checks, reminder runs): what they do
 * follows the clock, and a schedule that fires during a measured flow is not the flow's.
 */
const SCHEDULED = new Set(['reminders', 'missed-schedules', 'report-runs', 'report-builder']);

/** A flow's units: what happened between two snapshots, divided by the units measured. */
export function flowUnits(
  sandbox: Sandbox,
  before: { usage: UsageCounts; stored: Stored },
  after: { usage: UsageCounts; stored: Stored },
  measured: number,
  cost: Record<string, number>,
): FlowUnits {
  const logical = tablesOf(sandbox);
  const functions: FlowUnits['functions'] = new Map();
  for (const [name, now] of after.usage.functions) {
    if (SCHEDULED.has(name)) continue;
    const then = before.usage.functions.get(name) ?? { invocations: 0, records: 0, billedMs: 0 };
    const invocations = now.invocations - then.invocations;
    if (invocations <= 0) continue;
    const billedMs = now.billedMs - then.billedMs;
    functions.set(name, {
      invocations: invocations / measured,
      records: (now.records - then.records) / measured,
      gbSeconds: ((billedMs / 1000) * (now.memoryMb / 1024)) / measured,
      meanMs: billedMs / invocations,
      memoryMb: now.memoryMb,
    });
  }
  const tables: FlowUnits['tables'] = new Map();
  const names = new Set([...logical.values(), ...after.stored.keys()]);
  for (const name of names) {
    const units = { readUnits: 0, writeUnits: 0 };
    for (const [physical, entry] of after.usage.tables) {
      if ((logical.get(physical) ?? physical) !== name) continue;
      const then = before.usage.tables.get(physical) ?? { readUnits: 0, writeUnits: 0 };
      units.readUnits += entry.readUnits - then.readUnits;
      units.writeUnits += entry.writeUnits - then.writeUnits;
    }
    const change = (field: 'items' | 'bytes' | 'byteDays' | 'keptItems' | 'keptBytes') =>
      ((after.stored.get(name)?.[field] ?? 0) - (before.stored.get(name)?.[field] ?? 0)) / measured;
    if (units.readUnits === 0 && units.writeUnits === 0 && change('items') === 0) continue;
    tables.set(name, {
      readUnits: units.readUnits / measured,
      writeUnits: units.writeUnits / measured,
      items: change('items'),
      bytes: change('bytes'),
      byteDays: Math.max(0, change('byteDays')),
      keptItems: change('keptItems'),
      keptBytes: change('keptBytes'),
    });
  }
  let sqsRequests = 0;
  for (const [operation, now] of after.usage.calls) {
    if (!operation.startsWith('AmazonSQS.')) continue;
    sqsRequests += now.calls - (before.usage.calls.get(operation)?.calls ?? 0);
  }
  return {
    measured,
    functions,
    tables,
    sqsRequests: sqsRequests / measured,
    apiRequests: (after.usage.apiRequests - before.usage.apiRequests) / measured,
    cost: Object.fromEntries(
      Object.entries(cost).map(([item, dollars]) => [item, dollars / measured]),
    ),
  };
}

/** The flows the surveys part measures. */
export interface MeasuredUnits {
  /** Per answered web survey: invitation, page view, answer (one in ten opens a case), thank-you page. */
  webSurvey: FlowUnits;
  /** Per web answer alone (the same mix of cases). */
  webAnswer: FlowUnits;
  /** Per answered SMS survey: invitation, its SMS, three replies. */
  smsSurvey: FlowUnits;
  /** Per SMS answer alone: the three replies and their counting. */
  smsAnswer: FlowUnits;
  /** Per complaint event through the signed webhook. */
  complaintEvent: FlowUnits;
}

/** An event source mapping of the template, by the function it invokes (as people name it). */
export interface MappingFacts {
  functionName: string;
  source: 'queue' | 'stream';
  batchSize: number;
  /** SQS mappings' ScalingConfig.MaximumConcurrency, if set. */
  maximumConcurrency?: number;
}

/** The event source mappings of synthesized templates. */
export function mappingsOf(
  templates: readonly {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  }[],
): MappingFacts[] {
  const resources = templates.flatMap((template) => Object.entries(template.Resources));
  const serviceOf = (ref: unknown) => {
    const id = (ref as { Ref?: string } | undefined)?.Ref;
    const fn = resources.find(([logicalId]) => logicalId === id)?.[1];
    const variables = (fn?.Properties?.Environment as { Variables?: Record<string, unknown> })
      ?.Variables;
    return String(variables?.POWERTOOLS_SERVICE_NAME ?? id ?? 'unknown');
  };
  return resources
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::EventSourceMapping')
    .map(([, { Properties = {} }]) => {
      const stream = JSON.stringify(Properties.EventSourceArn ?? '').includes('Stream');
      const concurrency = (Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)
        ?.MaximumConcurrency;
      return {
        functionName: serviceOf(Properties.FunctionName),
        source: stream ? ('stream' as const) : ('queue' as const),
        batchSize: Number(Properties.BatchSize ?? (stream ? 100 : 10)),
        ...(concurrency ? { maximumConcurrency: concurrency } : {}),
      };
    });
}

/** A flow's units times a count, summed into `into`. */
function accumulate(into: FlowUnits, flow: FlowUnits, times: number) {
  for (const [name, entry] of flow.functions) {
    const sum = into.functions.get(name) ?? {
      invocations: 0,
      records: 0,
      gbSeconds: 0,
      meanMs: 0,
      memoryMb: entry.memoryMb,
    };
    // The mean duration, weighted by invocations.
    const invocations = sum.invocations + entry.invocations * times;
    sum.meanMs =
      invocations > 0
        ? (sum.meanMs * sum.invocations + entry.meanMs * entry.invocations * times) / invocations
        : 0;
    sum.invocations = invocations;
    sum.records += entry.records * times;
    sum.gbSeconds += entry.gbSeconds * times;
    into.functions.set(name, sum);
  }
  for (const [name, entry] of flow.tables) {
    const sum = into.tables.get(name) ?? noTableUnits();
    for (const field of TABLE_FIELDS) sum[field] += entry[field] * times;
    into.tables.set(name, sum);
  }
  into.sqsRequests += flow.sqsRequests * times;
  into.apiRequests += flow.apiRequests * times;
  for (const [item, dollars] of Object.entries(flow.cost)) {
    into.cost[item] = (into.cost[item] ?? 0) + dollars * times;
  }
  into.measured += times;
}

const TABLE_FIELDS = [
  'readUnits',
  'writeUnits',
  'items',
  'bytes',
  'byteDays',
  'keptItems',
  'keptBytes',
] as const;
const noTableUnits = () => ({
  readUnits: 0,
  writeUnits: 0,
  items: 0,
  bytes: 0,
  byteDays: 0,
  keptItems: 0,
  keptBytes: 0,
});

const empty = (): FlowUnits => ({
  measured: 0,
  functions: new Map(),
  tables: new Map(),
  sqsRequests: 0,
  apiRequests: 0,
  cost: {},
});

/**
 * a − b, per unit (an invitation's share: a survey less its answer); what b took more of
 * than a (a schedule's run, a cold start) counts as none.
 */
function minus(a: FlowUnits, b: FlowUnits): FlowUnits {
  const result = empty();
  accumulate(result, a, 1);
  accumulate(result, b, -1);
  for (const entry of result.functions.values()) {
    entry.invocations = Math.max(0, entry.invocations);
    entry.records = Math.max(0, entry.records);
    entry.gbSeconds = Math.max(0, entry.gbSeconds);
    entry.meanMs = entry.invocations > 0 ? Math.max(0, entry.meanMs) : 0;
  }
  for (const entry of result.tables.values()) {
    for (const field of TABLE_FIELDS) entry[field] = Math.max(0, entry[field]);
  }
  result.sqsRequests = Math.max(0, result.sqsRequests);
  result.apiRequests = Math.max(0, result.apiRequests);
  for (const item of Object.keys(result.cost)) {
    result.cost[item] = Math.max(0, result.cost[item] ?? 0);
  }
  result.measured = 1;
  return result;
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const money = (value: number) => `$${fmt(value, value < 100 ? 2 : 0)}`;
const gb = (bytes: number) => `${fmt(bytes / 1e9, bytes < 1e10 ? 2 : 0)} GB`;

/**
 * The peak second: a campaign's answers (web and SMS in the month's mix) and complaint
 * events at once, from what each unit took.
 */
export function peakOf(units: MeasuredUnits): FlowUnits {
  const n = NATIONAL;
  const peak = empty();
  accumulate(peak, units.webAnswer, n.peakAnswersPerSecond * (1 - n.smsShare));
  accumulate(peak, units.smsAnswer, n.peakAnswersPerSecond * n.smsShare);
  accumulate(peak, units.complaintEvent, n.peakEventsPerSecond);
  return peak;
}

/**
 * The write units a second on the hottest key of today's answer and invitation counters
 * at peak: the aggregates table's whole peak spread over a day's shard keys of one kind.
 * An upper bound: the batch marks, the invitation tallies and the complaint counters it
 * counts in are written under keys of their own.
 */
export function hottestCounterKeyWrites(peak: FlowUnits): number {
  return (peak.tables.get('aggregates')?.writeUnits ?? 0) / COUNTER_SHARDS;
}

/**
 * The model's lines: volumes and the measured units they multiply, then tables, functions,
 * queues, the monthly bill, and what gives first.
 */
export function capacityLines(units: MeasuredUnits, mappings: readonly MappingFacts[]): string[] {
  const n = NATIONAL;
  const webShare = 1 - n.smsShare;
  const unanswered = n.invitations - n.responses;
  const events = n.complaintsAndFaults * n.eventsPerComplaint;
  const webInvitation = minus(units.webSurvey, units.webAnswer);
  const smsInvitation = minus(units.smsSurvey, units.smsAnswer);
  const monthly = empty();
  accumulate(monthly, units.webSurvey, n.responses * webShare);
  accumulate(monthly, units.smsSurvey, n.responses * n.smsShare);
  accumulate(monthly, webInvitation, unanswered * webShare);
  accumulate(monthly, smsInvitation, unanswered * n.smsShare);
  accumulate(monthly, units.complaintEvent, events);
  const peak = peakOf(units);

  const lines: string[] = [
    `Capacity model (docs/capacity.md): ${fmt(n.subscribers)} subscribers; a month of ${fmt(n.responses)} responses (${fmt(n.smsShare * 100)} % by SMS), ${fmt(n.invitations)} invitations, ${fmt(n.complaintsAndFaults)} complaints and faults (${n.eventsPerComplaint} events each: ${fmt(events)} events); peaks ${fmt(n.peakAnswersPerSecond)} answers/s and ${fmt(n.peakEventsPerSecond)} events/s together.`,
    '  Measured per unit in this run (the sandbox; durations are its own, inflated by the emulator):',
  ];
  const describe = (label: string, flow: FlowUnits) => {
    const total = Object.values(flow.cost).reduce((sum, value) => sum + value, 0);
    const tables = [...flow.tables]
      .map(
        ([name, t]) =>
          `${name} ${fmt(t.writeUnits, 2)} WCU ${fmt(t.readUnits, 2)} RCU ${fmt(t.items, 2)} items ${fmt(t.bytes)} B`,
      )
      .join('; ');
    const functions = [...flow.functions]
      .filter(([, f]) => f.invocations > 0)
      .map(([name, f]) => `${name} ×${fmt(f.invocations, 2)} ${fmt(f.meanMs)} ms`)
      .join(', ');
    lines.push(`    ${label}: $${(total * 1e6).toFixed(2)} a million; ${functions}; ${tables}`);
  };
  describe('web survey answered', units.webSurvey);
  describe('web answer alone', units.webAnswer);
  describe('web invitation unanswered (survey − answer)', webInvitation);
  describe('SMS survey answered', units.smsSurvey);
  describe('SMS answer alone', units.smsAnswer);
  describe('SMS invitation unanswered (survey − answer)', smsInvitation);
  describe('complaint event', units.complaintEvent);

  // Tables: growth, steady size, partitions, peak units, the hottest keys.
  lines.push(
    "  Tables (a month; items that expire are held for their lifetime, so the size levels off at a month's bytes × days lived ÷ 30.4; items kept for good grow by days × groups, not volume):",
  );
  const daysPerMonth = 365.25 / 12;
  for (const [name, month] of [...monthly.tables].sort()) {
    const peakUnits = peak.tables.get(name) ?? noTableUnits();
    const steady = month.byteDays / daysPerMonth;
    const partitions = Math.max(
      1,
      Math.ceil(steady / PARTITION.bytes),
      Math.ceil(peakUnits.writeUnits / PARTITION.writeUnits),
      Math.ceil(peakUnits.readUnits / PARTITION.readUnits),
    );
    lines.push(
      `    ${name}: +${fmt(month.items - month.keptItems)} expiring items a month (${gb(month.bytes - month.keptBytes)}), held at ${gb(steady)}; peak ${fmt(peakUnits.writeUnits)} WCU/s, ${fmt(peakUnits.readUnits)} RCU/s → at least ${fmt(partitions)} partitions (10 GB, 1,000 WCU/s, 3,000 RCU/s each); ${fmt(month.writeUnits / 1e6, 1)} M write and ${fmt(month.readUnits / 1e6, 1)} M read units a month`,
    );
  }
  // The counters: at most days × groups × shards × kinds items, whatever the volume.
  const aggregates = units.webSurvey.tables.get('aggregates');
  const counterBytes =
    aggregates && aggregates.keptItems > 0 ? aggregates.keptBytes / aggregates.keptItems : 0;
  const counterItems = n.surveyGroups * COUNTER_SHARDS * 2 * daysPerMonth;
  lines.push(
    `    aggregates, counters kept: at most ${fmt(n.surveyGroups)} survey groups × ${COUNTER_SHARDS} shards × 2 kinds × 30.4 days = ${fmt(counterItems)} items a month × ${fmt(counterBytes)} B measured = ${gb(counterItems * counterBytes)} a month, ${gb(counterItems * counterBytes * 12)} a year`,
  );
  // The hottest keys: the keys every write of a day shares.
  const peakAggregates = peak.tables.get('aggregates')?.writeUnits ?? 0;
  const hottestCounterKey = hottestCounterKeyWrites(peak);
  const casesPerSecond = peak.functions.get('follow-up-cases')?.records ?? 0;
  lines.push(
    '  Hottest partition keys at peak (against 1,000 WCU/s per partition key value):',
    `    today's answer and invitation counters (${COUNTER_SHARDS} partition keys a day and kind, the shard in the key): at most ${fmt(hottestCounterKey)} WCU/s a key, the aggregates table's whole peak of ${fmt(peakAggregates)} WCU/s (batch marks, tallies and complaint counters counted in, though on keys of their own) ÷ ${COUNTER_SHARDS}: ${hottestCounterKey > PARTITION.writeUnits ? "OVER one key's 1,000" : `within one key's 1,000 (${fmt(PARTITION.writeUnits / Math.max(hottestCounterKey, 1), 1)}× margin)`}`,
    `    surveys casesByAnsweredDay (one key a day): ${fmt(casesPerSecond)} cases/s at peak × 1 index write = ${fmt(casesPerSecond)} WCU/s`,
    `    complaints byCreatedMonth and byFirstResolvedMonth (${MONTH_INDEX_SHARDS} keys a month, by a hash of the complaint's key): ${fmt(n.peakEventsPerSecond)} events/s × at most 1 write to each ÷ ${MONTH_INDEX_SHARDS} = ${fmt(n.peakEventsPerSecond / MONTH_INDEX_SHARDS, 1)} WCU/s a key at peak (the busiest shard within 3 % of that: tests/unit/complaint-month-index.test.ts), and every report reads each month's ${MONTH_INDEX_SHARDS} keys side by side`,
  );

  // Functions: monthly invocations and compute, and peak concurrency by Little's law.
  lines.push(
    '  Functions (a month; peak concurrency = peak rate × invocations per unit × mean duration):',
  );
  for (const [name, month] of [...monthly.functions].sort(
    (a, b) => b[1].gbSeconds - a[1].gbSeconds,
  )) {
    const atPeak = peak.functions.get(name);
    const concurrency = atPeak ? (atPeak.invocations * atPeak.meanMs) / 1000 : 0;
    lines.push(
      `    ${name}: ${fmt(month.invocations / 1e6, 1)} M invocations, ${fmt(month.gbSeconds)} GB-s (${month.memoryMb} MB, mean ${fmt(month.meanMs)} ms); peak ${fmt(atPeak?.invocations ?? 0)} invocations/s, concurrency ${fmt(concurrency)}`,
    );
  }

  // Queues and streams: what a capped mapping drains at most, against what the peak brings.
  lines.push(
    '  Queues at peak (a mapping with a maximum concurrency drains at most concurrency × batch ÷ mean duration):',
  );
  for (const mapping of mappings.filter((entry) => entry.source === 'queue')) {
    const atPeak = peak.functions.get(mapping.functionName);
    if (!atPeak || atPeak.invocations === 0) continue;
    // Messages arriving at peak: the records its invocations carried per unit, at the peak rate.
    const arriving = atPeak.records;
    if (mapping.maximumConcurrency === undefined) {
      lines.push(
        `    ${mapping.functionName}: ${fmt(arriving)} messages/s at peak, no cap: Lambda adds pollers (up to the account's concurrency), no backlog`,
      );
      continue;
    }
    const drain = (mapping.maximumConcurrency * mapping.batchSize * 1000) / atPeak.meanMs;
    const verdict =
      arriving <= drain
        ? 'keeps up'
        : `backlog grows ${fmt(arriving - drain)} messages/s while the peak lasts (${fmt((arriving - drain) * 3600)} after an hour)`;
    lines.push(
      `    ${mapping.functionName}: ${fmt(arriving)} messages/s arrive at peak; drains ≤ ${fmt(drain)}/s (${mapping.maximumConcurrency} × batch ${mapping.batchSize} ÷ ${fmt(atPeak.meanMs)} ms, the sandbox's mean, batches as full as it saw them): ${verdict}`,
    );
  }
  for (const mapping of mappings.filter((entry) => entry.source === 'stream')) {
    const atPeak = peak.functions.get(mapping.functionName);
    if (!atPeak || atPeak.records === 0) continue;
    lines.push(
      `    ${mapping.functionName} (stream): ${fmt(atPeak.records)} records/s at peak in batches of ≤ ${mapping.batchSize}, one batch at a time per stream shard: ${fmt(Math.ceil(atPeak.records / ((mapping.batchSize * 1000) / atPeak.meanMs)))} shards keep up at ${fmt(atPeak.meanMs)} ms a batch`,
    );
  }

  // The bill.
  const bill = Object.entries(monthly.cost).sort((a, b) => b[1] - a[1]);
  const total = bill.reduce((sum, [, dollars]) => sum + dollars, 0);
  lines.push(
    `  Monthly AWS bill at list prices (us-east-1; SMS carrier fees, storage and fixed fees apart): ${money(total)}; per million responses ${money((total / n.responses) * 1e6)}`,
    `    ${bill.map(([item, dollars]) => `${item} ${money(dollars)}`).join(', ')}`,
  );
  const storage =
    [...monthly.tables].reduce((sum, [, t]) => sum + t.byteDays / daysPerMonth, 0) +
    counterItems * counterBytes * 12;
  lines.push(
    `    DynamoDB storage at $0.25 a GB-month: ${money((storage / 1e9) * 0.25)} a month once the tables hold what they keep (${gb(storage)}: raw data at its steady size, a year of counters)`,
  );
  return lines;
}
