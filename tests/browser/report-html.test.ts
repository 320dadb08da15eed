import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import { type Browser, chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndicators } from '#shared/indicators/build-indicators.ts';
import type { ResponseAggregateRow } from '#shared/indicators/catalogue.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { renderReportHtml } from '#shared/reports/report-html.ts';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
let browser: Browser;

beforeAll(async () => {
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((arg) => arg !== '--single-process'),
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
});

/** Three regions' answers in October: enough responses in each for a published cell. */
const responses: ResponseAggregateRow[] = [
  ['GD-SZ', { responses: 40, csat_5: 30, csat_2: 10, nps_10: 25, nps_3: 15 }],
  ['BJ', { responses: 30, csat_4: 27, csat_1: 3, nps_9: 20, nps_8: 10 }],
  ['SH', { responses: 20, csat_5: 10, csat_3: 10, nps_6: 20 }],
].map(([region, counts]) => ({
  day: '2026-10-12',
  region: region as string,
  service: 'mobile_data',
  touchpoint: 'store',
  channel: 'web',
  counts: counts as Record<string, number>,
}));

const html = renderReportHtml(
  buildIndicators({
    profile: BUILT_IN_PROFILES.baseline,
    period: '2026-10',
    inputs: { responses, invitations: [] },
  }),
  BUILT_IN_PROFILES.baseline,
  {
    reportId: '20261101T030000Z-0123456789ab',
    operator: 'Example Telecom',
    generatedAt: '2026-11-01T03:00:00.000Z',
    codeVersion: '0.1.0',
    dataWatermark: '{}',
    edition: 1,
  },
  // Three earlier periods as published (August without a CSAT figure), then October.
  [
    { period: '2026-07', values: { 'survey.csat_pct': 71.5, 'survey.nps': 2 } },
    { period: '2026-08', values: { 'survey.csat_pct': null, 'survey.nps': 5.5 } },
    { period: '2026-09', values: { 'survey.csat_pct': 83.1, 'survey.nps': 9 } },
    { period: '2026-10', values: { 'survey.csat_pct': 74.4, 'survey.nps': 11.1 } },
  ],
);

describe('report.html in Chromium', () => {
  it.each([
    ['zh-CN', '客户满意度（CSAT）', '分地区', '趋势'],
    ['en', 'Customer satisfaction (CSAT)', 'By region', 'Trend'],
  ] as const)(
    'shows the %s report with its charts, styled under its own CSP',
    async (language, csat, byRegion, trendTitle) => {
      const page = await browser.newPage({ viewport: { width: 1024, height: 1400 } });
      const violations: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') violations.push(message.text());
      });
      try {
        await page.setContent(html);
        const article = page.locator(`article[lang="${language}"]`);

        await expect(article.locator('h2', { hasText: byRegion }).isVisible()).resolves.toBe(true);
        await expect(article.locator('th', { hasText: csat }).first().isVisible()).resolves.toBe(
          true,
        );
        // One bar per region in the CSAT chart, coloured by the page's style (CSP allowed it).
        const chart = article.locator(`svg[aria-label^="${csat}"]`);
        await expect(chart.locator('rect').count()).resolves.toBe(3);
        // The trend: a line through the three periods with a figure, every period labelled.
        const trend = article.locator(`svg[aria-label="${csat} · ${trendTitle}"]`);
        await expect(trend.locator('circle').count()).resolves.toBe(3);
        await expect(trend.locator('polyline').getAttribute('points')).resolves.toMatch(
          /^(\S+,\S+ ){2}\S+,\S+$/,
        );
        await expect(trend.locator('text').allTextContents()).resolves.toEqual(
          expect.arrayContaining(['2026-07', '2026-08', '2026-09', '2026-10', '71.5', '74.4']),
        );
        const fill = await chart
          .locator('rect')
          .first()
          .evaluate(
            (rect) =>
              (
                globalThis as unknown as { getComputedStyle(element: unknown): { fill: string } }
              ).getComputedStyle(rect).fill,
          );
        expect(fill).not.toBe('rgb(0, 0, 0)');
        expect(violations).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it('passes axe with no serious or critical violation', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.setContent(html);
      await page.addScriptTag({ content: axeSource });
      const results = await page.evaluate(async () => {
        const axe = (
          globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }
        ).axe;
        const { violations } = await axe.run();
        return (violations as { id: string; impact: string }[]).map(({ id, impact }) => ({
          id,
          impact,
        }));
      });
      expect(
        results.filter((violation) => ['serious', 'critical'].includes(violation.impact)),
      ).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
