import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import {
  type ComplaintState,
  foldComplaintEvents,
  reportingMonthsOf,
} from '#shared/domain/complaint-lifecycle.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import { parseCsv } from '#shared/reports/csv.ts';
import { recomputeReport } from '#shared/reports/report-extract.ts';
import { AGGREGATED_ATTRIBUTE, complaintKeys } from '#shared/tables/complaints.ts';
import {
  complaintCountersCaughtUp,
  complaintStatesOfWindow,
} from '../support/complaint-counters.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

// June 2026: complaints the processor writes today (on the month's shards), and complaints
// whose states it wrote before the month indexes had shards (on the bare month), which
// `reshard-complaints` has not moved yet. A report reads both.

let app: LocalApp;
let dynamodb: DynamoDBClient;
let s3: S3Client;

const env = (name: string) => app.host('ReportBuilder').fn.environment[name] ?? '';

beforeAll(async () => {
  app = await startLocalApp({ assemblyDirectory: inject('assemblyDirectory') });
  const clientConfig = {
    endpoint: app.endpoint,
    region: app.region,
    credentials: emulatorCredentials,
  };
  dynamodb = new DynamoDBClient(clientConfig);
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
});

afterAll(async () => {
  dynamodb?.destroy();
  s3?.destroy();
  await app?.stop();
});

/**
 * The events of complaint `n` of June 2026: created on day n + 1, resolved three days later
 * (in June) unless n is odd, when it stays open.
 */
function juneEvents(prefix: string, n: number): ComplaintEvent[] {
  const base = {
    complaintId: `${prefix}-${n}`,
    customerRef: `${prefix}-customer-${n}`,
    region: 'BJ',
    service: 'mobile_data' as const,
  };
  const created = `2026-06-${String(n + 1).padStart(2, '0')}T10:00:00+08:00`;
  const events = [complaintEvent({ ...base, type: 'created', occurredAt: created })];
  if (n % 2 === 0) {
    const resolved = new Date(Date.parse(created) + 3 * 86_400_000).toISOString();
    events.push(complaintEvent({ ...base, type: 'resolved', occurredAt: resolved }));
  }
  return events;
}

/** Every file of a report, by its name in the report. */
async function reportFiles(prefix: string): Promise<Map<string, Buffer>> {
  const bucket = env('REPORTS_BUCKET_NAME');
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  const files = new Map<string, Buffer>();
  for (const { Key = '' } of Contents) {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    files.set(Key.slice(prefix.length), Buffer.from((await Body?.transformToByteArray()) ?? []));
  }
  return files;
}

describe('the month indexes of complaint states', () => {
  it('give a report the states on the month’s shards and those still on the bare month', async () => {
    // Prepare: ten complaints through the webhook (the processor writes the shards) and ten
    // states as the processor wrote them before the shards: the bare month, counted.
    const tableName = env('COMPLAINTS_TABLE_NAME');
    const timeZone = env('REPORTING_TIME_ZONE');
    const documents = DynamoDBDocumentClient.from(dynamodb);
    const secret = app.complaintSourceSecrets().crm ?? '';
    const events = Array.from({ length: 10 }, (_, n) => juneEvents('month-index-new', n)).flat();
    const accepted = await app
      .host('ComplaintIntake')
      .invoke(signedWebhookRequest({ secret, body: { events } }));
    expect(accepted.ok && (accepted.result as { statusCode: number }).statusCode).toBe(202);
    await app.drain('ComplaintProcessor');
    const oldStates: ComplaintState[] = Array.from({ length: 10 }, (_, n) => ({
      source: 'crm',
      ...foldComplaintEvents(juneEvents('month-index-old', n)),
    }));
    for (const state of oldStates) {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: complaintKeys.pk('crm', state.complaintId),
            sk: complaintKeys.stateSk,
            entity: 'complaint',
            ...state,
            ...reportingMonthsOf(state, timeZone),
            [AGGREGATED_ATTRIBUTE]: true,
            version: state.eventCount,
            updatedAt: state.lastEventAt,
          },
        }),
      );
    }
    await app.drain('ComplaintAggregator');
    const inputs = dynamoDbReportInputs({
      client: dynamodb,
      aggregatesTable: env('AGGREGATES_TABLE_NAME'),
      complaintsTable: tableName,
      surveysTable: env('SURVEYS_TABLE_NAME'),
    });
    const stored = async (complaintId: string) =>
      (
        await documents.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: complaintKeys.pk('crm', complaintId), sk: complaintKeys.stateSk },
          }),
        )
      ).Item;

    // Act
    const states = await complaintStatesOfWindow(inputs, ['2026-06']);
    await complaintCountersCaughtUp(inputs, timeZone, '2026-06');
    const built = await app
      .host('ReportBuilder')
      .invoke({ profile: 'baseline', period: '2026-06' });
    if (!built.ok) throw new Error(built.error.errorMessage);
    const files = await reportFiles((built.result as { prefix: string }).prefix);

    // Assess: the new states are on their shards, the old on the bare month; the reader
    // gives all twenty once each (a complaint created and resolved in June is on both
    // indexes), as their states; the report's extract holds all twenty and
    // recomputes to its figures.
    const newest = await stored('month-index-new-0');
    expect(newest?.createdMonth).toBe(
      complaintKeys.monthIndexKey('2026-06', complaintKeys.pk('crm', 'month-index-new-0')),
    );
    expect(newest?.firstResolvedMonth).toBe(newest?.createdMonth);
    expect((await stored('month-index-old-0'))?.createdMonth).toBe('2026-06');
    const ids = [
      ...Array.from({ length: 10 }, (_, n) => `month-index-new-${n}`),
      ...Array.from({ length: 10 }, (_, n) => `month-index-old-${n}`),
    ];
    expect(states.map((state) => state.complaintId).sort()).toEqual(
      [...ids].sort((a, b) => (complaintKeys.pk('crm', a) < complaintKeys.pk('crm', b) ? -1 : 1)),
    );
    for (const old of oldStates) {
      expect(states.find((state) => state.complaintId === old.complaintId)).toEqual(old);
    }
    const rows = parseCsv(
      gunzipSync(files.get('extract/complaints/2026-06.csv.gz') ?? Buffer.alloc(0)).toString(),
    );
    expect(rows).toHaveLength(20);
    expect(recomputeReport(files).mismatches).toEqual([]);
    // Ten first resolved in June, five of them old states, all within three days (a
    // figure of fewer than the profile's ten would be suppressed).
    const { indicators } = JSON.parse((files.get('report.json') ?? '').toString()) as {
      indicators: { id: string; dimensions: Record<string, string> }[];
    };
    expect(
      indicators.find(
        (entry) => entry.id === 'complaints.resolved_within_15d_pct' && isWholeOperator(entry),
      ),
    ).toMatchObject({ value: 100, n: 10 });
  });
});
