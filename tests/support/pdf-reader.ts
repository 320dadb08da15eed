import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** One page of a PDF as a reader sees it: its size in points, its text, its fonts. */
export interface PdfPage {
  width: number;
  height: number;
  /** The text layer, runs joined as a reader copies them (line breaks as spaces). */
  text: string;
  /** The fonts the page draws with: PostScript name, embedded or not, and kind. */
  fonts: { name: string; embedded: boolean; type: string }[];
}

/** Reads a PDF with pdf.js (npm, no poppler): every page's size, text and fonts. */
export async function readPdf(bytes: Buffer): Promise<PdfPage[]> {
  const loading = getDocument({
    data: new Uint8Array(bytes),
    fontExtraProperties: true,
    useSystemFonts: false,
  });
  const document = await loading.promise;
  try {
    const pages: PdfPage[] = [];
    for (let number = 1; number <= document.numPages; number += 1) {
      const page = await document.getPage(number);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      const content = await page.getTextContent();
      const text = content.items
        .map((item) => ('str' in item ? `${item.str}${item.hasEOL ? ' ' : ''}` : ''))
        .join('');
      const operators = await page.getOperatorList();
      const fontIds = new Set<string>();
      operators.fnArray.forEach((operator, index) => {
        if (operator === OPS.setFont) fontIds.add(String(operators.argsArray[index]?.[0]));
      });
      const fonts = [...fontIds].map((id) => {
        const font = page.commonObjs.get(id) as {
          name?: string;
          missingFile?: boolean;
          type?: string;
        };
        return {
          name: font.name ?? id,
          embedded: font.missingFile === false,
          type: font.type ?? '',
        };
      });
      pages.push({ width: x1 - x0, height: y1 - y0, text, fonts });
    }
    return pages;
  } finally {
    await loading.destroy();
  }
}
