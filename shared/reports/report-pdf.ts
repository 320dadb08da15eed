import { z } from 'zod';
import { REPORT_ID_PATTERN } from '../domain/report-id.ts';

/**
 * What the PDF printer is asked: report.html exactly as the report stores it, and the
 * report id it prints on every page. Any edition's report.html prints the same way.
 */
export const ReportPdfRequestSchema = z.object({
  reportId: z.string().regex(REPORT_ID_PATTERN),
  html: z.string().min(1),
});
export type ReportPdfRequest = z.infer<typeof ReportPdfRequestSchema>;

/** What the printer answers: report.pdf's bytes, base64. */
export const ReportPdfAnswerSchema = z.object({ pdf: z.string().min(1) });

/**
 * Lambda takes at most 6 MB of request and of answer (synchronous invocation); the answer
 * is base64 (4/3 of the PDF's bytes). report.html and report.pdf are a few hundred KB.
 */
export const MAX_PDF_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The PDF could not be made: the printer failed, or its answer was not a PDF. */
export class ReportPdfError extends Error {
  override name = 'ReportPdfError';
}

/**
 * The print layout laid over report.html: A4 with room for the running header and footer,
 * each language from a new page, no navigation, charts and table rows kept whole, and Noto
 * Sans SC for all text (Lambda's Chromium has no CJK font; the faces are embedded, and the
 * PDF carries only the glyphs used).
 */
export const PRINT_STYLE = `@page{size:A4;margin:18mm 14mm 16mm}
body{font-family:"Noto Sans SC",sans-serif;max-width:none;padding:0}
nav{display:none}article+article{break-before:page;border-top:none;margin-top:0}
figure,tr,h2,h3{break-inside:avoid}h2,h3{break-after:avoid}`;

/** Page geometry that matches PRINT_STYLE's margins, for the browser's print call. */
export const PAGE = {
  format: 'A4',
  margin: { top: '18mm', right: '14mm', bottom: '16mm', left: '14mm' },
} as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * The running header and footer that Chromium prints in the page margins: the report id at
 * the top of every page, "page n of N" at the bottom. Chromium fills the `pageNumber` and
 * `totalPages` spans; the templates are ASCII, so they need no CJK font.
 */
export function pageTemplates(reportId: string): {
  headerTemplate: string;
  footerTemplate: string;
} {
  const style = 'font-family:sans-serif;font-size:8px;color:#555;width:100%;margin:0 14mm';
  return {
    headerTemplate: `<div style="${style};text-align:right">${escapeHtml(reportId)}</div>`,
    footerTemplate: `<div style="${style};text-align:center">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
  };
}

/** One `@font-face` of a font package's stylesheet, with the code points it covers. */
interface FontFace {
  rule: string;
  file: string;
  ranges: [number, number][];
}

/** The `@font-face` rules of a Fontsource stylesheet (a face per Unicode range slice). */
export function fontFacesOf(css: string): FontFace[] {
  const faces: FontFace[] = [];
  for (const match of css.matchAll(/@font-face\s*{[^}]*}/g)) {
    const rule = match[0];
    const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(rule)?.[1];
    const range = /unicode-range:\s*([^;}]+)/.exec(rule)?.[1];
    if (!file || !range) continue;
    const ranges = range.split(',').map((part): [number, number] => {
      const [low = '0', high] = part.trim().replace(/^U\+/i, '').split('-');
      return [Number.parseInt(low, 16), Number.parseInt(high ?? low, 16)];
    });
    faces.push({ rule, file, ranges });
  }
  return faces;
}

/**
 * The `@font-face` rules that the text needs, each with its font file inlined as a data
 * URL (the page loads nothing from outside): only the slices holding one of its
 * characters, so a report loads a few hundred KB of font, not the whole family.
 */
export function fontFacesFor(
  text: string,
  faces: readonly FontFace[],
  read: (file: string) => Buffer,
): string {
  const codePoints = new Set<number>();
  for (const char of text) codePoints.add(char.codePointAt(0) ?? 0);
  const used = faces.filter((face) =>
    [...codePoints].some((point) =>
      face.ranges.some(([low, high]) => point >= low && point <= high),
    ),
  );
  return used
    .map((face) =>
      face.rule.replace(
        /src:[^;]+;/,
        `src:url(data:font/woff2;base64,${read(face.file).toString('base64')}) format('woff2');`,
      ),
    )
    .join('\n');
}
