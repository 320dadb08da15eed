import { generateKeyPairSync, sign } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { dynamoDbComplaintStore } from '#shared/adapters/dynamodb/complaint-store.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import { reportPrefix } from '#shared/adapters/s3/report-store.ts';
import { countersOfStates } from '#shared/domain/complaint-aggregates.ts';
import type { ComplaintMessage } from '#shared/domain/complaint-event.ts';
import type { IndicatorResult } from '#shared/indicators/build-indicators.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import { inMemoryCounterReader } from '#shared/indicators/complaint-figures.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { parseCsv } from '#shared/reports/csv.ts';
import {
  complaintPartName,
  recomputeReport,
  SINGLE_COMPLAINTS_FILE,
} from '#shared/reports/report-extract.ts';
import type { ReportChanges } from '#shared/reports/restatement.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';
import { AGGREGATES_TABLE } from '#shared/tables/aggregates.ts';
import { COMPLAINTS_TABLE } from '#shared/tables/complaints.ts';
import { SURVEYS_TABLE } from '#shared/tables/surveys.ts';
import {
  type BuildReportDependencies,
  computeReport,
  publishReport,
  type ReportEntry,
  type ReportInputs,
} from '#shared/use-cases/build-report.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';
import { checkRestatements } from '#shared/use-cases/restate-reports.ts';
import { MemoryDynamoDb } from '../../bench/scale/memory-dynamodb.ts';
import { complaintStatesOfWindow } from '../support/complaint-counters.ts';

const TIME_ZONE = 'Asia/Shanghai';
const open: DynamoDBClient[] = [];

afterEach(() => {
  for (const client of open.splice(0)) client.destroy();
});

/**
 * Complaints created (and resolved) in months in and out of October 2026's window
 * (2025-09 to 2026-10): by created month, by first-resolved month only, in none.
 */
const LIFECYCLES: { created: string; resolved?: string; count: number }[] = [
  // Created before the window, resolved in it: September's part.
  { created: '2025-06-10T10:00:00+08:00', resolved: '2026-09-02T10:00:00+08:00', count: 3 },
  // Created before the window and resolved before it: no part.
  { created: '2025-05-10T10:00:00+08:00', resolved: '2025-07-02T10:00:00+08:00', count: 2 },
  // Created in the window: the created month's part, wherever they were resolved.
  { created: '2026-03-05T10:00:00+08:00', resolved: '2026-10-03T10:00:00+08:00', count: 2 },
  { created: '2026-08-30T23:30:00+08:00', resolved: '2026-09-04T10:00:00+08:00', count: 4 },
  { created: '2026-09-12T10:00:00+08:00', resolved: '2026-09-13T10:00:00+08:00', count: 11 },
  { created: '2026-10-01T00:10:00+08:00', resolved: '2026-10-02T10:00:00+08:00', count: 12 },
  { created: '2026-10-20T10:00:00+08:00', count: 3 },
];

/** The complaints above, recorded as the processor records them, in an in-process DynamoDB. */
async function recordedComplaints() {
  const store = new MemoryDynamoDb([
    { name: 'aggregates', design: AGGREGATES_TABLE },
    { name: 'complaints', design: COMPLAINTS_TABLE },
    { name: 'surveys', design: SURVEYS_TABLE },
  ]);
  const client = store.client();
  open.push(client);
  const complaints = dynamoDbComplaintStore({
    client,
    tableName: 'complaints',
    reportingTimeZone: TIME_ZONE,
    retentionDays: 800,
  });
  const event = (
    complaintId: string,
    type: 'created' | 'resolved',
    occurredAt: string,
  ): ComplaintMessage => ({
    source: 'crm',
    receivedAt: '2026-11-01T01:00:00Z',
    event: {
      eventId: `${complaintId}-${type}`,
      complaintId,
      type,
      occurredAt,
      kind: 'complaint',
      category: 'billing',
      region: 'GD-SZ',
      service: 'mobile_data',
      via: 'direct',
    },
  });
  const record = (message: ComplaintMessage) => recordComplaintEvent(complaints, message);
  let total = 0;
  for (const [group, lifecycle] of LIFECYCLES.entries()) {
    for (let n = 0; n < lifecycle.count; n += 1) {
      const id = `CMP-${group}-${n}`;
      await record(event(id, 'created', lifecycle.created));
      if (lifecycle.resolved) await record(event(id, 'resolved', lifecycle.resolved));
      total += 1;
    }
  }
  return { client, total, record, event };
}

/**
 * The report inputs of the recorded complaints, with the complaint counters as the
 * aggregator keeps them (every state's contribution, summed), read when asked.
 */
function countedInputs(client: DynamoDBClient) {
  const inputs = dynamoDbReportInputs({
    client,
    aggregatesTable: 'aggregates',
    complaintsTable: 'complaints',
    surveysTable: 'surveys',
    complaintPageStates: 3,
  });
  return {
    ...inputs,
    complaintCounters: {
      async read(batch: Parameters<ReportInputs['complaintCounters']['read']>[0]) {
        const states = await complaintStatesOfWindow(inputs, OCTOBER_WINDOW);
        return inMemoryCounterReader(countersOfStates(states, TIME_ZONE)).read(batch);
      },
    },
  };
}

/** The months of complaints October 2026's baseline report reads: 2025-09 to 2026-10. */
const OCTOBER_WINDOW = [
  ...['09', '10', '11', '12'].map((month) => `2025-${month}`),
  ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'].map((month) => `2026-${month}`),
];

/** The build's other ports, in memory: files kept by name, an ECDSA P-256 key that signs. */
function memoryPorts() {
  const files = new Map<string, Buffer>();
  const entries: ReportEntry[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let reports = 0;
  const collect = async (body: AsyncIterable<Buffer>) => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const ports: Omit<BuildReportDependencies, 'inputs'> = {
    store: {
      put: async (prefix, file) => {
        files.set(`${prefix}${file.name}`, file.body);
        return {};
      },
      putStream: async (prefix, file, body) => {
        files.set(`${prefix}${file.name}`, await collect(body));
        return {};
      },
    },
    signer: { sign: async (bytes) => sign('sha256', bytes, privateKey) },
    index: { add: async (entry) => void entries.push(entry) },
    profiles: BUILT_IN_PROFILES,
    timezone: TIME_ZONE,
    operator: 'Test operator',
    codeVersion: 'test',
    now: () => new Date('2026-11-02T00:00:00Z'),
    newReportId: () => {
      reports += 1;
      return `r-parts-${reports}`;
    },
    pseudonymKey: () => Buffer.alloc(32, 7),
    history: { wholeOperator: async () => new Map() },
    pdf: { render: async () => Buffer.from('%PDF-1.7\n') },
    prefixOf: reportPrefix,
  };
  /** One report's files by name, as an assessor downloads them. */
  const filesOf = (prefix: string) =>
    new Map(
      [...files]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, body]) => [key.slice(prefix.length), body]),
    );
  return {
    ports,
    files,
    filesOf,
    entries,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('the extract of a report whose window spans several months', () => {
  it('has one part per month, each complaint in exactly one, and recomputes every figure from them', async () => {
    // Prepare: pages of three states, so that parts span several pages.
    const { client, total } = await recordedComplaints();
    const inputs = dynamoDbReportInputs({
      client,
      aggregatesTable: 'aggregates',
      complaintsTable: 'complaints',
      surveysTable: 'surveys',
      complaintPageStates: 3,
    });
    const { ports, filesOf, entries, publicKeyPem } = memoryPorts();
    const request = { profile: 'baseline', period: '2026-10' };
    // The counters as the aggregator keeps them: every state's contribution, summed.
    const window = (await computeReport({ ...ports, inputs }, request)).complaintWindow;
    const states = await complaintStatesOfWindow(inputs, window);
    const counted = {
      ...inputs,
      complaintCounters: inMemoryCounterReader(countersOfStates(states, TIME_ZONE)),
    };

    // Act
    const computed = await computeReport({ ...ports, inputs: counted }, request);
    const { prefix } = await publishReport({ ...ports, inputs: counted }, computed);
    const files = filesOf(prefix);

    // Assess: a part for each of the 14 months, empty ones too, listed and signed.
    expect(window).toHaveLength(14);
    expect(window[0]).toBe('2025-09');
    const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? '{}') as {
      files: { name: string }[];
      dataWatermark: string;
    };
    const parts = manifest.files.map((file) => file.name).filter((name) => /complaints/.test(name));
    expect(parts).toEqual(window.map(complaintPartName));
    expect(entries[0]?.files.map((file) => file.name)).toEqual(
      expect.arrayContaining(window.map(complaintPartName)),
    );
    const rowsOf = (month: string) =>
      parseCsv(gunzipSync(files.get(complaintPartName(month)) ?? Buffer.alloc(0)).toString());
    const counts = Object.fromEntries(
      window.map((month) => [month, rowsOf(month).length]).filter(([, n]) => n !== 0),
    );
    expect(counts).toEqual({ '2026-03': 2, '2026-08': 4, '2026-09': 3 + 11, '2026-10': 12 + 3 });
    const pseudonyms = window.flatMap((month) => rowsOf(month).map((row) => row.complaint));
    expect(new Set(pseudonyms).size).toBe(pseudonyms.length);
    expect(pseudonyms).toHaveLength(total - 2);
    // September's part: created in it by creation time, then the older ones by resolution.
    expect(rowsOf('2026-09').map((row) => (row.createdAt ?? '').slice(0, 7))).toEqual([
      ...Array(11).fill('2026-09'),
      ...Array(3).fill('2025-06'),
    ]);
    expect(JSON.parse(manifest.dataWatermark).complaints).toBe('2026-10-20T02:00:00.000Z');
    expect(recomputeReport(files).mismatches).toEqual([]);
    const figures = JSON.parse(files.get('report.json')?.toString('utf8') ?? '{}') as {
      indicators: IndicatorResult[];
    };
    // Resolved in October: October's twelve and March's two (a part by created month).
    expect(
      figures.indicators.find(
        (cell) => cell.id === 'complaints.resolved_within_15d_pct' && isWholeOperator(cell),
      ),
    ).toMatchObject({ n: 12 + 2 });
    const verified = verifyReport({
      manifest: files.get('manifest.json') ?? Buffer.alloc(0),
      signature: (files.get('manifest.sig') ?? Buffer.alloc(0)).toString(),
      publicKeyPem,
      files,
    });
    expect(verified.ok).toBe(true);
    expect(verified.files.filter((file) => /complaints/.test(file.name))).toHaveLength(14);
  });

  it.each([
    ['its parts, part by part', false],
    ['the one complaints file of a report from before parts', true],
  ])('restates from %s, counting the complaints whose rows changed since', async (_, single) => {
    // Prepare: October's report published, then two late events that move its figures.
    const { client, record, event } = await recordedComplaints();
    const inputs = countedInputs(client);
    const { ports, files, filesOf, entries } = memoryPorts();
    const first = await publishReport(
      { ...ports, inputs },
      await computeReport({ ...ports, inputs }, { profile: 'baseline', period: '2026-10' }),
    );
    const [entry] = entries as [ReportEntry];
    if (single) {
      // As a report before parts: every complaint row in one file, listed as such.
      const parts = entry.files.filter((file) => file.name.startsWith('extract/complaints/'));
      const published = filesOf(first.prefix);
      const rows = parts.map((part, at) => {
        const text = gunzipSync(published.get(part.name) ?? Buffer.alloc(0)).toString();
        return at === 0 ? text : text.slice(text.indexOf('\r\n') + 2);
      });
      files.set(`${first.prefix}${SINGLE_COMPLAINTS_FILE}`, gzipSync(rows.join('')));
      entry.files = [
        ...entry.files.filter((file) => !parts.includes(file)),
        { name: SINGLE_COMPLAINTS_FILE, bytes: 0, sha256: '' },
      ];
    }
    // One open complaint of 20 October resolved late, one complaint new to October.
    await record(event('CMP-6-0', 'resolved', '2026-10-30T10:00:00+08:00'));
    await record(event('CMP-late', 'created', '2026-10-05T10:00:00+08:00'));
    await record(event('CMP-late', 'resolved', '2026-10-28T10:00:00+08:00'));

    // Act
    const outcomes = await checkRestatements(
      {
        ...ports,
        inputs,
        index: {
          ...ports.index,
          newestOfPeriods: async (_profile, periods) =>
            new Map(periods.includes('2026-10') ? [['2026-10', entry]] : []),
          markSuperseded: async () => {},
        },
        files: {
          read: async (prefix, name) => {
            const body = files.get(`${prefix}${name}`);
            if (!body) throw new Error(`no ${prefix}${name}`);
            return body;
          },
        },
        windowPeriods: 1,
      },
      new Date('2026-11-05T00:00:00Z'),
    );

    // Assess
    expect(outcomes).toEqual([expect.objectContaining({ period: '2026-10', outcome: 'restated' })]);
    const edition = outcomes[0]?.outcome === 'restated' ? outcomes[0].published : undefined;
    const changes = JSON.parse(
      filesOf(edition?.prefix ?? '')
        .get('changes.json')
        ?.toString('utf8') ?? '{}',
    ) as ReportChanges;
    expect(changes.inputs.complaintsWithLateEvents).toBe(2);
    expect(
      changes.figures.find(
        (change) =>
          change.indicator === 'complaints.resolved_within_15d_pct' && isWholeOperator(change),
      ),
    ).toMatchObject({ old: { n: 14 }, new: { n: 16 }, because: { complaintsWithLateEvents: 2 } });
    expect(recomputeReport(filesOf(edition?.prefix ?? '')).mismatches).toEqual([]);
  });
});
