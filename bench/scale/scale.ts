/**
 * The scale bench (`npm run bench -- --only scale`, docs/testing.md, The scale bench): a
 * simulated national month of complaints and faults on the in-memory DynamoDB, billed as
 * DynamoDB bills. What one complaint event costs through the real write path; and the report
 * builder's real computation at that size, in a process of its own (as a Lambda function
 * holds it): time, peak memory and reads.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { dynamoDbComplaintStore } from '#shared/adapters/dynamodb/complaint-store.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { AGGREGATES_TABLE } from '#shared/tables/aggregates.ts';
import { COMPLAINTS_TABLE, complaintKeys } from '#shared/tables/complaints.ts';
import { SURVEYS_TABLE } from '#shared/tables/surveys.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';
import { PRICES } from '../surveys.ts';
import { fillAggregates, measureAggregation } from './aggregation.ts';
import { MemoryDynamoDb } from './memory-dynamodb.ts';
import { type MonthWindow, type StoreSettings, simulateComplaint, stateItemOf } from './month.ts';

const SEED = 17;
/** The simulated month, and the monthly profile built for it. */
const PERIOD = '2026-09';
const PROFILE = 'baseline';
const SETTINGS: StoreSettings = { reportingTimeZone: 'Asia/Shanghai', retentionDays: 400 };
const TABLES = { aggregates: 'aggregates', complaints: 'complaints', surveys: 'surveys' };
/** Lambda's ceilings: 10,240 MB of memory and 15 minutes. */
const LAMBDA_MEMORY_BYTES = 10_240 * 2 ** 20;
const LAMBDA_TIMEOUT_MS = 15 * 60_000;
/** The peak of complaint events a second, and DynamoDB's write units a second per partition. */
const PEAK_EVENTS_PER_SECOND = 200;
const PARTITION_WRITE_UNITS_PER_SECOND = 1_000;
/** Months a monthly report's complaint reads reach: 12 before the previous month, to this one. */
const WINDOW_MONTHS = 14;
/** The bar for a build flat in complaints: 10× the complaints, at most 1.3× the time. */
const FLAT_RATIO = 1.3;

const MIB = 2 ** 20;
const window = (): MonthWindow => {
  const period = parsePeriod(PERIOD, SETTINGS.reportingTimeZone);
  return { start: period.startInstant, end: period.endInstant };
};
const format = (value: number, digits = 0) =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The real write path (record-complaint-event and the DynamoDB complaint store) on a sample
 * of the month: units per event, the hottest partition key, and a check that the STATE
 * items the bench loads directly are exactly what the processor writes.
 */
export async function measureWritePath(complaints: number) {
  const store = new MemoryDynamoDb([{ name: TABLES.complaints, design: COMPLAINTS_TABLE }]);
  const client = store.client();
  let clock = new Date(0);
  const complaintStore = dynamoDbComplaintStore({
    client,
    tableName: TABLES.complaints,
    ...SETTINGS,
    now: () => clock,
  });
  const month = window();
  let events = 0;
  const started = performance.now();
  for (let index = 0; index < complaints; index += 1) {
    for (const message of simulateComplaint(SEED, index, month).messages) {
      clock = new Date(message.receivedAt);
      await recordComplaintEvent(complaintStore, message);
      events += 1;
    }
  }
  const ms = performance.now() - started;
  client.destroy();
  for (let index = 0; index < complaints; index += 1) {
    const complaint = simulateComplaint(SEED, index, month);
    const stored = store.get(
      TABLES.complaints,
      complaintKeys.pk(complaint.source, complaint.complaintId),
      complaintKeys.stateSk,
    );
    if (!isDeepStrictEqual(stored, stateItemOf(complaint, SETTINGS)))
      throw new Error(`complaint ${complaint.complaintId}: the loaded STATE item differs`);
  }
  const hottest = store.hottestPartition(`${TABLES.complaints}/byCreatedMonth`);
  return {
    complaints,
    events,
    ms,
    writeUnits: store.total('writeUnits'),
    indexWriteUnits: store.total('indexWriteUnits'),
    readUnits: store.total('readUnits'),
    hottest: {
      scope: `${TABLES.complaints}/byCreatedMonth`,
      key: hottest?.key ?? '',
      writeUnitsPerEvent: (hottest?.writeUnits ?? 0) / events,
    },
  };
}

/** Loads complaints [from, to) of the month as the processor leaves them: STATE items. */
function loadComplaints(store: MemoryDynamoDb, from: number, to: number) {
  const month = window();
  for (let index = from; index < to; index += 1)
    store.put(TABLES.complaints, stateItemOf(simulateComplaint(SEED, index, month), SETTINGS));
}

interface ChildBuild {
  ms: number;
  cpuMs: number;
  maxRssBytes: number;
  /** computeReport alone: the figures, from the counters. */
  figuresMs: number;
  figuresCpuMs: number;
  figuresMaxRssBytes: number;
  /** The extract's complaint parts, after it. */
  extractMs: number;
  extractCpuMs: number;
  complaintRows: number;
  complaintParts: number;
  complaintPartBytes: number;
  indicators: number;
  figures: [string, string][];
}

/** Runs the builder's computation in a child process against the store over loopback HTTP. */
export async function buildInChild(
  store: MemoryDynamoDb,
): Promise<ChildBuild & { readUnits: number; queries: number }> {
  const server = await store.listen();
  store.resetUsage();
  try {
    const child = spawn(
      process.execPath,
      [
        // Lambda's largest function: the heap may grow to its memory and no further.
        `--max-old-space-size=${LAMBDA_MEMORY_BYTES / MIB}`,
        fileURLToPath(new URL('./build-child.ts', import.meta.url)),
        JSON.stringify({
          endpoint: server.endpoint,
          aggregatesTable: TABLES.aggregates,
          complaintsTable: TABLES.complaints,
          surveysTable: TABLES.surveys,
          profile: PROFILE,
          period: PERIOD,
          timezone: SETTINGS.reportingTimeZone,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`the builder failed (exit ${code}): ${stderr.slice(-2000)}`);
    return {
      ...(JSON.parse(stdout) as ChildBuild),
      readUnits: store.total('readUnits'),
      queries: store.total('calls', (_, operation) => operation.startsWith('Query')),
    };
  } finally {
    await server.close();
  }
}

/** The store of the simulated deployment's three tables that the builder reads. */
function reportStore() {
  const store = new MemoryDynamoDb([
    { name: TABLES.aggregates, design: AGGREGATES_TABLE },
    { name: TABLES.complaints, design: COMPLAINTS_TABLE },
    { name: TABLES.surveys, design: SURVEYS_TABLE },
  ]);
  store.countPartitions = false;
  return store;
}

/**
 * The report builder on a month as the deployment holds it: the month's STATE items (as the
 * processor leaves them) and its complaint counters (as the aggregator leaves them, summed
 * directly), at a tenth of the month and at the whole month, each size in a process of its
 * own: the figures (computeReport, from the counters), then the extract's complaint parts
 * (every state of the window streamed a page at a time).
 */
export async function measureBuilder(complaints: number) {
  const store = reportStore();
  const sizes = [Math.round(complaints / 10), complaints];
  const builds = [];
  let loaded = 0;
  for (const size of sizes) {
    const started = performance.now();
    loadComplaints(store, loaded, size);
    fillAggregates(store, TABLES.aggregates, loaded, size, window(), SEED, SETTINGS);
    const loadMs = performance.now() - started;
    loaded = size;
    builds.push({
      complaints: size,
      loadMs,
      counterItems: store.itemCount(TABLES.aggregates),
      ...(await buildInChild(store)),
    });
  }
  return builds;
}

const price = (readUnits: number, writeUnits: number) =>
  (readUnits / 1e6) * PRICES.dynamoDbPerMillionReadUnits +
  (writeUnits / 1e6) * PRICES.dynamoDbPerMillionWriteUnits;

/** Runs the scale part: the write path on a sample, then the builder today. */
export async function benchScale(options: { complaints: number; sample: number }) {
  const lines: string[] = [];
  const write = await measureWritePath(options.sample);
  const perEvent = {
    write: write.writeUnits / write.events,
    index: write.indexWriteUnits / write.events,
    read: write.readUnits / write.events,
  };
  const hotPeak = PEAK_EVENTS_PER_SECOND * write.hottest.writeUnitsPerEvent;
  lines.push(
    `Scale: complaint write path (record-complaint-event + the DynamoDB complaint store, real code on the in-memory DynamoDB), ${format(write.complaints)} complaints, ${format(write.events)} events (${format(write.events / write.complaints, 2)} per complaint); STATE items loaded directly below checked equal to these:`,
    `  per event ${format(perEvent.write, 2)} WCU (of which ${format(perEvent.index, 2)} the month indexes'), ${format(perEvent.read, 2)} RCU: $${format(price(perEvent.read * 1e6, perEvent.write * 1e6), 2)} per million events`,
    `  hottest key ${write.hottest.scope} = ${write.hottest.key}: ${format(write.hottest.writeUnitsPerEvent, 2)} WCU per event of the month, ${format(hotPeak)} WCU/s at ${PEAK_EVENTS_PER_SECOND} events/s (partition limit ${format(PARTITION_WRITE_UNITS_PER_SECOND)} WCU/s${hotPeak > PARTITION_WRITE_UNITS_PER_SECOND ? ': OVER' : ''})`,
  );

  const fed = await measureAggregation(
    Math.max(1, Math.round(options.sample / 4)),
    window(),
    SEED,
    SETTINGS,
  );
  const aggregatePeak = PEAK_EVENTS_PER_SECOND * fed.hottest.writeUnitsPerEvent;
  lines.push(
    `Scale: complaint aggregation (the stream's STATE records, 100 a batch, through aggregateComplaintChanges, complaintChange and the DynamoDB complaint aggregate store), ${format(fed.complaints)} complaints, ${format(fed.events)} events, ${format(fed.batches)} batches, ${format(fed.transactions)} transactions; the counters, summed over shards, equal the sum of the final states' contributions:`,
    `  per event ${format(fed.writeUnits / fed.events, 2)} WCU, ${format(fed.readUnits / fed.events, 2)} RCU: $${format(price((fed.readUnits / fed.events) * 1e6, (fed.writeUnits / fed.events) * 1e6), 2)} per million complaint events; ${format(fed.storedItems)} aggregate items for ${format(fed.complaints)} complaints`,
    `  hottest aggregates key ${fed.hottest.key}: ${format(fed.hottest.writeUnitsPerEvent, 2)} WCU per event, ${format(aggregatePeak)} WCU/s at ${PEAK_EVENTS_PER_SECOND} events/s (partition limit ${format(PARTITION_WRITE_UNITS_PER_SECOND)} WCU/s${aggregatePeak > PARTITION_WRITE_UNITS_PER_SECOND ? ': OVER' : ''})`,
  );

  const builds = await measureBuilder(options.complaints);
  lines.push(
    `Scale: the report builder (${PROFILE} ${PERIOD}, the real DynamoDB report reader, in a process of its own whose heap may grow to Lambda's 10,240 MB), on the month's STATE items and complaint counters: the figures (computeReport, from the counters), then the extract's complaint parts of its ${WINDOW_MONTHS}-month window, streamed:`,
  );
  for (const build of builds)
    lines.push(
      `  ${format(build.complaints).padStart(10)} complaints (${format(build.counterItems)} counter items): figures ${format(build.figuresMs / 1000, 1)} s (CPU ${format(build.figuresCpuMs / 1000, 1)} s, peak RSS ${format(build.figuresMaxRssBytes / MIB)} MiB); complaint parts ${format(build.extractMs / 1000, 1)} s (CPU ${format(build.extractCpuMs / 1000, 1)} s), ${format(build.complaintRows)} rows in ${format(build.complaintParts)} parts (${format(build.complaintPartBytes / MIB, 1)} MiB gzipped); whole build peak RSS ${format(build.maxRssBytes / MIB)} MiB, ${format(build.queries)} queries, ${format(build.readUnits)} RCU ($${format(price(build.readUnits, 0), 4)})`,
    );
  const [small, large] = builds as [(typeof builds)[number], (typeof builds)[number]];
  // CPU time: the machine may be shared, and wall time then says more of the neighbours.
  const ratio = large.figuresCpuMs / small.figuresCpuMs;
  const flat = ratio <= FLAT_RATIO;
  const within =
    large.figuresMs + large.extractMs <= LAMBDA_TIMEOUT_MS &&
    large.maxRssBytes <= LAMBDA_MEMORY_BYTES;
  lines.push(
    `  10× the complaints: the figures ${format(ratio, 2)}× the CPU time (≤ ${FLAT_RATIO}× ${flat ? 'ok: flat' : 'OVER: not flat'}); the parts ${format(large.extractCpuMs / small.extractCpuMs, 2)}× (a row a complaint); the whole build ${format(large.maxRssBytes / small.maxRssBytes, 2)}× the peak memory; the month's build within Lambda's 15 minutes and 10,240 MB: ${within ? 'ok' : 'OVER'}`,
  );
  // A steady state's window holds fourteen such months: the parts' time along the measured
  // slope per row (their memory does not grow: a page at a time).
  const perRow = (large.extractMs - small.extractMs) / (large.complaintRows - small.complaintRows);
  const steadyRows = WINDOW_MONTHS * options.complaints;
  const steadyMs = large.figuresMs + large.extractMs + perRow * (steadyRows - large.complaintRows);
  lines.push(
    `  steady state (${WINDOW_MONTHS} months of ${format(options.complaints)} in the window, ${format(steadyRows)} rows): the build projected at ${format(steadyMs / 60_000, 1)} min on the parts' slope (${format(perRow * 1000, 1)} µs a row)${steadyMs > LAMBDA_TIMEOUT_MS ? ": past Lambda's 15 minutes, the parts must be written side by side (one invocation a month)" : ': within 15 minutes'}`,
  );
  return { lines, met: flat && within, write, builds };
}
