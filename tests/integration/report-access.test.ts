import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbReportRunLog } from '#shared/adapters/dynamodb/report-runs.ts';
import { REPORT_ID_PATTERN } from '#shared/domain/report-id.ts';
import { lastCompletePeriod } from '#shared/indicators/periods.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';
import { startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;
let reportId: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const built = await sandbox.app
    .host('ReportBuilder')
    .invoke({ profile: 'baseline', period: '2026-10' });
  if (!built.ok) throw new Error(built.error.errorMessage);
  reportId = (built.result as { reportId: string }).reportId;
});

afterAll(async () => {
  await sandbox?.stop();
});

const as = (group: 'regulators' | 'assessors' | 'admins' | undefined, path: string) =>
  fetch(`${sandbox.outputs.apiUrl}${path}`, {
    redirect: 'manual',
    headers: group ? { authorization: `Bearer ${sandbox.outputs.users[group]?.idToken}` } : {},
  });

/** The run log, read straight from the emulator as the portal's admin page reads it. */
const runLog = () =>
  dynamoDbReportRunLog(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
    sandbox.app.host('ReportsApi').fn.environment.REPORTS_TABLE_NAME ?? '',
  );

const subjectOf = (group: 'regulators' | 'assessors' | 'admins') =>
  JSON.parse(
    Buffer.from(sandbox.outputs.users[group]?.idToken.split('.')[1] ?? '', 'base64url').toString(),
  ).sub as string;

describe('regulator and assessor access to reports', () => {
  it('lists reports newest first to people, and to no one else', async () => {
    const anonymous = await as(undefined, '/reports');
    const listed = await as('regulators', '/reports?profile=baseline&period=2026-10');
    const otherPeriod = await as('regulators', '/reports?period=2026-09');

    expect(anonymous.status).toBe(401);
    expect(listed.status).toBe(200);
    const { reports } = (await listed.json()) as {
      reports: { reportId: string; files: string[] }[];
    };
    expect(reports[0]).toMatchObject({ reportId, profile: 'baseline', period: '2026-10' });
    expect(reports[0]?.files).toEqual(
      expect.arrayContaining(['manifest.json', 'manifest.sig', 'report.json']),
    );
    expect(((await otherPeriod.json()) as { reports: unknown[] }).reports).toEqual([]);
  });

  it('downloads through a five-minute presigned link, and the download verifies', async () => {
    const manifestResponse = await as('regulators', `/reports/${reportId}`);
    const { manifest, signature } = (await manifestResponse.json()) as {
      manifest: { files: { name: string; sha256: string }[] };
      signature: string;
    };
    const files = new Map<string, Buffer>();
    for (const { name } of manifest.files) {
      const group = name.startsWith('extract/') ? 'assessors' : 'regulators';
      const redirect = await as(group, `/reports/${reportId}/files/${name}`);
      expect(redirect.status).toBe(302);
      const location = new URL(redirect.headers.get('location') ?? '');
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const download = await fetch(location);
      expect(download.status).toBe(200);
      // Saved under the report's id, except the page a browser shows.
      expect(download.headers.get('content-disposition')).toBe(
        name === 'report.html'
          ? null
          : `attachment; filename="${reportId}_${name.replaceAll('/', '_')}"`,
      );
      files.set(name, Buffer.from(await download.arrayBuffer()));
    }
    const key = await (await fetch(`${sandbox.outputs.apiUrl}/reports/signing-key`)).text();
    const manifestBytes = Buffer.from(
      await (
        await fetch(
          (
            await as('regulators', `/reports/${reportId}/files/manifest.json`)
          ).headers.get('location') ?? '',
        )
      ).arrayBuffer(),
    );

    expect(verifyReport({ manifest: manifestBytes, signature, publicKeyPem: key, files }).ok).toBe(
      true,
    );
  });

  it('pins a download link to the file version the report was built with', async () => {
    // Prepare: another version of report.json written under the report's key afterwards
    // (the bucket's governance-mode lock outside prod keeps old versions, not the key).
    const s3 = new S3Client({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
      forcePathStyle: true,
    });
    const summary = (await (await as('regulators', `/reports/${reportId}`)).json()) as {
      manifest: { files: { name: string; sha256: string }[] };
    };
    const signed = summary.manifest.files.find((file) => file.name === 'report.json');
    const link = new URL(
      (await as('regulators', `/reports/${reportId}/files/report.json`)).headers.get('location') ??
        '',
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: sandbox.app.host('ReportsApi').fn.environment.REPORTS_BUCKET_NAME,
        Key: decodeURIComponent(link.pathname.split('/').slice(2).join('/')),
        Body: '{"schema":"not the signed report"}',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    s3.destroy();

    // Act
    const later = new URL(
      (await as('regulators', `/reports/${reportId}/files/report.json`)).headers.get('location') ??
        '',
    );
    const download = Buffer.from(await (await fetch(later)).arrayBuffer());

    // Assess
    expect(later.searchParams.get('versionId')).toBeTruthy();
    expect(createHash('sha256').update(download).digest('hex')).toBe(signed?.sha256);
  });

  it('refuses a download link once its five minutes are over', async () => {
    const link = (await as('regulators', `/reports/${reportId}/files/report.json`)).headers.get(
      'location',
    );
    const inTime = await fetch(link ?? '');

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 301_000 });
    let late: Response;
    try {
      late = await fetch(link ?? '');
    } finally {
      vi.useRealTimers();
    }

    expect(inTime.status).toBe(200);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('<Message>Request has expired</Message>');
  });

  it('keeps extracts from regulators, and answers 404 for what does not exist', async () => {
    const regulator = await as('regulators', `/reports/${reportId}/files/extract/responses.csv.gz`);
    const assessor = await as('assessors', `/reports/${reportId}/files/extract/responses.csv.gz`);
    const unknownReport = await as(
      'regulators',
      '/reports/20990101T000000Z-00000000/files/report.json',
    );

    expect(regulator.status).toBe(403);
    expect(regulator.headers.get('content-type')).toBe('application/problem+json');
    expect(assessor.status).toBe(302);
    const extract = await fetch(assessor.headers.get('location') ?? '');
    expect(extract.status).toBe(200);
    expect(gunzipSync(Buffer.from(await extract.arrayBuffer())).toString()).toMatch(
      /^day,region,service,touchpoint,channel,responses,/,
    );
    expect(unknownReport.status).toBe(404);
  });

  it('writes every download to the audit log: who, what, when', async () => {
    const before = Date.now();
    await as('assessors', `/reports/${reportId}/files/indicators.csv`);

    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: sandbox.app.directEndpoint,
        region: sandbox.outputs.region,
        credentials: emulatorCredentials,
      }),
    );
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: sandbox.app.host('ReportsApi').fn.environment.REPORTS_TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `AUDIT#${new Date().toISOString().slice(0, 10)}` },
      }),
    );
    documents.destroy();
    const entry = Items.find(
      (item) => item.file === 'indicators.csv' && item.subject === subjectOf('assessors'),
    );
    expect(entry).toMatchObject({ reportId, groups: ['assessors'] });
    expect(Date.parse(String(entry?.at))).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(Items)).not.toContain('@sandbox.local');
  });

  it("runs a report on an admin's request, through the run queue, and lists it", async () => {
    const post = (group: 'regulators' | 'admins', body: unknown) =>
      fetch(`${sandbox.outputs.apiUrl}/reports/runs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sandbox.outputs.users[group]?.idToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });

    const regulator = await post('regulators', { profile: 'uk-ofcom', period: '2026-Q3' });
    const invalid = await post('admins', { profile: 'uk-ofcom', period: '2026-09' });
    const unknown = await post('admins', { profile: 'ofcom', period: '2026-Q3' });
    // Before the deployment's first month (cdk.json: 2026-01), and not yet complete.
    const tooEarly = await post('admins', { profile: 'uk-ofcom', period: '1970-Q1' });
    const tooLate = await post('admins', { profile: 'uk-ofcom', period: '9999-Q4' });
    const accepted = await post('admins', { profile: 'uk-ofcom', period: '2026-Q3' });

    expect(regulator.status).toBe(403);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe(
      '/period',
    );
    expect(((await unknown.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe(
      '/profile',
    );
    for (const refused of [tooEarly, tooLate]) {
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        type: 'urn:telecom-service-quality:problem:validation',
        errors: [{ pointer: '/period' }],
      });
    }
    expect(accepted.status).toBe(202);
    const { runId } = (await accepted.json()) as { runId: string };
    expect(runId).toMatch(REPORT_ID_PATTERN);
    let reports: { reportId: string; profile: string; period: string }[] = [];
    for (let attempt = 0; attempt < 100 && reports.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      reports = (
        (await (await as('admins', '/reports?profile=uk-ofcom')).json()) as {
          reports: typeof reports;
        }
      ).reports;
    }
    expect(reports).toEqual([expect.objectContaining({ profile: 'uk-ofcom', period: '2026-Q3' })]);
    // The run log says who asked, and which report the run published.
    await vi.waitFor(
      async () => {
        const run = (await runLog().recent(50)).find((entry) => entry.runId === runId);
        expect(run).toMatchObject({
          profile: 'uk-ofcom',
          period: '2026-Q3',
          requestedBy: subjectOf('admins'),
          reportId: reports[0]?.reportId,
          failures: 0,
        });
      },
      { timeout: 10_000, interval: 200 },
    );
    // Refused requests were never logged as runs.
    const logged = await runLog().recent(50);
    expect(
      logged.filter((entry) => entry.profile === 'ofcom' || entry.period === '2026-09'),
    ).toEqual([]);
  });

  it('fires the report schedules at their time, and the reports follow', async () => {
    // 03:00 on 1 October in Shanghai: the monthly and the quarterly schedules are due,
    // the operator's own monthly profile's (tests/fixtures/profiles) among them.
    const fired = await sandbox.schedules.tick(new Date('2026-09-30T19:00:00Z'));
    const again = await sandbox.schedules.tick(new Date('2026-09-30T19:00:30Z'));

    // The reminders' schedule (every five minutes) fires too; it names no profile.
    const reportRuns = fired.filter((schedule) => JSON.parse(schedule.input).profile);
    expect(reportRuns.map((schedule) => JSON.parse(schedule.input).profile).sort()).toEqual([
      'acme-board',
      'baseline',
      'cn-miit',
      'in-trai',
      'uk-ofcom',
    ]);
    expect(again).toEqual([]);
    // "previous" is resolved when the run is built: the last quarter complete by now. Five
    // reports build at once through the sandbox's one DynamoDB lane: up to two minutes.
    const quarter = lastCompletePeriod('quarter', new Date(), 'Asia/Shanghai').id;
    let reports: { profile: string; period: string }[] = [];
    for (let attempt = 0; attempt < 600; attempt += 1) {
      reports = (
        (await (await as('admins', `/reports?profile=cn-miit&period=${quarter}`)).json()) as {
          reports: typeof reports;
        }
      ).reports;
      if (reports.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(reports).toEqual([expect.objectContaining({ profile: 'cn-miit', period: quarter })]);
    // A scheduled run is logged too, once however often its message is delivered.
    await vi.waitFor(
      async () => {
        const runs = (await runLog().recent(100)).filter(
          (entry) => entry.profile === 'cn-miit' && entry.period === quarter,
        );
        expect(runs).toEqual([
          expect.objectContaining({ reportId: expect.stringMatching(REPORT_ID_PATTERN) }),
        ]);
        expect(runs[0]?.requestedBy).toBeUndefined();
      },
      { timeout: 10_000, interval: 200 },
    );
  }, 240_000);
});
