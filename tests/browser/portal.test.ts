import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import chromium from '@sparticuz/chromium';
import {
  type Browser,
  type BrowserContext,
  type Page,
  chromium as playwright,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { dynamoDbReportRunLog } from '#shared/adapters/dynamodb/report-runs.ts';
import { cookieHash } from '#shared/domain/portal-session.ts';
import { sessionKeys } from '#shared/tables/sessions.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import { totp } from '../support/totp.ts';

let sandbox: Sandbox;
let browser: Browser;
let reportId: string;
let dynamodb: DynamoDBClient;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const built = await sandbox.app
    .host('ReportBuilder')
    .invoke({ profile: 'baseline', period: '2026-10' });
  if (!built.ok) throw new Error(built.error.errorMessage);
  reportId = (built.result as { reportId: string }).reportId;
  dynamodb = new DynamoDBClient({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  // A real headless Chromium, shipped inside its npm package: nothing is downloaded.
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((arg) => arg !== '--single-process'),
    headless: true,
  });
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  dynamodb?.destroy();
  await sandbox?.stop();
});

type Seeded = 'regulators' | 'assessors' | 'admins';
const portal = (path = '') => `${sandbox.outputs.portalUrl}${path}`;
const person = (group: Seeded) => {
  const user = sandbox.outputs.users[group];
  if (!user) throw new Error(`no seeded ${group}`);
  return user;
};
const subjectOf = (group: Seeded) =>
  JSON.parse(Buffer.from(person(group).idToken.split('.')[1] ?? '', 'base64url').toString())
    .sub as string;
const table = (variable: string) => sandbox.app.host('Portal').fn.environment[variable] ?? '';

/** A desktop browser of its own (cookies and all), in English. */
async function newBrowserPage(): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en',
    acceptDownloads: true,
  });
  contexts.push(context);
  return context.newPage();
}

/** The front page, its sign-in button, then the stand-in login's password and code pages. */
async function signIn(page: Page, email: string, password: string, totpKey: string) {
  await page.goto(portal());
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await enterCode(page, totpKey, 'Continue');
}

/**
 * Types the authenticator's code and submits it, as a person would, again with the next
 * code when the 30-second step turned before the emulator checked it (it takes the
 * current step alone); answers once the portal's reports page is reached.
 */
async function enterCode(page: Page, totpKey: string, button: string) {
  for (let attempt = 1; ; attempt += 1) {
    await page.getByLabel('Code').fill(totp(totpKey));
    await page.getByRole('button', { name: button }).click();
    await page.waitForLoadState();
    const refused = page.getByRole('alert');
    const settled = () => undefined;
    await Promise.race([
      page.waitForURL(portal('/reports')).catch(settled),
      refused.waitFor().catch(settled),
    ]);
    if (page.url() === portal('/reports')) return;
    if (attempt === 3) throw new Error(`the code was refused: ${await refused.textContent()}`);
  }
}

const signInAs = async (group: Seeded) => {
  const page = await newBrowserPage();
  const { username, password, totpKey } = person(group);
  await signIn(page, username, password, totpKey);
  return page;
};

/**
 * Clicks a file's link and answers the bytes the browser received: a download, or (the
 * presigned link is on another origin, where `download` does not hold) the file shown.
 */
async function download(page: Page, href: string): Promise<Buffer> {
  const never = new Promise<Buffer>(() => undefined);
  const downloaded = page
    .waitForEvent('download')
    .then(async (file) => readFile(await file.path()))
    .catch(() => never);
  const shown = page
    .waitForResponse((response) => response.url().startsWith(sandbox.outputs.endpoint))
    .then((response) => (response.status() === 200 ? response.body() : never))
    .catch(() => never);
  await page.click(`a[href="${href}"]`);
  return Promise.race([downloaded, shown]);
}

const fileHref = (name: string) => `/portal/reports/${reportId}/files/${name}`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Downloads recorded in the audit log (read straight from the emulator) since `since`. */
async function auditedSince(since: Date) {
  const downloads = await dynamoDbReportIndex(
    dynamodb,
    table('REPORTS_TABLE_NAME'),
  ).recentDownloads(new Date(), 1, 500);
  return downloads.filter((entry) => entry.at.getTime() >= since.getTime() - 1000);
}

describe('the portal in a browser', () => {
  it('lets a regulator sign in with password and TOTP, and download report.json as the manifest lists it, but no extract', async () => {
    // Prepare
    const started = new Date();
    const page = await signInAs('regulators');

    // Act
    await page
      .getByRole('link', { name: /baseline · 2026-10/ })
      .first()
      .click();
    await page.waitForURL(portal(`/reports/${reportId}`));
    const listedSha = await page
      .getByRole('row', { name: /^report\.json/ })
      .locator('code')
      .textContent();
    const reportJson = await download(page, fileHref('report.json'));
    const extractLinks = await page.locator('a[href*="/files/extract/"]').count();
    const forced = await page.goto(portal(`/reports/${reportId}/files/extract/responses.csv.gz`));

    // Assess
    expect(listedSha).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256(reportJson)).toBe(listedSha);
    expect(JSON.parse(reportJson.toString('utf8'))).toMatchObject({ reportId });
    expect(extractLinks).toBe(0);
    expect(forced?.status()).toBe(403);
    expect(forced?.request().redirectedFrom()).toBeNull();
    expect(page.url()).toBe(portal(`/reports/${reportId}/files/extract/responses.csv.gz`));
    const audited = (await auditedSince(started)).filter(
      (entry) => entry.subject === subjectOf('regulators'),
    );
    expect(audited.map((entry) => entry.file)).toEqual(['report.json']);
  });

  it("lets an assessor download an extract, and shows both downloads on the admin's audit log", async () => {
    // Prepare: the regulator's download, through the API with their ID token.
    const regulatorDownload = await fetch(
      `${sandbox.outputs.apiUrl}/reports/${reportId}/files/indicators.csv`,
      { redirect: 'manual', headers: { authorization: `Bearer ${person('regulators').idToken}` } },
    );
    expect(regulatorDownload.status).toBe(302);
    const assessor = await signInAs('assessors');

    // Act
    await assessor.goto(portal(`/reports/${reportId}`));
    const extract = await download(assessor, fileHref('extract/responses.csv.gz'));
    const admin = await signInAs('admins');
    await admin.getByRole('link', { name: 'Download audit', exact: true }).click();

    // Assess
    expect(gunzipSync(extract).toString('utf8').split('\n')[0]).toMatch(/,/);
    const rows = admin.getByRole('row');
    await expect
      .poll(() =>
        rows
          .filter({ hasText: 'assessors@sandbox.local' })
          .filter({ hasText: 'extract/responses.csv.gz' })
          .count(),
      )
      .toBeGreaterThan(0);
    expect(
      await rows
        .filter({ hasText: 'regulators@sandbox.local' })
        .filter({ hasText: 'indicators.csv' })
        .count(),
    ).toBeGreaterThan(0);
    expect(await rows.filter({ hasText: subjectOf('assessors') }).count()).toBeGreaterThan(0);
  });

  it('lets an admin upload subscriber counts from a CSV file, run a report, and find it listed once built', async () => {
    // Prepare
    const admin = await signInAs('admins');
    await admin.goto(portal('/admin'));

    // Act
    await admin.locator('#subscribers-period').fill('2026-06');
    await admin.locator('#subscribers-file').setInputFiles({
      name: 'subscribers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'region,service,subscribers\nGD-SZ,mobile_data,2000000\nBJ,fixed_broadband,750000\n',
      ),
    });
    await admin.getByRole('button', { name: 'Upload' }).click();
    const uploadedNotice = await admin.locator('.notice').textContent();
    await admin.locator('#run-profile').selectOption('uk-ofcom');
    await admin.locator('#run-period').fill('2026-Q2');
    await admin.getByRole('button', { name: 'Run it' }).click();
    const runNotice = await admin.locator('.notice').textContent();

    // Assess
    expect(uploadedNotice).toContain('2026-06 (2)');
    expect(runNotice).toMatch(/\d{8}T\d{6}Z-[0-9a-f]{12}/);
    await vi.waitFor(
      async () => {
        await admin.goto(portal('/reports?profile=uk-ofcom&period=2026-Q2'));
        expect(await admin.getByRole('link', { name: 'uk-ofcom · 2026-Q2' }).count()).toBe(1);
      },
      { timeout: 60_000, interval: 1_000 },
    );
  });

  it('lets an admin invite a person, who signs in after choosing a password and setting up TOTP', async () => {
    // Prepare
    const email = `invitee-${randomUUID().slice(0, 8)}@example.org`;
    const admin = await signInAs('admins');
    await admin.goto(portal('/admin'));

    // Act
    await admin.locator('#invite-email').fill(email);
    await admin.locator('#invite-group').selectOption('regulators');
    await admin.getByRole('button', { name: 'Invite' }).click();
    const mail = sandbox.app.proxy.mailbox.find((message) => message.to === email);
    const invitee = await newBrowserPage();
    await invitee.goto(portal());
    await invitee.getByRole('link', { name: 'Sign in' }).click();
    await invitee.getByLabel('E-mail address').fill(email);
    await invitee.getByLabel('Password').fill(mail?.temporaryPassword ?? '');
    await invitee.getByRole('button', { name: 'Sign in' }).click();
    await invitee.getByLabel('New password').fill(`Chosen-${randomUUID()}-Aa1!`);
    await invitee.getByRole('button', { name: 'Set password' }).click();
    const key = (await invitee.locator('[data-totp-key]').textContent()) ?? '';
    const uri = await invitee.locator('[data-totp-uri]').textContent();
    await enterCode(invitee, key, 'Verify');

    // Assess
    expect(mail?.temporaryPassword).toBeTruthy();
    expect(uri).toContain(`secret=${key.toUpperCase()}`);
    await expect.poll(() => invitee.locator('.who').textContent()).toContain(email);
    expect(await invitee.getByRole('link', { name: /baseline · 2026-10/ }).count()).toBeGreaterThan(
      0,
    );
  });
});

describe('the portal refuses', () => {
  it('shows the sign-in page after sign-out, also through the Back button', async () => {
    // Prepare
    const page = await signInAs('regulators');
    await page.goto(portal(`/reports/${reportId}`));

    // Act
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click(); // the login's own confirmation
    await page.waitForURL(portal('/signed-out'));
    for (let back = 0; back < 3 && page.url() !== portal(); back += 1) {
      await page.goBack();
      await page.waitForLoadState();
    }

    // Assess
    expect(page.url()).toBe(portal());
    expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    expect(await page.locator('.who').count()).toBe(0);
  });

  it('an expired session cookie and a forged one', async () => {
    // Prepare
    const page = await signInAs('assessors');
    const context = page.context();
    const session = (await context.cookies()).find(
      (cookie) => cookie.name === '__Host-tsq-session',
    );
    const idle = new Date(Date.now() - 31 * 60_000).toISOString();
    await DynamoDBDocumentClient.from(dynamodb).send(
      new UpdateCommand({
        TableName: table('SESSIONS_TABLE_NAME'),
        Key: sessionKeys.session(cookieHash(session?.value ?? '')),
        UpdateExpression: 'SET lastSeenAt = :idle',
        ExpressionAttributeValues: { ':idle': idle },
      }),
    );
    const forged = await newBrowserPage();
    await forged.context().addCookies([
      {
        name: '__Host-tsq-session',
        value: 'forged-session-value-that-no-session-has',
        domain: '127.0.0.1',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      },
    ]);
    const sent: string[] = [];
    forged.on('request', async (request) => {
      sent.push((await request.allHeaders()).cookie ?? '');
    });

    // Act
    await page.goto(portal('/reports'));
    await forged.goto(portal('/reports'));

    // Assess
    expect(session).toBeDefined();
    expect(sent[0]).toContain('__Host-tsq-session=forged-session-value-that-no-session-has');
    for (const refused of [page, forged]) {
      expect(refused.url()).toBe(portal());
      expect(await refused.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    }
  });

  it('a form posted without its CSRF token, and queues nothing', async () => {
    // Prepare
    const admin = await signInAs('admins');

    // Act
    const posted = await admin.context().request.post(portal('/admin/runs'), {
      form: { profile: 'in-trai', period: '2025-Q1' },
      maxRedirects: 0,
    });

    // Assess
    expect(posted.status()).toBe(403);
    expect(await posted.text()).toContain('urn:telecom-service-quality:problem:csrf');
    const runs = await dynamoDbReportRunLog(dynamodb, table('REPORTS_TABLE_NAME')).recent(100);
    expect(runs.filter((run) => run.profile === 'in-trai' && run.period === '2025-Q1')).toEqual([]);
  });

  it('a callback replayed with its state and code, in the same browser or another', async () => {
    // Prepare: a sign-in whose callback URL is noted on its way.
    const page = await newBrowserPage();
    let callback = '';
    page.on('request', (request) => {
      if (request.url().startsWith(portal('/callback'))) callback = request.url();
    });
    const { username, password, totpKey } = person('regulators');
    await signIn(page, username, password, totpKey);
    const other = await newBrowserPage();

    // Act
    const replayed = await page.goto(callback);
    const elsewhere = await other.goto(callback);

    // Assess
    expect(callback).toContain('state=');
    expect(replayed?.status()).toBe(400);
    expect(elsewhere?.status()).toBe(400);
    expect(await other.locator('.who').count()).toBe(0);
    expect(await elsewhere?.text()).toContain('urn:telecom-service-quality:problem:sign-in-failed');
  });
});
