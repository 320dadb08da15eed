import { fileURLToPath } from 'node:url';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { chromiumReportPdfPrinter } from '#shared/adapters/chromium/report-pdf-printer.ts';
import { logger } from '#shared/powertools/logger.ts';
import { ReportPdfRequestSchema } from '#shared/reports/report-pdf.ts';

/**
 * Chromium's brotli files and the Noto Sans SC faces travel beside this bundle (infra
 * copies them from their npm packages); Chromium is inflated into /tmp at the first print.
 */
const printer = chromiumReportPdfPrinter({
  chromiumDirectory: fileURLToPath(new URL('./chromium/', import.meta.url)),
  fontDirectory: fileURLToPath(new URL('./noto-sans-sc/', import.meta.url)),
});

/**
 * Prints a report's report.html to report.pdf for the report builder, which invokes it
 * before making the manifest: `{reportId, html}` in, `{pdf}` (base64) out.
 */
export const handler = middy<unknown>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const { reportId, html } = ReportPdfRequestSchema.parse(event);
    const started = performance.now();
    const pdf = await printer.render(Buffer.from(html), reportId);
    logger.info('report printed', {
      reportId,
      bytes: pdf.length,
      ms: Math.round(performance.now() - started),
    });
    return { pdf: pdf.toString('base64') };
  });
