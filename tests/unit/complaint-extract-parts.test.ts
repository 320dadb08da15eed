import { generateKeyPairSync, sign } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
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
import { complaintPartName, recomputeReport } from '#shared/reports/report-extract.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';
import { AGGREGATES_TABLE } from '#shared/tables/aggregates.ts';
import { COMPLAINTS_TABLE } from '#shared/tables/complaints.ts';
import { SURVEYS_TABLE } from '#shared/tables/surveys.ts';
import {
  type BuildReportDependencies,
  computeReport,
  publishReport,
  type ReportEntry,
} from '#shared/use-cases/build-report.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';
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
  let total = 0;
  for (const [group, lifecycle] of LIFECYCLES.entries()) {
    for (let n = 0; n < lifecycle.count; n += 1) {
      const id = `CMP-${group}-${n}`;
      await recordComplaintEvent(complaints, event(id, 'created', lifecycle.created));
      if (lifecycle.resolved)
        await recordComplaintEvent(complaints, event(id, 'resolved', lifecycle.resolved));
      total += 1;
    }
  }
  return { client, total };
}

/** The build's other ports, in memory: files kept by name, an ECDSA P-256 key that signs. */
function memoryPorts() {
  const files = new Map<string, Buffer>();
  const entries: ReportEntry[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const collect = async (body: AsyncIterable<Buffer>) => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const ports: Omit<BuildReportDependencies, 'inputs'> = {
    store: {
      put: async (_prefix, file) => {
        files.set(file.name, file.body);
        return {};
      },
      putStream: async (_prefix, file, body) => {
        files.set(file.name, await collect(body));
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
    newReportId: () => 'r-parts',
    pseudonymKey: () => Buffer.alloc(32, 7),
    history: { wholeOperator: async () => new Map() },
    pdf: { render: async () => Buffer.from('%PDF-1.7\n') },
    prefixOf: reportPrefix,
  };
  return {
    ports,
    files,
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
    const { ports, files, entries, publicKeyPem } = memoryPorts();
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
    await publishReport({ ...ports, inputs: counted }, computed);

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
});
