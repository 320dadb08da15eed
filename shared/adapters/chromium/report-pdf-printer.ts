import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';
import {
  fontFacesFor,
  fontFacesOf,
  PAGE,
  PRINT_STYLE,
  pageTemplates,
  ReportPdfError,
} from '../../reports/report-pdf.ts';
import type { ReportPdfRenderer } from '../../use-cases/build-report.ts';

/** Where the printer finds Chromium and the CJK font. */
export interface ChromiumPrinterOptions {
  /**
   * The directory of @sparticuz/chromium's brotli files (chromium.br, fonts, libraries);
   * the npm package's own `bin/` when absent. Inflated once into /tmp.
   */
  chromiumDirectory?: string;
  /**
   * A Fontsource package directory of Noto Sans SC: its `400.css` and `700.css` and their
   * `files/*.woff2`.
   */
  fontDirectory: string;
}

/**
 * Prints report.html to an A4 PDF in headless Chromium (@sparticuz/chromium, driven by
 * puppeteer-core): the page as stored, its CSP bypassed only to lay the print style and
 * the embedded Noto Sans SC faces over it, the report id and page numbers in the margins.
 * The browser stays up between invocations of a warm execution environment.
 */
export function chromiumReportPdfPrinter(
  options: ChromiumPrinterOptions,
): ReportPdfRenderer & { close(): Promise<void> } {
  const faces = ['400', '700'].flatMap((weight) =>
    fontFacesOf(readFileSync(join(options.fontDirectory, `${weight}.css`), 'utf8')),
  );
  const readFont = (file: string) => readFileSync(join(options.fontDirectory, 'files', file));
  let browser: Promise<Browser> | undefined;
  const launch = async () =>
    puppeteer.launch({
      executablePath: await chromium.executablePath(options.chromiumDirectory),
      args: chromium.args,
      headless: 'shell',
    });
  const open = () => {
    browser ??= launch().catch((error: unknown) => {
      browser = undefined;
      throw error;
    });
    return browser;
  };
  return {
    async render(html, reportId) {
      let current = await open();
      if (!current.connected) {
        browser = undefined;
        current = await open();
      }
      const text = html.toString('utf8');
      const page = await current.newPage();
      try {
        // The page's CSP allows its one style by hash; the print style and fonts are ours.
        await page.setBypassCSP(true);
        await page.setContent(text, { waitUntil: 'load' });
        await page.addStyleTag({
          content: `${fontFacesFor(text, faces, readFont)}\n${PRINT_STYLE}`,
        });
        await page.evaluate(async () => {
          await (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } })
            .document.fonts.ready;
        });
        const pdf = Buffer.from(
          await page.pdf({
            ...PAGE,
            printBackground: true,
            displayHeaderFooter: true,
            ...pageTemplates(reportId),
          }),
        );
        if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
          throw new ReportPdfError('Chromium did not answer a PDF');
        }
        return pdf;
      } finally {
        await page.close();
      }
    },
    async close() {
      const current = await browser?.catch(() => undefined);
      browser = undefined;
      await current?.close();
    },
  };
}
