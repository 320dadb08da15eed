import { createPublicKey } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import { recomputeReport } from '#shared/reports/report-extract.ts';
import type { ReportChanges } from '#shared/reports/restatement.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';
import type { RestatementOutcome } from '#shared/use-cases/restate-reports.ts';
import { aggregateShardItem } from '../support/aggregates.ts';
import {
  complaintCountersCaughtUp,
  complaintStatesOfWindow,
} from '../support/complaint-counters.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import { complaintEvent, signedWebhookRequest } from '../support/webhooks.ts';

// A published September, then data that arrives late: the daily restatement check (fired
// by its schedule, as the scheduler would) publishes September's second edition when a
// figure changed, and nothing when none did.

let sandbox: Sandbox;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let bucket: string;
let firstEdition: { reportId: string; prefix: string };
let firstFiles: Map<string, Buffer>;

const env = (name: string) => sandbox.app.host('ReportBuilder').fn.environment[name] ?? '';

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const clientConfig = {
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  dynamodb = new DynamoDBClient(clientConfig);
  bucket = env('REPORTS_BUCKET_NAME');
  await seedSeptember();
  const built = await sandbox.app
    .host('ReportBuilder')
    .invoke({ profile: 'baseline', period: '2026-09' });
  if (!built.ok) throw new Error(built.error.errorMessage);
  firstEdition = built.result as { reportId: string; prefix: string };
  firstFiles = await downloadAll(firstEdition.prefix);
});

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await sandbox?.stop();
});

const complaintBase = (n: number) => ({
  complaintId: `restate-test-${n}`,
  customerRef: `restate-test-customer-${n}`,
  region: 'BJ',
  service: 'mobile_data' as const,
});

/** Sends complaint events through the intake and waits until the processor folded them. */
async function sendComplaintEvents(
  events: ComplaintEvent[],
  until: (states: ComplaintState[]) => boolean,
) {
  const secret = sandbox.app.complaintSourceSecrets().crm ?? '';
  const accepted = await sandbox.app
    .host('ComplaintIntake')
    .invoke(signedWebhookRequest({ secret, body: { events } }));
  expect(accepted.ok && (accepted.result as { statusCode: number }).statusCode).toBe(202);
  const inputs = dynamoDbReportInputs({
    client: dynamodb,
    aggregatesTable: env('AGGREGATES_TABLE_NAME'),
    complaintsTable: env('COMPLAINTS_TABLE_NAME'),
    surveysTable: env('SURVEYS_TABLE_NAME'),
  });
  await vi.waitFor(
    async () => {
      const states = await complaintStatesOfWindow(inputs, ['2026-09']);
      expect(until(states)).toBe(true);
    },
    { timeout: 20_000, interval: 200 },
  );
  // The figures read the complaint counters, which the aggregator keeps from the stream.
  await complaintCountersCaughtUp(inputs, env('REPORTING_TIME_ZONE'), '2026-09');
}

/** One aggregate shard item, written as the aggregator writes it. */
async function putAggregate(day: string, shard: number, counts: Record<string, number>) {
  await DynamoDBDocumentClient.from(dynamodb).send(
    new PutCommand({
      TableName: env('AGGREGATES_TABLE_NAME'),
      Item: aggregateShardItem(day, shard, counts),
    }),
  );
}

/**
 * September 2026 in Shanghai: 10 web answers, 7 satisfied (CSAT 70 %), and three
 * complaints created and resolved within three days.
 */
async function seedSeptember() {
  await putAggregate('2026-09-20', 1, { responses: 10, csat_5: 7, csat_2: 3, nps_9: 10 });
  const events = [0, 1, 2].flatMap((n) => {
    const created = `2026-09-${String(2 + n).padStart(2, '0')}T10:00:00+08:00`;
    return [
      complaintEvent({ ...complaintBase(n), type: 'created', occurredAt: created }),
      complaintEvent({
        ...complaintBase(n),
        type: 'resolved',
        occurredAt: new Date(Date.parse(created) + 3 * 86_400_000).toISOString(),
      }),
    ];
  });
  await sendComplaintEvents(events, (states) => states.length === 3);
}

async function download(key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await Body?.transformToByteArray()) ?? []);
}

async function downloadAll(prefix: string): Promise<Map<string, Buffer>> {
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  const files = new Map<string, Buffer>();
  for (const { Key = '' } of Contents) files.set(Key.slice(prefix.length), await download(Key));
  return files;
}

interface Listed {
  reportId: string;
  period: string;
  edition: number;
  supersedes?: string;
  supersededBy?: string;
}

/** GET /reports as a regulator. */
async function listSeptember(query = ''): Promise<Listed[]> {
  const response = await fetch(
    `${sandbox.outputs.apiUrl}/reports?profile=baseline&period=2026-09${query}`,
    { headers: { authorization: `Bearer ${sandbox.outputs.users.regulators?.idToken}` } },
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { reports: Listed[] }).reports;
}

/** The daily check, invoked as the builder takes it, as if its schedule fired at `at`. */
async function checkNow(at = '2026-10-04T20:00:00Z'): Promise<RestatementOutcome[]> {
  const invocation = await sandbox.app
    .host('ReportBuilder')
    .invoke({ check: 'restatements', scheduledTime: at });
  if (!invocation.ok) throw new Error(invocation.error.errorMessage);
  return invocation.result as RestatementOutcome[];
}

async function publicKeyPem() {
  const kms = new KMSClient({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: env('SIGNING_KEY_ID') }));
  kms.destroy();
  return createPublicKey({ key: Buffer.from(PublicKey ?? []), format: 'der', type: 'spki' })
    .export({ format: 'pem', type: 'spki' })
    .toString();
}

describe('the daily restatement check', () => {
  it('publishes nothing for a late complaint event that changes no published figure', async () => {
    // An acknowledgement of a September complaint, sent in December: no baseline figure
    // reads acknowledgements.
    await sendComplaintEvents(
      [
        complaintEvent({
          ...complaintBase(0),
          type: 'acknowledged',
          occurredAt: '2026-09-02T11:00:00+08:00',
        }),
      ],
      (states) => states.some((state) => state.eventCount === 3),
    );

    const outcomes = await checkNow();

    expect(outcomes).toEqual([
      {
        profile: 'baseline',
        period: '2026-09',
        reportId: firstEdition.reportId,
        outcome: 'unchanged',
      },
    ]);
    expect((await listSeptember('&editions=all')).map((report) => report.reportId)).toEqual([
      firstEdition.reportId,
    ]);
  });

  it("publishes edition 2 when a late answer changes September's CSAT, fired by its schedule", async () => {
    // One dissatisfied answer for 21 September arrives after September's report: 7 of 11.
    await putAggregate('2026-09-21', 4, { responses: 1, csat_1: 1, nps_0: 1 });
    const schedule = sandbox.schedules.all.find((entry) => entry.input.includes('restatements'));
    // 04:00 on 5 October in Shanghai, the day's check: September is the last complete month.
    const fired = await sandbox.schedules.tick(new Date('2026-10-04T20:00:00Z'));

    expect(fired).toContain(schedule);
    let listed: Listed[] = [];
    await vi.waitFor(
      async () => {
        listed = await listSeptember();
        expect(listed).toEqual([
          expect.objectContaining({ edition: 2, supersedes: firstEdition.reportId }),
        ]);
      },
      { timeout: 90_000, interval: 250 },
    );
    const all = await listSeptember('&editions=all');
    expect(all).toEqual([
      expect.objectContaining({ reportId: listed[0]?.reportId, edition: 2 }),
      expect.objectContaining({
        reportId: firstEdition.reportId,
        edition: 1,
        supersededBy: listed[0]?.reportId,
      }),
    ]);

    const second = await downloadAll(`reports/baseline/2026-09/${listed[0]?.reportId}/`);
    const changes = JSON.parse(second.get('changes.json')?.toString() ?? '{}') as ReportChanges;
    expect(changes).toMatchObject({
      schema: 'quality-report-changes/v1',
      reportId: listed[0]?.reportId,
      profile: 'baseline',
      period: '2026-09',
      edition: 2,
      supersedes: firstEdition.reportId,
      inputs: { current: { period: '2026-09', responses: { published: 10, now: 11 } } },
    });
    const csat = changes.figures.find(
      (change) =>
        change.indicator === 'survey.csat_pct' &&
        isWholeOperator({ dimensions: change.dimensions }),
    );
    expect(csat).toMatchObject({
      fields: expect.arrayContaining(['value', 'ci95']),
      old: { value: 70, n: 10 },
      new: { value: 63.6, n: 11 },
      because: { lateResponses: 1 },
    });
    const report = JSON.parse(second.get('report.json')?.toString() ?? '{}');
    expect(report).toMatchObject({
      schema: 'quality-report/v1',
      edition: 2,
      supersedes: firstEdition.reportId,
    });
    const manifest = JSON.parse(second.get('manifest.json')?.toString() ?? '{}');
    // The edition has its own changes and its own printed edition, both signed.
    expect(manifest.files.map((file: { name: string }) => file.name)).toEqual(
      expect.arrayContaining(['changes.json', 'report.pdf']),
    );
    expect(second.get('report.pdf')?.subarray(0, 5).toString()).toBe('%PDF-');
    // The same change, in report.html's "Restated" section, in both languages.
    const html = second.get('report.html')?.toString() ?? '';
    expect(html).toContain('<h2>Restated</h2>');
    expect(html).toContain('<h2>更正说明</h2>');
    expect(html).toMatch(
      /Customer satisfaction \(CSAT\)<\/th><td>[^<]*<\/td><td>value<\/td><td>70<\/td><td>63\.6<\/td><td>1 late responses/,
    );
    // The edition verifies, and an assessor recomputes its figures from its extract.
    const key = await publicKeyPem();
    expect(
      verifyReport({
        manifest: second.get('manifest.json') ?? Buffer.alloc(0),
        signature: second.get('manifest.sig')?.toString() ?? '',
        publicKeyPem: key,
        files: second,
      }).ok,
    ).toBe(true);
    expect(recomputeReport(second).mismatches).toEqual([]);
    // The audience is told of the restatement: edition 2, by e-mail, with no figure in it.
    const editionId = listed[0]?.reportId ?? '';
    let notices: { subject: string; body: string }[] = [];
    await vi.waitFor(
      async () => {
        const data = (await (
          await fetch(`${sandbox.app.directEndpoint}/moto-api/data.json`)
        ).json()) as { ses?: { Message?: { subject: string; body: string }[] } };
        notices = (data.ses?.Message ?? []).filter((email) => email.body.includes(editionId));
        expect(notices.length).toBeGreaterThan(0);
      },
      { timeout: 90_000, interval: 250 },
    );
    for (const notice of notices) {
      expect(`${notice.subject}\n${notice.body}`).toMatch(/edition 2/i);
      expect(notice.body).not.toContain('63.6');
    }
  }, 240_000);

  it('leaves the first edition byte for byte as it was, and it still verifies', async () => {
    const now = await downloadAll(firstEdition.prefix);

    expect([...now.keys()].sort()).toEqual([...firstFiles.keys()].sort());
    for (const [name, bytes] of firstFiles) expect(now.get(name)?.equals(bytes), name).toBe(true);
    expect(
      verifyReport({
        manifest: now.get('manifest.json') ?? Buffer.alloc(0),
        signature: now.get('manifest.sig')?.toString() ?? '',
        publicKeyPem: await publicKeyPem(),
        files: now,
      }).ok,
    ).toBe(true);
    expect(JSON.parse(now.get('report.json')?.toString() ?? '{}').edition).toBe(1);
  });

  it('publishes nothing on a second check with no new data', async () => {
    const before = await listSeptember('&editions=all');

    const outcomes = await checkNow('2026-10-05T20:00:00Z');

    expect(outcomes).toEqual([
      expect.objectContaining({
        period: '2026-09',
        outcome: 'unchanged',
        reportId: before[0]?.reportId,
      }),
    ]);
    expect(await listSeptember('&editions=all')).toEqual(before);
  });

  it('refuses an editions filter it does not know', async () => {
    const response = await fetch(`${sandbox.outputs.apiUrl}/reports?editions=some`, {
      headers: { authorization: `Bearer ${sandbox.outputs.users.regulators?.idToken}` },
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [expect.objectContaining({ pointer: '/editions' })],
    });
  });
});
