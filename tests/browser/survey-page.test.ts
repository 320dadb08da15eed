import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import { type Browser, chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { postInvitation, startTestSandbox } from '../support/sandbox.ts';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
let sandbox: Sandbox;
let browser: Browser;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // A real headless Chromium, shipped inside its npm package: nothing is downloaded.
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    // --single-process (for Lambda) ends the browser with its first page; a test opens many.
    args: chromium.args.filter((arg) => arg !== '--single-process'),
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function surveyUrlFor(locale: 'zh-CN' | 'en') {
  return (await postInvitation(sandbox, { locale, region: 'GD-GZ', service: 'mobile_data' })).json
    .surveyUrl;
}

/** A phone-sized page; axe is injected by the test tool, so the page's CSP is bypassed. */
async function phonePage(locale: string) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale,
    bypassCSP: true,
  });
  return { context, page: await context.newPage() };
}

describe.each([
  ['zh-CN', '您对本次营业厅服务的满意程度如何？', '提交', '感谢您的反馈'],
  [
    'en',
    'How satisfied are you with your visit to our store?',
    'Submit',
    'Thank you for your feedback',
  ],
] as const)('the survey page in %s on a phone', (locale, question, submit, thanks) => {
  it('passes axe with no serious violation, and fits the screen', async () => {
    const { context, page } = await phonePage(locale);
    try {
      await page.goto(await surveyUrlFor(locale));
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () => {
        type Axe = { run: () => Promise<{ violations: { id: string; impact: string }[] }> };
        const result = await (globalThis as unknown as { axe: Axe }).axe.run();
        return result.violations.map(({ id, impact }) => ({ id, impact }));
      });
      type Page = { document: { documentElement: { scrollWidth: number } } };
      const width = await page.evaluate(
        () => (globalThis as unknown as Page).document.documentElement.scrollWidth,
      );

      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
        [],
      );
      expect(width).toBeLessThanOrEqual(390);
      expect(await page.getAttribute('html', 'lang')).toBe(locale);
    } finally {
      await context.close();
    }
  });

  it('is filled in by touch and thanks the customer, without JavaScript on the page', async () => {
    const { context, page } = await phonePage(locale);
    try {
      await page.goto(await surveyUrlFor(locale));
      await expect(page.getByRole('group', { name: question }).isVisible()).resolves.toBe(true);
      await page.getByRole('group', { name: question }).getByText('5', { exact: true }).tap();
      await page.locator('#nps').getByText('9', { exact: true }).tap();
      await page.getByRole('textbox').fill(locale === 'en' ? 'Helpful staff.' : '店员很热情');
      await page.getByRole('button', { name: submit }).tap();
      await page.waitForURL(/submitted=1$/);

      expect(await page.locator('h1').textContent()).toBe(thanks);
      expect(await page.locator('script').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
