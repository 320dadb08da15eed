import { execSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { dynamoDbCaseEventStore, dynamoDbCaseStore } from '#shared/adapters/dynamodb/case-store.ts';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { dynamoDbSubscriberStore } from '#shared/adapters/dynamodb/subscriber-store.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import { openFollowUpCase } from '#shared/domain/follow-up.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import { roundHalfAwayFromZero, wilson95 } from '#shared/indicators/statistics.ts';
import { parseCsv } from '#shared/reports/csv.ts';
import { complaintPartName, recomputeReport } from '#shared/reports/report-extract.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import { aggregateShardItem, counterItemBeforeSharding } from '../support/aggregates.ts';
import { readPdf } from '../support/pdf-reader.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

let app: LocalApp;
let s3: S3Client;
let kms: KMSClient;
/** The emulator's DynamoDB, for seeding and reading the index as the functions do. */
let dynamodb: DynamoDBClient;
let bucket: string;

beforeAll(async () => {
  app = await startLocalApp({ assemblyDirectory: inject('assemblyDirectory') });
  const clientConfig = {
    endpoint: app.endpoint,
    region: app.region,
    credentials: emulatorCredentials,
  };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  kms = new KMSClient(clientConfig);
  dynamodb = new DynamoDBClient(clientConfig);
  bucket = app.host('ReportBuilder').fn.environment.REPORTS_BUCKET_NAME ?? '';
  await seed();
  await seedFollowUpCases();
});

afterAll(async () => {
  s3?.destroy();
  kms?.destroy();
  dynamodb?.destroy();
  await app?.stop();
});

/**
 * October 2026 in Shanghai: 12 complaints created, 10 first resolved in October (8 of them
 * within 15 days), 2 resolved in November; and 20 web answers on 5 October with CSAT
 * 5 ×10, 4 ×6, 3 ×2, 1 ×2 (16 satisfied: 80%).
 */
async function seed() {
  const events: ComplaintEvent[] = [];
  for (let n = 0; n < 12; n += 1) {
    const complaintId = `report-test-${n}`;
    const created = `2026-10-${String(1 + n).padStart(2, '0')}T10:00:00+08:00`;
    const base = {
      complaintId,
      customerRef: `report-test-customer-${n % 4}`,
      region: n % 2 ? 'BJ' : 'SH',
      service: 'mobile_data' as const,
    };
    events.push(complaintEvent({ ...base, type: 'created', occurredAt: created }));
    // 0-7: resolved after 3 days; 8-9: after 20 days (still October); 10-11: in November.
    const resolvedAfterDays = n < 8 ? 3 : n < 10 ? 20 : 40;
    const resolved = new Date(Date.parse(created) + resolvedAfterDays * 86_400_000).toISOString();
    events.push(complaintEvent({ ...base, type: 'resolved', occurredAt: resolved }));
  }
  const secret = app.complaintSourceSecrets().crm ?? '';
  const accepted = await app
    .host('ComplaintIntake')
    .invoke(signedWebhookRequest({ secret, body: { events } }));
  expect(accepted.ok && (accepted.result as { statusCode: number }).statusCode).toBe(202);
  await app.drain('ComplaintProcessor');
  // The report reads the complaint counters, which the aggregator keeps from the stream.
  await app.drain('ComplaintAggregator');

  const documents = DynamoDBDocumentClient.from(dynamodb);
  const shard = (shardNo: number, counts: Record<string, number>, day = '2026-10-05') => ({
    PutRequest: {
      Item: aggregateShardItem(day, shardNo, counts),
    },
  });
  await documents.send(
    new BatchWriteCommand({
      RequestItems: {
        [app.host('ReportBuilder').fn.environment.AGGREGATES_TABLE_NAME ?? '']: [
          shard(0, { responses: 12, csat_5: 10, csat_3: 2, nps_10: 12 }),
          // The same day's counters as written before the shard moved into the partition
          // key (docs/data-model.md): the report sums both layouts, 16 of 20 satisfied.
          {
            PutRequest: {
              Item: counterItemBeforeSharding('responses', '2026-10-05', 5, {
                responses: 8,
                csat_4: 6,
                csat_1: 2,
                nps_6: 8,
              }),
            },
          },
          // September: 7 of 10 satisfied (70%), for the previous period and the trend.
          shard(1, { responses: 10, csat_5: 7, csat_2: 3, nps_9: 10 }, '2026-09-20'),
          {
            PutRequest: {
              Item: counterItemBeforeSharding('invitations', '2026-10-04', 3, {
                sent: 25,
                answered: 20,
              }),
            },
          },
        ],
      },
    }),
  );
  // Subscribers for September (the previous quarter) and November: a Q4 report divides by
  // November's record; October has none, so monthly October reports say so.
  const subscribers = dynamoDbSubscriberStore(
    dynamodb,
    app.host('ReportBuilder').fn.environment.AGGREGATES_TABLE_NAME ?? '',
  );
  for (const [period, scale] of [
    ['2026-09', 1],
    ['2026-11', 1.5],
  ] as const) {
    await subscribers.put(
      period,
      [
        { region: 'BJ', service: 'mobile_data', subscribers: 2_000_000 * scale },
        { region: 'SH', service: 'mobile_data', subscribers: 3_000_000 * scale },
      ],
      new Date(),
      'reports-test',
    );
  }
}

/**
 * Follow-up cases, opened and marked contacted through the case stores as the functions
 * do: 11 answered in October in Shanghai (8 first contacted within 48 h, one after 50 h,
 * two never), and one answered at 00:30 on 1 November there, which is still 31 October
 * in UTC.
 */
async function seedFollowUpCases() {
  const tableName = app.host('ReportBuilder').fn.environment.SURVEYS_TABLE_NAME ?? '';
  const store = dynamoDbCaseStore({ client: dynamodb, tableName, retentionDays: 400 });
  const events = dynamoDbCaseEventStore({ client: dynamodb, tableName });
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const hours = (at: string, elapsed: number) =>
    new Date(Date.parse(at) + elapsed * 3_600_000).toISOString();
  const seeds: [answeredAt: string, contactedAfterHours: number | undefined][] = [
    ...Array.from({ length: 8 }, (_, n): [string, number] => [
      `2026-10-${String(10 + n).padStart(2, '0')}T09:00:00+08:00`,
      2 + n * 6,
    ]),
    ['2026-10-20T09:00:00+08:00', 50],
    ['2026-10-21T09:00:00+08:00', undefined],
    ['2026-10-31T23:30:00+08:00', undefined],
    ['2026-11-01T00:30:00+08:00', 1],
  ];
  for (const [n, [answeredAt, contactedAfter]] of seeds.entries()) {
    const invitationId = `report-test-case-${n}`;
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...surveyKeys.invitation(invitationId),
          customerRef: 'report-test-customer',
          source: 'crm',
        },
      }),
    );
    await store.open(
      openFollowUpCase({
        invitationId,
        customerRef: 'report-test-customer',
        touchpoint: 'store',
        answeredBy: 'web',
        region: 'BJ',
        service: 'mobile_data',
        answers: { csat: 1, nps: 2, comment: 'report-test comment' },
        answeredAt: new Date(answeredAt).toISOString(),
        now: new Date(),
      }),
      [],
      'crm',
    );
    if (contactedAfter !== undefined) {
      await events.keepFollowUp(
        invitationId,
        { status: 'contacted', firstContactedAt: hours(answeredAt, contactedAfter) },
        1,
      );
    }
  }
}

async function build(profile: string, period: string) {
  const invocation = await app.host('ReportBuilder').invoke({ profile, period });
  if (!invocation.ok) throw new Error(invocation.error.errorMessage);
  return invocation.result as { reportId: string; prefix: string };
}

async function download(key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await Body?.transformToByteArray()) ?? []);
}

/** An indicator figure of report.json. */
interface Figure {
  id: string;
  dimensions: Record<string, string>;
  value: number | null;
  n?: number;
  note?: string;
}

/** The whole-operator figure of an indicator in a report.json. */
function wholeFigure(indicators: Figure[], id: string): Figure | undefined {
  return indicators.find((entry) => entry.id === id && isWholeOperator(entry));
}

/** The text labels of report.html's CSAT trend chart: periods and values. */
function csatTrendLabels(html: string) {
  const chart =
    /<svg role="img" aria-label="Customer satisfaction \(CSAT\) · Trend"[^>]*>(.*?)<\/svg>/.exec(
      html,
    )?.[1] ?? '';
  return {
    labels: [...chart.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]),
    points: chart.match(/<circle/g)?.length ?? 0,
  };
}

/** One aggregate shard item, written as the aggregator writes it. */
async function putAggregate(item: Record<string, unknown>) {
  const documents = DynamoDBDocumentClient.from(dynamodb);
  await documents.send(
    new PutCommand({
      TableName: app.host('ReportBuilder').fn.environment.AGGREGATES_TABLE_NAME ?? '',
      Item: item,
    }),
  );
}

/** Every file of a report, by its name in the report. */
async function downloadAll(prefix: string): Promise<Map<string, Buffer>> {
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  const files = new Map<string, Buffer>();
  for (const { Key = '' } of Contents) files.set(Key.slice(prefix.length), await download(Key));
  return files;
}

/** The signing key's public key as GET /reports/signing-key will serve it. */
async function publicKey() {
  const keyId = app.host('ReportBuilder').fn.environment.SIGNING_KEY_ID;
  const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  return createPublicKey({ key: Buffer.from(PublicKey ?? []), format: 'der', type: 'spki' });
}

/** The months of complaints a baseline October 2026 report reads: 12 before September on. */
const OCTOBER_WINDOW = [
  ...['09', '10', '11', '12'].map((month) => `2025-${month}`),
  ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'].map((month) => `2026-${month}`),
];

describe('signed regulatory reports', () => {
  it('writes the report files, a manifest of their hashes and a signature that verifies', async () => {
    const { prefix } = await build('baseline', '2026-10');

    const { Contents = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
    );
    expect(Contents.map((object) => object.Key?.slice(prefix.length)).sort()).toEqual([
      'extract/cases.csv.gz',
      ...OCTOBER_WINDOW.map(complaintPartName),
      'extract/invitations.csv.gz',
      'extract/responses.csv.gz',
      'extract/subscribers.csv.gz',
      'indicators.csv',
      'manifest.json',
      'manifest.sig',
      'methodology.json',
      'report.html',
      'report.json',
      'report.pdf',
    ]);
    const manifestBytes = await download(`${prefix}manifest.json`);
    const signature = Buffer.from((await download(`${prefix}manifest.sig`)).toString(), 'base64');
    const key = await publicKey();
    expect(verify('sha256', manifestBytes, key, signature)).toBe(true);
    // As README tells a regulator: base64 and openssl, nothing of ours.
    const directory = mkdtempSync(join(tmpdir(), 'report-'));
    writeFileSync(join(directory, 'manifest.json'), manifestBytes);
    writeFileSync(join(directory, 'manifest.sig'), await download(`${prefix}manifest.sig`));
    writeFileSync(
      join(directory, 'signing-key.pem'),
      key.export({ format: 'pem', type: 'spki' }).toString(),
    );
    const openssl = execSync(
      'base64 -d manifest.sig > manifest.der && openssl dgst -sha256 -verify signing-key.pem -signature manifest.der manifest.json',
      { cwd: directory, encoding: 'utf8' },
    );
    expect(openssl.trim()).toBe('Verified OK');
    const tampered = Buffer.from(manifestBytes.toString().replace('"baseline"', '"baselinf"'));
    expect(verify('sha256', tampered, key, signature)).toBe(false);
    const manifest = JSON.parse(manifestBytes.toString()) as {
      files: { name: string; bytes: number; sha256: string }[];
    };
    // A complaint part per month of the window: past KMS's 4,096-byte raw message limit,
    // so KMS signed the manifest's digest, and openssl verified it all the same.
    expect(manifestBytes.length).toBeGreaterThan(4096);
    expect(manifest.files.map((file) => file.name)).toEqual([
      'extract/cases.csv.gz',
      ...OCTOBER_WINDOW.map(complaintPartName),
      'extract/invitations.csv.gz',
      'extract/responses.csv.gz',
      'extract/subscribers.csv.gz',
      'indicators.csv',
      'methodology.json',
      'report.html',
      'report.json',
      'report.pdf',
    ]);
    for (const file of manifest.files) {
      const bytes = await download(`${prefix}${file.name}`);
      expect(bytes.length).toBe(file.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
  });

  it('reports the period in the reporting time zone with the figures the data gives', async () => {
    const { prefix, reportId } = await build('baseline', '2026-10');

    const report = JSON.parse((await download(`${prefix}report.json`)).toString());
    expect(report).toMatchObject({
      schema: 'quality-report/v1',
      reportId,
      profile: 'baseline',
      period: { id: '2026-10', start: '2026-10-01', end: '2026-10-31', timezone: 'Asia/Shanghai' },
    });
    const whole = (id: string) => wholeFigure(report.indicators, id);
    const [low = 0, high = 0] = wilson95(16, 20) ?? [];
    expect(whole('survey.csat_pct')).toMatchObject({
      value: 80,
      n: 20,
      ci95: [roundHalfAwayFromZero(low, 1), roundHalfAwayFromZero(high, 1)],
      target: { op: '>=', value: 85 },
      compliant: false,
      suppressed: false,
    });
    // 10 first resolved in October, 8 within 15 days; the November two wait for November.
    expect(whole('complaints.resolved_within_15d_pct')).toMatchObject({ value: 80, n: 10 });
    // No subscriber counts for the period: no guess.
    expect(whole('complaints.per_million_subscribers')).toMatchObject({ value: null });
    expect(whole('complaints.per_million_subscribers')?.note).toMatch(/subscriber/i);
    const csv = (await download(`${prefix}indicators.csv`)).toString('utf8');
    expect(csv.startsWith('\uFEFFindicator,region,service,')).toBe(true);
    expect(csv).toContain('\r\nsurvey.csat_pct,*,*,');
  });

  it('shows the share of follow-up cases first contacted within 48 hours of the answer', async () => {
    const { prefix } = await build('baseline', '2026-10');

    const files = await downloadAll(prefix);
    const report = JSON.parse((files.get('report.json') ?? '').toString());
    // 8 of the 11 answered in October (Shanghai); the 00:30 1 November answer is November's.
    const [low = 0, high = 0] = wilson95(8, 11) ?? [];
    expect(
      wholeFigure(report.indicators, 'survey.detractor_followup_within_48h_pct'),
    ).toMatchObject({
      value: 72.7,
      n: 11,
      ci95: [roundHalfAwayFromZero(low, 1), roundHalfAwayFromZero(high, 1)],
      unit: '%',
      suppressed: false,
    });
    const november = JSON.parse(
      (await download(`${(await build('baseline', '2026-11')).prefix}report.json`)).toString(),
    );
    expect(
      wholeFigure(november.indicators, 'survey.detractor_followup_within_48h_pct'),
    ).toMatchObject({ n: 1, suppressed: true });
    // The extract carries the cases' times and groups under pseudonyms, nothing else of them;
    // September's and October's (in Shanghai), so not the November one.
    const cases = parseCsv(
      gunzipSync(files.get('extract/cases.csv.gz') ?? Buffer.alloc(0)).toString(),
    );
    expect(cases).toHaveLength(11);
    expect(cases.filter((row) => row.firstContactedAt === '')).toHaveLength(2);
    for (const row of cases) expect(row.case).toMatch(/^[0-9a-f]{32}$/);
    const methodology = (files.get('methodology.json') ?? '').toString();
    expect(methodology).toContain('survey.detractor_followup_within_48h_pct');
    expect(methodology).toContain('extract/cases.csv.gz');
  });

  it('gives the same report.json for the same data, apart from its id and time', async () => {
    const first = await build('baseline', '2026-10');
    const second = await build('baseline', '2026-10');

    const read = async (prefix: string) => {
      const {
        reportId: _id,
        generatedAt: _at,
        ...rest
      } = JSON.parse((await download(`${prefix}report.json`)).toString());
      return rest;
    };
    expect(second.reportId).not.toBe(first.reportId);
    expect(await read(second.prefix)).toEqual(await read(first.prefix));
  });

  it("lets an assessor recompute every figure of report.json from the report's extract alone", async () => {
    const quarter = await build('cn-miit', '2026-Q4');
    const month = await build('baseline', '2026-10');

    for (const { prefix } of [quarter, month]) {
      const files = await downloadAll(prefix);
      const { mismatches, recomputed } = recomputeReport(files);
      expect(mismatches).toEqual([]);
      expect(recomputed.indicators.length).toBeGreaterThan(10);
    }
    // By hand, from the rows: CSAT is the 4s and 5s over all answers of the month.
    const files = await downloadAll(month.prefix);
    const rows = (name: string) =>
      parseCsv(gunzipSync(files.get(name) ?? Buffer.alloc(0)).toString());
    const october = rows('extract/responses.csv.gz').filter((row) =>
      row.day?.startsWith('2026-10'),
    );
    const sum = (column: string) => october.reduce((total, row) => total + Number(row[column]), 0);
    expect(((sum('csat_4') + sum('csat_5')) / sum('responses')) * 100).toBe(80);
    // The Q4 report divided 12 complaints by November's 7.5 million subscribers.
    const quarterFiles = await downloadAll(quarter.prefix);
    const perMillion = wholeFigure(
      JSON.parse((quarterFiles.get('report.json') ?? '').toString()).indicators,
      'complaints.per_million_subscribers',
    );
    expect(perMillion?.value).toBe(1.6);
  });

  it('pseudonymises complaints per report and keeps no customer, identifier, phone or comment', async () => {
    const first = await downloadAll((await build('baseline', '2026-10')).prefix);
    const second = await downloadAll((await build('baseline', '2026-10')).prefix);

    const complaints = (files: Map<string, Buffer>) =>
      OCTOBER_WINDOW.flatMap((month) =>
        parseCsv(gunzipSync(files.get(complaintPartName(month)) ?? Buffer.alloc(0)).toString()),
      );
    const rows = complaints(first);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((row) => row.complaint)).size).toBe(12);
    // Four customers, each with three complaints: no figure needs to know, so no column says.
    for (const row of rows) {
      expect(row.complaint).toMatch(/^[0-9a-f]{32}$/);
      expect(Object.keys(row)).not.toContain('customer');
    }
    // Another build draws another key: no pseudonym is shared between reports.
    const again = new Set(complaints(second).map((row) => row.complaint));
    expect(rows.some((row) => again.has(row.complaint ?? ''))).toBe(false);
    const everything = [...first.entries()]
      .filter(([name]) => name.startsWith('extract/'))
      .map(([, body]) => gunzipSync(body).toString())
      .join('\n');
    expect(everything).not.toMatch(/report-test-/);
    expect(everything).not.toMatch(/\+?86\d{11}|phone|comment/i);
  });

  it('shows a changed extract: a recount that differs is reported, figure by figure', async () => {
    const files = await downloadAll((await build('baseline', '2026-10')).prefix);
    const responses = gunzipSync(files.get('extract/responses.csv.gz') ?? Buffer.alloc(0))
      .toString()
      // One satisfied answer fewer: 5s from 10 to 9 in the first shard's group.
      .replace(/(2026-10-05,BJ,mobile_data,store,web,20,2,0,2,6,)10,/, '$19,');
    files.set('extract/responses.csv.gz', gzipSync(responses));

    const { mismatches } = recomputeReport(files);

    expect(mismatches.length).toBeGreaterThan(0);
    const csat = mismatches.find((mismatch) => {
      const published = mismatch.published as { id: string; dimensions: object };
      return published.id === 'survey.csat_pct' && isWholeOperator(published);
    });
    // 15 satisfied of 19 answers, where the report published 16 of 20.
    expect(csat?.published).toMatchObject({ value: 80, n: 20 });
    expect(csat?.recomputed).toMatchObject({ value: 78.9, n: 19 });
  });

  it("draws report.html's trend from the earlier reports as they were published", async () => {
    await build('baseline', '2026-09');
    // A late September answer batch after September's report: 8 of 10 more satisfied.
    await putAggregate(
      aggregateShardItem('2026-09-21', 2, { responses: 10, csat_5: 8, csat_1: 2, nps_9: 10 }),
    );
    const { prefix } = await build('baseline', '2026-10');

    // September's data now give 15 of 20 (75%); the trend shows what its report published.
    const { labels, points } = csatTrendLabels(
      (await download(`${prefix}report.html`)).toString('utf8'),
    );
    expect(labels).toEqual(expect.arrayContaining(['2026-09', '70', '2026-10', '80']));
    expect(labels).not.toContain('75');
    expect(points).toBe(2);
  });

  it('keeps an earlier period in the trend however often later periods were rebuilt', async () => {
    const september = await build('baseline', '2026-09');
    const published = JSON.parse((await download(`${september.prefix}report.json`)).toString()) as {
      indicators: { id: string; value: number; dimensions: Record<string, string> }[];
    };
    const csat = wholeFigure(published.indicators, 'survey.csat_pct')?.value;
    // October rebuilt 150 times since (an operator rerunning it every few hours).
    const october = await build('baseline', '2026-10');
    const index = dynamoDbReportIndex(
      dynamodb,
      app.host('ReportBuilder').fn.environment.REPORTS_TABLE_NAME ?? '',
    );
    const entry = await index.get(october.reportId);
    if (!entry) throw new Error('the October report is not in the index');
    for (let n = 0; n < 150; n += 1) {
      await index.add({
        ...entry,
        reportId: `${october.reportId}-rerun-${String(n).padStart(3, '0')}`,
      });
    }

    // November's trend: September as its report published it, two periods back (the
    // previous period alone could fall back to the figures recomputed from the data).
    const { prefix } = await build('baseline', '2026-11');
    const { labels } = csatTrendLabels((await download(`${prefix}report.html`)).toString('utf8'));
    expect(labels).toEqual(expect.arrayContaining(['2026-09', String(csat), '2026-10']));
  });

  it("builds an operator's own profile, added as a JSON document at deployment", async () => {
    const { prefix } = await build('acme-board', '2026-10');

    const report = JSON.parse((await download(`${prefix}report.json`)).toString());
    expect(report.profile).toBe('acme-board');
    const whole = (id: string) => wholeFigure(report.indicators, id);
    // Its own targets: CSAT 80 misses its 90; 8 of 10 resolved in 15 days meets its 75.
    expect(whole('survey.csat_pct')).toMatchObject({ value: 80, compliant: false });
    expect(whole('complaints.resolved_within_15d_pct')).toMatchObject({
      value: 80,
      compliant: true,
    });
    expect(new Set(report.indicators.map((entry: { id: string }) => entry.id))).toEqual(
      new Set(['survey.csat_pct', 'complaints.resolved_within_15d_pct']),
    );
  });

  it('locks every file against change for the retention period', async () => {
    const { prefix } = await build('cn-miit', '2026-Q4');

    const key = `${prefix}report.json`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const deleting = s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: head.VersionId }),
    );

    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    const years =
      ((head.ObjectLockRetainUntilDate?.getTime() ?? 0) - Date.now()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(4.9);
    await expect(deleting).rejects.toThrow(/Access ?Denied/i);
    expect((await download(key)).length).toBeGreaterThan(0);
  });

  it('serves the public key that verifies the manifests, to anyone', async () => {
    const { prefix } = await build('baseline', '2026-10');
    const invocation = await app.host('SigningKey').invoke({
      version: '2.0',
      routeKey: 'GET /reports/signing-key',
      rawPath: '/reports/signing-key',
      rawQueryString: '',
      headers: {},
      requestContext: { http: { method: 'GET', path: '/reports/signing-key' } },
      isBase64Encoded: false,
    });

    const response = invocation.ok
      ? (invocation.result as { statusCode: number; headers: Record<string, string>; body: string })
      : undefined;
    expect(response?.statusCode).toBe(200);
    expect(response?.headers['content-type']).toBe('application/x-pem-file');
    expect(response?.body).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/,
    );
    const verification = verifyReport({
      manifest: await download(`${prefix}manifest.json`),
      signature: (await download(`${prefix}manifest.sig`)).toString(),
      publicKeyPem: response?.body ?? '',
      files: await downloadAll(prefix),
    });
    expect(verification.ok).toBe(true);
  });

  it('prints report.pdf in the PDF function before the manifest: A4, the figures and headings in its text, its CJK font embedded, signed', async () => {
    const { prefix, reportId } = await build('baseline', '2026-10');

    const files = await downloadAll(prefix);
    const pages = await readPdf(files.get('report.pdf') ?? Buffer.alloc(0));

    expect(app.host('ReportPdf').usage.invocations).toBeGreaterThan(0);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, index) => {
      expect([page.width, page.height].map(Math.round)).toEqual([596, 842]);
      expect(page.text).toContain(reportId);
      expect(page.text).toContain(`Page ${index + 1} of ${pages.length}`);
    });
    const text = pages.map((page) => page.text).join(' ');
    const report = JSON.parse((files.get('report.json') ?? '').toString()) as {
      indicators: (Figure & { ci95?: number[]; margin95?: number | null })[];
    };
    const figures = report.indicators
      .filter(isWholeOperator)
      .flatMap((entry) => [entry.value, ...(entry.ci95 ?? []), entry.margin95]);
    expect(figures.filter((figure) => typeof figure === 'number').length).toBeGreaterThan(3);
    for (const figure of figures)
      if (typeof figure === 'number') expect(text).toContain(String(figure));
    for (const heading of ['基础服务质量（月度）', '全网指标', '分地区', '方法说明'])
      expect(text).toContain(heading);
    expect(
      pages[0]?.fonts.some((font) => /^[A-Z]{6}\+NotoSansSC/.test(font.name) && font.embedded),
    ).toBe(true);
    const manifest = JSON.parse((files.get('manifest.json') ?? '').toString()) as {
      files: { name: string }[];
    };
    expect(manifest.files.map((file) => file.name)).toContain('report.pdf');
    const verification = verifyReport({
      manifest: files.get('manifest.json') ?? Buffer.alloc(0),
      signature: (files.get('manifest.sig') ?? '').toString(),
      publicKeyPem: (await publicKey()).export({ format: 'pem', type: 'spki' }).toString(),
      files,
    });
    expect(verification.files.find((file) => file.name === 'report.pdf')).toMatchObject({
      ok: true,
      checked: true,
    });
    expect(verification.ok).toBe(true);
  });

  it('refuses an unknown profile, and a period that does not fit the profile', async () => {
    const unknown = await app.host('ReportBuilder').invoke({ profile: 'nope', period: '2026-10' });
    const wrongKind = await app
      .host('ReportBuilder')
      .invoke({ profile: 'baseline', period: '2026-Q3' });

    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.error.errorType).toBe('UnknownProfileError');
    expect(!wrongKind.ok && wrongKind.error.errorType).toBe('InvalidPeriodError');
  });
});
