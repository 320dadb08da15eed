/** RFC 4180 CSV as the report files write and read it: CRLF, fields quoted when they must be. */

/** One field: quoted when it holds a comma, a quote or a line break; null and undefined empty. */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header row of `columns`, then one row per record in that column order; CRLF throughout. */
export function csvText(columns: readonly string[], records: readonly object[]): string {
  const lines = [
    columns.join(','),
    ...records.map((record) =>
      columns.map((column) => csvField((record as Record<string, unknown>)[column])).join(','),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Parses RFC 4180 text (CRLF or LF) into records keyed by the header row. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let value = '';
  let quoted = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (quoted) {
      if (char === '"' && text[at + 1] === '"') {
        value += '"';
        at += 1;
      } else if (char === '"') quoted = false;
      else value += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(value);
      value = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[at + 1] === '\n') at += 1;
      row.push(value);
      rows.push(row);
      row = [];
      value = '';
    } else value += char;
  }
  if (value !== '' || row.length > 0) rows.push([...row, value]);
  const [header = [], ...records] = rows;
  return records.map((cells) =>
    Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])),
  );
}
