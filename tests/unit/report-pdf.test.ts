import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fontFacesFor, fontFacesOf, pageTemplates } from '#shared/reports/report-pdf.ts';

const fonts = dirname(createRequire(import.meta.url).resolve('@fontsource/noto-sans-sc/400.css'));
const faces = fontFacesOf(readFileSync(join(fonts, '400.css'), 'utf8'));

describe('report.pdf fonts and page templates', () => {
  it('inlines only the Noto Sans SC slices that hold a character of the text', () => {
    const read: string[] = [];

    const css = fontFacesFor('全网指标 CSAT 74.4', faces, (file) => {
      read.push(file);
      return Buffer.from(file);
    });

    // Latin and a few slices of hanzi out of the family's hundred: each face once, inlined.
    expect(faces.length).toBeGreaterThan(90);
    expect(read.length).toBeGreaterThan(1);
    expect(read.length).toBeLessThan(6);
    expect(new Set(read).size).toBe(read.length);
    expect(css.match(/@font-face/g)).toHaveLength(read.length);
    expect(css).toContain('data:font/woff2;base64,');
    expect(css).not.toContain('url(./files/');
  });

  it('inlines nothing for text that no slice holds', () => {
    expect(fontFacesFor('\u{10FFFD}', faces, () => Buffer.alloc(1))).toBe('');
  });

  it('prints the report id and the page numbers, escaped, in the margins', () => {
    const { headerTemplate, footerTemplate } = pageTemplates('<id>');

    expect(headerTemplate).toContain('&#60;id&#62;');
    expect(footerTemplate).toContain('<span class="pageNumber"></span>');
    expect(footerTemplate).toContain('<span class="totalPages"></span>');
  });
});
