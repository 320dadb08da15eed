import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumReportPdfPrinter } from '#shared/adapters/chromium/report-pdf-printer.ts';
import { buildIndicators, type IndicatorResult } from '#shared/indicators/build-indicators.ts';
import { isWholeOperator, type ResponseAggregateRow } from '#shared/indicators/catalogue.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { renderReportJson } from '#shared/reports/report-files.ts';
import { renderReportHtml } from '#shared/reports/report-html.ts';
import { readPdf } from '../support/pdf-reader.ts';

// report.pdf as the PDF function prints it: the same printer, on the Chromium and the Noto
// Sans SC of the npm packages that the function's bundle carries.
const printer = chromiumReportPdfPrinter({
  fontDirectory: dirname(
    createRequire(import.meta.url).resolve('@fontsource/noto-sans-sc/400.css'),
  ),
});

afterAll(async () => {
  await printer.close();
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

const reportId = '20261101T030000Z-0123456789ab';
const profile = BUILT_IN_PROFILES.baseline;
const built = buildIndicators({
  profile,
  period: '2026-10',
  inputs: { responses, invitations: [] },
});
const meta = {
  reportId,
  operator: 'Example Telecom',
  generatedAt: '2026-11-01T03:00:00.000Z',
  edition: 1,
  codeVersion: '0.1.0',
  dataWatermark: '{}',
};
const html = renderReportHtml(built, profile, meta, [
  { period: '2026-09', values: { 'survey.csat_pct': 83.1, 'survey.nps': 9 } },
  { period: '2026-10', values: { 'survey.csat_pct': 74.4, 'survey.nps': 11.1 } },
]);
const reportJson = JSON.parse(renderReportJson(built, profile, meta)) as {
  indicators: (IndicatorResult & Parameters<typeof isWholeOperator>[0])[];
};

/** A4 in PDF points (210 × 297 mm); Chromium rounds to whole CSS pixels. */
const A4 = { width: 595.28, height: 841.89 };

describe('report.pdf printed by headless Chromium', () => {
  it('prints report.html on A4 pages, each with the report id and its page number', async () => {
    const pdf = await printer.render(Buffer.from(html), reportId);

    const pages = await readPdf(pdf);

    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, index) => {
      expect(page.width).toBeCloseTo(A4.width, -0.2);
      expect(page.height).toBeCloseTo(A4.height, -0.2);
      expect(page.text).toContain(reportId);
      expect(page.text).toContain(`Page ${index + 1} of ${pages.length}`);
    });
  });

  it('holds every whole-operator figure of report.json and the Chinese and English headings in its text, in an embedded CJK subset font', async () => {
    const pdf = await printer.render(Buffer.from(html), reportId);

    const pages = await readPdf(pdf);

    const text = pages
      .map((page) => page.text)
      .join(' ')
      .replace(/\s+/g, ' ');
    const figures = reportJson.indicators
      .filter(isWholeOperator)
      .flatMap((entry) => [entry.value, ...(entry.ci95 ?? []), entry.margin95])
      .filter((figure): figure is number => typeof figure === 'number');
    expect(figures.length).toBeGreaterThan(3);
    for (const figure of figures) expect(text).toContain(String(figure));
    for (const heading of [
      profile.name['zh-CN'],
      '全网指标',
      '趋势',
      '分地区',
      '抑制说明',
      '方法说明',
      '客户满意度（CSAT）',
    ])
      expect(text).toContain(heading);
    for (const heading of [profile.name.en, 'Whole operator', 'By region', 'Methodology'])
      expect(text).toContain(heading);
    // The Chinese pages draw with Noto Sans SC, embedded as a subset (a six-letter tag).
    const chineseFonts = pages[0]?.fonts.filter((font) => /^[A-Z]{6}\+NotoSansSC/.test(font.name));
    expect(chineseFonts?.length).toBeGreaterThan(0);
    expect(chineseFonts?.every((font) => font.embedded)).toBe(true);
  });
});
