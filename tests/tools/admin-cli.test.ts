import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import {
  type ComplaintState,
  foldComplaintEvents,
  reportingMonthsOf,
} from '#shared/domain/complaint-lifecycle.ts';
import { AGGREGATED_ATTRIBUTE, complaintKeys } from '#shared/tables/complaints.ts';
import {
  complaintStatesOfWindow,
  expectedComplaintCounters,
  storedComplaintCounters,
} from '../support/complaint-counters.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import { freshTotp, totp } from '../support/totp.ts';
import { complaintEvent } from '../support/webhooks.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.stop();
});

/** `npm run admin -- …` as an operator's engineer runs it, against this test's sandbox. */
async function admin(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      'node_modules/.bin/tsx',
      ['admin/admin.ts', ...args],
      { env: { ...process.env, SANDBOX_DIR: sandbox.directory }, encoding: 'utf8' },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const get = (path: string, token: string) =>
  fetch(`${sandbox.outputs.apiUrl}${path}`, {
    redirect: 'manual',
    headers: { authorization: `Bearer ${token}` },
  });

describe('npm run admin', () => {
  it('adds an assessor who can then sign in and read the reports', async () => {
    const added = await admin('add-user', 'assessors', 'auditor@example.org');
    const password = /password: (\S+)/.exec(added.stdout)?.[1] ?? '';
    const token = await admin('token', 'auditor@example.org', '--password', password);
    const wrong = await admin('token', 'auditor@example.org', '--password', `${password}x`);

    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added auditor@example.org to assessors');
    expect(token.code).toBe(0);
    const idToken = token.stdout.trim();
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString());
    expect(claims['cognito:groups']).toEqual(['assessors']);
    expect((await get('/reports', idToken)).status).toBe(200);
    expect(wrong.code).not.toBe(0);
  });

  it('runs a report through the API, waits for it, and recomputes its download', async () => {
    const run = await admin('run', 'baseline', '2026-10', '--wait', '60');

    expect(run.code).toBe(0);
    const reportId = /Report (\S+) \(2026-10\) is in GET \/reports/.exec(run.stdout)?.[1] ?? '';
    expect(reportId).not.toBe('');
    const assessor = (await admin('token', 'assessors')).stdout.trim();
    const { files } = (await (await get(`/reports/${reportId}`, assessor)).json()) as {
      files: string[];
    };
    const directory = mkdtempSync(join(tmpdir(), 'admin-report-'));
    for (const name of files) {
      const link = (await get(`/reports/${reportId}/files/${name}`, assessor)).headers.get(
        'location',
      );
      mkdirSync(dirname(join(directory, name)), { recursive: true });
      writeFileSync(
        join(directory, name),
        Buffer.from(await (await fetch(link ?? '')).arrayBuffer()),
      );
    }
    const key = join(mkdtempSync(join(tmpdir(), 'admin-key-')), 'signing-key.pem');
    writeFileSync(key, await (await fetch(`${sandbox.outputs.apiUrl}/reports/signing-key`)).text());
    const verified = await admin('verify', '--key', key, directory);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('The report verifies.');
    const recomputed = await admin('recompute', directory);
    expect(recomputed.code).toBe(0);
    expect(recomputed.stdout).toMatch(/All \d+ figures and \d+ rankings recomputed/);

    // October's complaint part, one of a part per month of the window.
    expect(files).toContain('extract/complaints/2026-10.csv.gz');
    expect(files.filter((name) => name.startsWith('extract/complaints/'))).toHaveLength(14);
    // An extract that says one more complaint than the report counted.
    const complaints = join(directory, 'extract/complaints/2026-10.csv.gz');
    const rows = gunzipSync(readFileSync(complaints)).toString();
    // Written by the extract's own header, so the row fits whatever columns it has.
    const extraRow: Record<string, string> = {
      complaint: 'f'.repeat(32),
      kind: 'complaint',
      category: 'billing',
      region: 'BJ',
      service: 'mobile_data',
      via: 'direct',
      status: 'open',
      createdAt: '2026-10-10T02:00:00.000Z',
      lastEventAt: '2026-10-10T02:00:00.000Z',
    };
    const [header = ''] = rows.split(/\r?\n/);
    const extra = `${header
      .split(',')
      .map((column) => extraRow[column] ?? '')
      .join(',')}\r\n`;
    writeFileSync(complaints, gzipSync(rows + extra));
    const changed = await admin('recompute', directory);
    const tampered = await admin('verify', directory, '--key', key);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/extract\/complaints\/2026-10\.csv\.gz\s+FAILS: /);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/indicators\[\d+\] DIFFERS/);
    expect(changed.stdout).toMatch(/NOT what the extract gives/);
  });

  it('signs a person in by SRP, sets up their authenticator, then asks for its code', async () => {
    const added = await admin('add-user', 'regulators', 'inspector@example.org');
    const password = /password: (\S+)/.exec(added.stdout)?.[1] ?? '';

    // First sign-in: the CLI prints the authenticator key and asks for a code from it.
    const first = spawn(
      'node_modules/.bin/tsx',
      ['admin/admin.ts', 'sign-in', 'inspector@example.org', '--password', password],
      { env: { ...process.env, SANDBOX_DIR: sandbox.directory } },
    );
    let stdout = '';
    let stderr = '';
    first.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    let key = '';
    first.stderr.on('data', (chunk) => {
      stderr += chunk;
      const secret = /secret=([A-Za-z2-7]+)/.exec(stderr)?.[1];
      if (secret && !key) {
        key = secret;
        void freshTotp(key).then((fresh) => first.stdin.write(`${fresh}\n`));
      }
    });
    const [code] = (await once(first, 'close')) as [number];
    const later = await admin(
      'sign-in',
      'inspector@example.org',
      '--password',
      password,
      '--code',
      await freshTotp(key),
    );
    const wrongCode = await admin(
      'sign-in',
      'inspector@example.org',
      '--password',
      password,
      '--code',
      String((Number(totp(key)) + 1) % 1_000_000).padStart(6, '0'),
    );

    expect(code).toBe(0);
    expect(stderr).toContain('otpauth://totp/');
    const claims = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims(stdout.trim())).toMatchObject({
      email: 'inspector@example.org',
      'cognito:groups': ['regulators'],
    });
    expect(later.code).toBe(0);
    expect((await get('/reports', later.stdout.trim())).status).toBe(200);
    expect(wrongCode.code).not.toBe(0);
    expect(wrongCode.stderr).toMatch(/code mismatch/i);
  });

  it('carries complaint states from before the stream into the complaint aggregates, once', async () => {
    // Prepare: states as the processor wrote them before the complaints table had its
    // stream (no `aggregated`): the aggregator is told of them, and counts nothing.
    const { app } = sandbox;
    const tableName = app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME ?? '';
    const aggregatesTable =
      app.host('ComplaintAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '';
    const timeZone = app.host('ComplaintAggregator').fn.environment.REPORTING_TIME_ZONE ?? '';
    const documents = emulatorDocuments();
    const region = 'BF-OLD';
    const states = Array.from({ length: 30 }, (_, n) => oldState(region, n));
    for (const state of states) {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: complaintKeys.pk('crm', state.complaintId),
            sk: complaintKeys.stateSk,
            entity: 'complaint',
            source: 'crm',
            ...state,
            ...reportingMonthsOf(state, timeZone),
            version: state.eventCount,
            updatedAt: state.lastEventAt,
          },
        }),
      );
    }
    await app.drain('ComplaintAggregator');
    const before = await storedComplaintCounters(documents, aggregatesTable, region);

    // Act
    const backfill = await admin('backfill-complaint-aggregates', '--segments', '3');
    const expected = expectedComplaintCounters(states, timeZone);
    const counted = await settled(
      () => storedComplaintCounters(documents, aggregatesTable, region),
      expected,
    );
    const again = await admin('backfill-complaint-aggregates');
    await app.drain('ComplaintAggregator');

    // Assess: nothing before; after, every state's contribution once, and again nothing more.
    expect(before).toEqual({});
    expect(backfill.code).toBe(0);
    expect(backfill.stdout).toMatch(/^\d+ complaint states marked/);
    expect(Number(/^(\d+)/.exec(backfill.stdout)?.[1])).toBeGreaterThanOrEqual(30);
    expect(counted).toEqual(expected);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 complaint states marked');
    expect(await storedComplaintCounters(documents, aggregatesTable, region)).toEqual(expected);
  });

  it('moves complaint states from the bare month onto their shards, counting nothing again', async () => {
    // Prepare: counted states as the processor wrote them before the month indexes had
    // shards (the bare `YYYY-MM`), and their counters, as the aggregator keeps them.
    const { app } = sandbox;
    const tableName = app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME ?? '';
    const environment = app.host('ReportBuilder').fn.environment;
    const timeZone = environment.REPORTING_TIME_ZONE ?? '';
    const aggregatesTable = environment.AGGREGATES_TABLE_NAME ?? '';
    const client = emulatorClient();
    const documents = DynamoDBDocumentClient.from(client);
    const region = 'RS-OLD';
    const states = Array.from({ length: 12 }, (_, n) => ({
      source: 'crm',
      ...oldState(region, n),
    }));
    for (const state of states) {
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
    const expected = expectedComplaintCounters(states, timeZone);
    const counted = await settled(
      () => storedComplaintCounters(documents, aggregatesTable, region),
      expected,
    );
    const inputs = dynamoDbReportInputs({
      client,
      aggregatesTable,
      complaintsTable: tableName,
      surveysTable: environment.SURVEYS_TABLE_NAME ?? '',
    });
    const months = ['2026-08', '2026-09', '2026-10', '2026-11'];
    // The window's states, in complaint order (the parts order them by time, and the ties of
    // a page in a pseudonym's order).
    const read = async () =>
      (await complaintStatesOfWindow(inputs, months))
        .filter((state) => state.region === region)
        .sort((a, b) => (a.complaintId < b.complaintId ? -1 : 1));
    const before = await read();
    const stored = async () =>
      Promise.all(
        states.map(
          async (state) =>
            (
              await documents.send(
                new GetCommand({
                  TableName: tableName,
                  Key: {
                    pk: complaintKeys.pk('crm', state.complaintId),
                    sk: complaintKeys.stateSk,
                  },
                }),
              )
            ).Item,
        ),
      );

    // Act
    const reshard = await admin('reshard-complaints', '--segments', '3');
    await app.drain('ComplaintAggregator');
    const moved = await stored();
    const again = await admin('reshard-complaints');
    await app.drain('ComplaintAggregator');

    // Assess: every state on its shard of its months, nothing else of it changed; the
    // reader gives the same states; the counters are what they were; a second run moves
    // nothing.
    expect(counted).toEqual(expected);
    expect(reshard.code).toBe(0);
    expect(
      Number(/^(\d+) complaint states moved/.exec(reshard.stdout)?.[1]),
    ).toBeGreaterThanOrEqual(12);
    moved.forEach((item, n) => {
      const state = states[n] as ComplaintState;
      const pk = complaintKeys.pk('crm', state.complaintId);
      expect(item).toMatchObject({
        ...state,
        ...complaintKeys.monthIndexAttributes(reportingMonthsOf(state, timeZone), pk),
        [AGGREGATED_ATTRIBUTE]: true,
        version: state.eventCount,
      });
      expect(String(item?.createdMonth)).toMatch(/^2026-08#\d+$/);
    });
    expect(before).toHaveLength(12);
    expect(await read()).toEqual(before);
    expect(await storedComplaintCounters(documents, aggregatesTable, region)).toEqual(expected);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 complaint states moved');
    expect(again.stdout).toContain('Nothing to move');
    expect(await stored()).toEqual(moved);
  });

  it('refuses an unknown group and says what the commands are', async () => {
    const refused = await admin('add-user', 'owners', 'someone@example.org');

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('npm run admin -- add-user <regulators|assessors|admins>');
  });
});

/** A client of this test's sandbox's emulator. */
function emulatorClient() {
  return new DynamoDBClient({
    endpoint: sandbox.outputs.endpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
}

/** A document client of this test's sandbox's emulator. */
function emulatorDocuments() {
  return DynamoDBDocumentClient.from(emulatorClient());
}

/**
 * The state of complaint `n` of a region, as its events fold: created in August 2026,
 * resolved within days (every fourth still open, every fifth reopened after it).
 */
function oldState(region: string, n: number): ComplaintState {
  const base = { complaintId: `${region}-${n}`, region, service: 'fixed_broadband' as const };
  const created = Date.parse('2026-08-03T02:00:00Z') + n * 7_200_123;
  const at = (ms: number) => new Date(created + ms).toISOString();
  const events = [complaintEvent({ ...base, type: 'created', occurredAt: at(0) })];
  if (n % 4 !== 3) {
    events.push(complaintEvent({ ...base, type: 'resolved', occurredAt: at(n * 86_400_000) }));
  }
  if (n % 5 === 4) {
    events.push(complaintEvent({ ...base, type: 'reopened', occurredAt: at(40 * 86_400_000) }));
  }
  return foldComplaintEvents(events);
}

/** What `read` answers once it equals `expected`, or after 60 s, whatever it is then. */
async function settled<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (isDeepStrictEqual(value, expected) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
