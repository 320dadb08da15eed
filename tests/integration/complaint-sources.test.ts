import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import { parseCsv } from '#shared/reports/csv.ts';
import { complaintPartName } from '#shared/reports/report-extract.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

let app: LocalApp;
let documents: DynamoDBDocumentClient;
let s3: S3Client;
let tableName: string;
let bucket: string;
let deadLetterQueueUrl: string;

beforeAll(async () => {
  app = await startLocalApp({
    assemblyDirectory: inject('assemblyDirectory'),
    failedMessageVisibilitySeconds: 0,
  });
  const clientConfig = {
    endpoint: app.endpoint,
    region: app.region,
    credentials: emulatorCredentials,
  };
  documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  tableName = app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME ?? '';
  bucket = app.host('ReportBuilder').fn.environment.REPORTS_BUCKET_NAME ?? '';
  const queueUrl = app.host('ComplaintIntake').fn.environment.COMPLAINT_EVENTS_QUEUE_URL ?? '';
  const redrive = await app.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const deadLetterArn = String(
    JSON.parse(redrive.Attributes?.RedrivePolicy ?? '{}').deadLetterTargetArn,
  );
  deadLetterQueueUrl = queueUrl.replace(/[^/]+$/, deadLetterArn.split(':').at(-1) ?? '');
});

afterAll(async () => {
  s3?.destroy();
  await app?.stop();
});

/** Posts one event as `source`, signed with that source's own secret, then applies it. */
async function postAs(source: string, event: ComplaintEvent) {
  const secret = app.complaintSourceSecrets()[source] ?? '';
  const invocation = await app
    .host('ComplaintIntake')
    .invoke(signedWebhookRequest({ secret, source, body: event }));
  if (!invocation.ok) throw new Error(`intake failed: ${invocation.error.errorMessage}`);
  await app.drain('ComplaintProcessor');
  // Reports read the complaint counters, which the aggregator keeps from the stream.
  await app.drain('ComplaintAggregator');
  return (invocation.result as { statusCode: number }).statusCode;
}

/**
 * One complaint id used by two sources: `crm` files a complaint (created, then resolved);
 * `ticketing` uses the same id first, for a fault, and takes crm's event ids, the second one
 * before crm sends it. Each event is delivered and applied before the next.
 */
async function collide(complaintId: string, at: (hours: number) => string) {
  const ids = [`e1-${randomUUID()}`, `e2-${randomUUID()}`, `e3-${randomUUID()}`];
  const crm = { complaintId, kind: 'complaint' as const, category: 'billing' as const };
  const ticketing = {
    complaintId,
    kind: 'fault' as const,
    category: 'fault_repair' as const,
    service: 'fixed_broadband' as const,
  };
  return [
    await postAs(
      'ticketing',
      complaintEvent({ ...ticketing, eventId: ids[1], type: 'created', occurredAt: at(0) }),
    ),
    await postAs(
      'crm',
      complaintEvent({ ...crm, eventId: ids[0], type: 'created', occurredAt: at(0) }),
    ),
    await postAs(
      'ticketing',
      complaintEvent({ ...ticketing, eventId: ids[2], type: 'resolved', occurredAt: at(10) }),
    ),
    await postAs(
      'crm',
      complaintEvent({ ...crm, eventId: ids[1], type: 'resolved', occurredAt: at(48) }),
    ),
    await postAs(
      'ticketing',
      complaintEvent({ ...ticketing, eventId: ids[0], type: 'closed', occurredAt: at(12) }),
    ),
  ];
}

async function deadLettered() {
  const { Attributes } = await app.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: deadLetterQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** Every stored state of a complaint id, whatever its key. */
async function statesOf(complaintId: string) {
  const { Items = [] } = await documents.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: 'complaintId = :id AND sk = :state',
      ExpressionAttributeValues: { ':id': complaintId, ':state': 'STATE' },
      ConsistentRead: true,
    }),
  );
  return Items.sort((a, b) => String(a.source).localeCompare(String(b.source)));
}

describe('complaint sources', () => {
  it("keeps another source's events for the same complaint and event ids out of a complaint", async () => {
    // Prepare
    const complaintId = `shared-${randomUUID()}`;
    const at = (hours: number) =>
      new Date(Date.parse('2026-07-01T02:00:00Z') + hours * 3_600_000).toISOString();

    // Act
    const statuses = await collide(complaintId, at);

    // Assess: both complaints whole, each with only its own events; nothing dead-lettered.
    expect(statuses).toEqual([202, 202, 202, 202, 202]);
    expect(await statesOf(complaintId)).toEqual([
      expect.objectContaining({
        source: 'crm',
        kind: 'complaint',
        category: 'billing',
        status: 'resolved',
        createdAt: at(0),
        firstResolvedAt: at(48),
        eventCount: 2,
      }),
      expect.objectContaining({
        source: 'ticketing',
        kind: 'fault',
        category: 'fault_repair',
        status: 'closed',
        createdAt: at(0),
        firstResolvedAt: at(10),
        closedAt: at(12),
        eventCount: 3,
      }),
    ]);
    expect(await deadLettered()).toBe(0);
  });

  it('counts a complaint and a fault that share an id once each in the report', async () => {
    // Prepare: August 2026 in Shanghai holds these two and nothing else.
    const complaintId = `report-${randomUUID()}`;
    const at = (hours: number) =>
      new Date(Date.parse('2026-08-03T02:00:00Z') + hours * 3_600_000).toISOString();
    await collide(complaintId, at);

    // Act
    const built = await app
      .host('ReportBuilder')
      .invoke({ profile: 'baseline', period: '2026-08' });
    if (!built.ok) throw new Error(built.error.errorMessage);
    const { prefix } = built.result as { prefix: string };

    // Assess: the complaint resolved in 48 hours, the fault in 10; each one row of the extract.
    const read = async (name: string) => {
      const { Body } = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${name}` }),
      );
      return Buffer.from((await Body?.transformToByteArray()) ?? []);
    };
    const report = JSON.parse((await read('report.json')).toString()) as {
      indicators: { id: string; dimensions: Record<string, string>; n?: number }[];
    };
    const whole = (id: string) =>
      report.indicators.find((entry) => entry.id === id && isWholeOperator(entry));
    expect(whole('complaints.resolved_within_15d_pct')?.n).toBe(1);
    expect(whole('faults.repaired_within_24h_pct')?.n).toBe(1);
    // August's part holds the two (July's, the previous period's, the other test's pair).
    const rows = parseCsv(
      gunzipSync(await read(complaintPartName('2026-08'))).toString('utf8'),
    ).filter((row) => row.createdAt?.startsWith('2026-08'));
    expect(rows.map((row) => [row.kind, row.status]).sort()).toEqual([
      ['complaint', 'resolved'],
      ['fault', 'closed'],
    ]);
    expect(new Set(rows.map((row) => row.complaint)).size).toBe(2);
  });
});
