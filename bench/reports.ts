/**
 * docs/design.md §9's report budget: build time flat in the number of responses (10× the
 * responses ≤ 1.3× the time), and the builder's memory. Two quarters get the same
 * groups of daily aggregates, one with ten times the counts of the other; the cn-miit
 * report of each is built three times and the medians compared.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';
import { aggregateKeys } from '#shared/tables/aggregates.ts';
import { daysBetween } from '#shared/use-cases/build-report.ts';
import type { RestatementOutcome } from '#shared/use-cases/restate-reports.ts';

const REGIONS = ['GD-SZ', 'GD-GZ', 'BJ', 'SH'];
const SERVICES = ['mobile_data', 'fixed_broadband'];
const TOUCHPOINTS = ['store', 'hotline'];
const CHANNELS = ['web', 'sms'];
const SHARDS = 2;

/** Daily aggregates for every day of [first, last]: `scale` responses per shard and group. */
export async function seed(sandbox: Sandbox, first: string, last: string, scale: number) {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
  const TableName = sandbox.app.host('ReportBuilder').fn.environment.AGGREGATES_TABLE_NAME ?? '';
  const items: Record<string, unknown>[] = [];
  let responses = 0;
  for (const day of daysBetween(first, last)) {
    for (const region of REGIONS)
      for (const service of SERVICES)
        for (const touchpoint of TOUCHPOINTS)
          for (const channel of CHANNELS)
            for (let shard = 0; shard < SHARDS; shard += 1) {
              const satisfied = Math.round(scale * 0.8);
              items.push({
                ...aggregateKeys.counterShard(
                  'responses',
                  { day, region, service, touchpoint, channel },
                  shard,
                ),
                responses: scale,
                csat_5: satisfied,
                csat_2: scale - satisfied,
                nps_10: satisfied,
                nps_5: scale - satisfied,
              });
              responses += scale;
            }
  }
  try {
    for (let start = 0; start < items.length; start += 25) {
      await documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [TableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
    }
  } finally {
    documents.destroy();
  }
  return { items: items.length, responses };
}

/** The median build time of three builds, and the most memory one of them held. */
async function buildMs(sandbox: Sandbox, period: string) {
  const host = sandbox.app.host('ReportBuilder');
  host.usage.peakBytes = 0;
  const times: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    const invocation = await sandbox.app
      .host('ReportBuilder')
      .invoke({ profile: 'cn-miit', period });
    if (!invocation.ok) throw new Error(invocation.error.errorMessage);
    times.push(performance.now() - started);
  }
  return { ms: nearestRank(times, 0.5) ?? 0, peakMiB: host.usage.peakBytes / 2 ** 20 };
}

export async function benchReports(sandbox: Sandbox): Promise<{ lines: string[]; met: boolean }> {
  // 2025-Q2 and 2025-Q4, each after an empty quarter: each build reads one seeded quarter.
  const small = await seed(sandbox, '2025-04-01', '2025-06-30', 10);
  const large = await seed(sandbox, '2025-10-01', '2025-12-31', 100);
  const oneX = await buildMs(sandbox, '2025-Q2');
  const tenX = await buildMs(sandbox, '2025-Q4');
  const ratio = tenX.ms / oneX.ms;
  const met = ratio <= 1.3;
  const memory = tenX.peakMiB / oneX.peakMiB;
  return {
    met,
    lines: [
      `Report build (cn-miit, a quarter of daily aggregates): ${small.responses.toLocaleString('en')} responses in ${small.items} items ${oneX.ms.toFixed(0)} ms; ${large.responses.toLocaleString('en')} responses in ${large.items} items ${tenX.ms.toFixed(0)} ms (median of 3): ${ratio.toFixed(2)}× the time for 10× the responses (budget ≤ 1.3× ${met ? 'ok' : 'OVER'})`,
      `Report builder peak memory (its execution environment's heap and buffers, sampled every 5 ms): ${oneX.peakMiB.toFixed(1)} MiB at 1×, ${tenX.peakMiB.toFixed(1)} MiB at 10× (${memory.toFixed(2)}×; the function has ${sandbox.app.host('ReportBuilder').fn.memorySize} MB)`,
      '  The builder reads aggregates, whose number follows days × groups × shards, not responses. Most of the time is the emulator answering Query in time proportional to the table.',
    ],
  };
}

/**
 * The DynamoDB reads the report builder makes while `run` runs, by its session token at
 * the emulator proxy (the sandbox's other functions, the reminders' schedule among them,
 * keep running meanwhile). The proxy names no S3 call (S3 is REST, without an operation
 * header): the check's one GET of report.json per published period is by construction.
 */
async function builderReads<T>(sandbox: Sandbox, run: () => Promise<T>) {
  const { proxy } = sandbox.app;
  const token = sandbox.app.host('ReportBuilder').sessionToken;
  const original = proxy.interceptAnswer;
  let reads = 0;
  proxy.interceptAnswer = (call) => {
    if (
      call.sessionToken === token &&
      call.operation.startsWith('DynamoDB_') &&
      !/(Put|Update|Delete|TransactWrite|BatchWrite)/.test(call.operation)
    )
      reads += 1;
    return original?.(call);
  };
  try {
    return { result: await run(), reads };
  } finally {
    proxy.interceptAnswer = original;
  }
}

/** The median time of three daily checks at `scheduledTime`, and what one of them read. */
async function checkMs(sandbox: Sandbox, scheduledTime: string) {
  const times: number[] = [];
  let dynamodbReads = 0;
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    const { result: invocation, reads } = await builderReads(sandbox, () =>
      sandbox.app.host('ReportBuilder').invoke({ check: 'restatements', scheduledTime }),
    );
    if (!invocation.ok) throw new Error(invocation.error.errorMessage);
    times.push(performance.now() - started);
    dynamodbReads = reads;
    const outcomes = invocation.result as RestatementOutcome[];
    if (outcomes.length !== 1 || outcomes[0]?.outcome !== 'unchanged')
      throw new Error(`the check should find one unchanged report: ${JSON.stringify(outcomes)}`);
  }
  return { ms: nearestRank(times, 0.5) ?? 0, dynamodbReads };
}

/**
 * docs/design.md §9's restatement budget: the daily check's time and reads flat in the
 * number of responses. Two months get the same groups of daily aggregates, one with ten
 * times the counts of the other, and a published baseline report each; the check is run
 * at a time whose window holds one of them (the usual day: nothing changed), three times.
 */
export async function benchRestatements(
  sandbox: Sandbox,
): Promise<{ lines: string[]; met: boolean }> {
  const small = await seed(sandbox, '2025-05-01', '2025-05-31', 10);
  const large = await seed(sandbox, '2025-11-01', '2025-11-30', 100);
  for (const period of ['2025-05', '2025-11']) {
    const built = await sandbox.app.host('ReportBuilder').invoke({ profile: 'baseline', period });
    if (!built.ok) throw new Error(built.error.errorMessage);
  }
  // 04:00 on 5 June and 5 December in Shanghai: May, then November, is the last month.
  const oneX = await checkMs(sandbox, '2025-06-04T20:00:00Z');
  const tenX = await checkMs(sandbox, '2025-12-04T20:00:00Z');
  const ratio = tenX.ms / oneX.ms;
  const sameReads = oneX.dynamodbReads === tenX.dynamodbReads;
  const met = ratio <= 1.3 && sameReads;
  const describe = (run: typeof oneX) =>
    `${run.ms.toFixed(0)} ms, ${run.dynamodbReads} DynamoDB reads and one S3 GET`;
  return {
    met,
    lines: [
      `Daily restatement check (baseline, one published month, nothing changed; median of 3): ${small.responses.toLocaleString('en')} responses in ${small.items} items ${describe(oneX)}; ${large.responses.toLocaleString('en')} responses in ${large.items} items ${describe(tenX)}: ${ratio.toFixed(2)}× the time for 10× the responses (budget ≤ 1.3× and the same reads: ${met ? 'ok' : 'OVER'})`,
      '  The check reads what a build reads (days × groups × shards of aggregates and tallies, complaints by month, cases by day, subscriber counts), the index and the report.json it compares with; the extract only when a figure changed.',
    ],
  };
}
