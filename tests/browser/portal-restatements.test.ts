import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import chromium from '@sparticuz/chromium';
import { type Browser, chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import type { RestatementOutcome } from '#shared/use-cases/restate-reports.ts';
import { aggregateShardItem } from '../support/aggregates.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import { totp } from '../support/totp.ts';

// A regulator in a real Chromium, after September was restated: the reports list shows
// the current edition with its "restated" badge, and its page the period's editions.

let sandbox: Sandbox;
let browser: Browser;
let first: string;
let second: string;

const env = (name: string) => sandbox.app.host('ReportBuilder').fn.environment[name] ?? '';

async function putAggregate(day: string, shard: number, counts: Record<string, number>) {
  const client = new DynamoDBClient({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  await DynamoDBDocumentClient.from(client).send(
    new PutCommand({
      TableName: env('AGGREGATES_TABLE_NAME'),
      Item: aggregateShardItem(day, shard, counts),
    }),
  );
  client.destroy();
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // September: 7 of 10 satisfied; its report; then one late dissatisfied answer and the check.
  await putAggregate('2026-09-20', 1, { responses: 10, csat_5: 7, csat_2: 3, nps_9: 10 });
  const built = await sandbox.app
    .host('ReportBuilder')
    .invoke({ profile: 'baseline', period: '2026-09' });
  if (!built.ok) throw new Error(built.error.errorMessage);
  first = (built.result as { reportId: string }).reportId;
  await putAggregate('2026-09-21', 4, { responses: 1, csat_1: 1, nps_0: 1 });
  const checked = await sandbox.app
    .host('ReportBuilder')
    .invoke({ check: 'restatements', scheduledTime: '2026-10-04T20:00:00Z' });
  if (!checked.ok) throw new Error(checked.error.errorMessage);
  const [outcome] = checked.result as RestatementOutcome[];
  if (outcome?.outcome !== 'restated') throw new Error('September was not restated');
  second = outcome.published.reportId;
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((arg) => arg !== '--single-process'),
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

const portal = (path = '') => `${sandbox.outputs.portalUrl}${path}`;

/** A regulator signed in through the front page, the stand-in login and their code. */
async function signedInRegulator() {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en',
  });
  const page = await context.newPage();
  const user = sandbox.outputs.users.regulators;
  if (!user) throw new Error('no seeded regulator');
  await page.goto(portal());
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('E-mail address').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  for (let attempt = 1; page.url() !== portal('/reports'); attempt += 1) {
    // The 30-second step can turn before the login checks the code: then the next one.
    await page.getByLabel('Code').fill(totp(user.totpKey));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState();
    await page.waitForURL(portal('/reports'), { timeout: 5_000 }).catch(() => undefined);
    if (attempt === 3 && page.url() !== portal('/reports')) throw new Error('code refused');
  }
  return { page, context };
}

describe('restated reports in the portal', () => {
  it('lists the current edition of September with a "restated" badge, and not the first', async () => {
    const { page, context } = await signedInRegulator();

    await page.goto(portal('/reports?profile=baseline&period=2026-09'));

    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain(second);
    await expect(rows.first().locator('.badge').textContent()).resolves.toBe(
      'restated · Edition 2',
    );
    await expect(page.getByText(first).count()).resolves.toBe(0);
    await context.close();
  });

  it("shows the editions' history on each edition's page, current and superseded", async () => {
    const { page, context } = await signedInRegulator();

    await page.goto(portal(`/reports/${second}`));
    const history = page.getByRole('table', { name: 'Editions' });
    const current = (await history.locator('tbody tr').allTextContents()).map((row) => row.trim());

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
      'restated · Edition 2',
    );
    expect(current).toEqual([
      expect.stringMatching(new RegExp(`^2${second}.*current$`)),
      expect.stringMatching(new RegExp(`^1${first}.*superseded$`)),
    ]);
    // The first edition's page says it was superseded, and links to the current one.
    await history.getByRole('link', { name: first }).click();
    await page.waitForURL(portal(`/reports/${first}`));
    await expect(page.locator('p.summary').textContent()).resolves.toContain(
      'A restatement superseded this edition',
    );
    await page.locator('p.summary').getByRole('link', { name: second }).click();
    await page.waitForURL(portal(`/reports/${second}`));
    await context.close();
  });
});
