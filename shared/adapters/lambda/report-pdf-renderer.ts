import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  MAX_PDF_PAYLOAD_BYTES,
  ReportPdfAnswerSchema,
  ReportPdfError,
} from '../../reports/report-pdf.ts';
import type { ReportPdfRenderer } from '../../use-cases/build-report.ts';

/**
 * The report builder's PDF step: invokes the PDF function (headless Chromium, in a
 * function of its own with the memory Chromium needs) with report.html and waits for the
 * PDF, so that the manifest lists it and the signature covers it.
 */
export function lambdaReportPdfRenderer(
  client: LambdaClient,
  functionName: string,
): ReportPdfRenderer {
  return {
    async render(html, reportId) {
      const request = Buffer.from(JSON.stringify({ reportId, html: html.toString('utf8') }));
      if (request.length > MAX_PDF_PAYLOAD_BYTES) {
        throw new ReportPdfError(
          `report.html of ${request.length} bytes is over Lambda's synchronous payload`,
        );
      }
      const answer = await client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: request }),
      );
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      if (answer.FunctionError) {
        const { errorType, errorMessage } = JSON.parse(text || '{}') as {
          errorType?: string;
          errorMessage?: string;
        };
        throw new ReportPdfError(`the PDF function failed: ${errorType}: ${errorMessage}`);
      }
      const pdf = Buffer.from(ReportPdfAnswerSchema.parse(JSON.parse(text)).pdf, 'base64');
      if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
        throw new ReportPdfError('the PDF function did not answer a PDF');
      }
      return pdf;
    },
  };
}
