import { createHash } from 'node:crypto';
import type { BuiltIndicators, IndicatorResult } from '../indicators/build-indicators.ts';
import { resolveIndicator } from '../indicators/catalogue.ts';
import type { Profile } from '../indicators/profiles.ts';
import { ROUNDING_RULE, Z95 } from '../indicators/statistics.ts';
import { csvText } from './csv.ts';

/** The report contract's schema id (docs/design.md §7). */
export const REPORT_SCHEMA = 'quality-report/v1';

/** What a report says about itself besides its figures. */
export interface ReportMeta {
  reportId: string;
  operator: string;
  generatedAt: string;
  codeVersion: string;
  /** The latest data the report saw (latest complaint event, latest aggregate day). */
  dataWatermark: string;
  /** 1 for a period's first report; 2, 3, … for each restatement of it. */
  edition: number;
  /** The report id a restatement replaces as the period's current edition. */
  supersedes?: string;
}

/** One file of a report, as stored and as listed in the manifest. */
export interface ReportFile {
  name: string;
  contentType: string;
  body: Buffer;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * report.json: the figures, in the order buildIndicators gives them. The same data gives
 * the same bytes apart from `reportId` and `generatedAt`.
 */
export function renderReportJson(built: BuiltIndicators, profile: Profile, meta: ReportMeta) {
  const { period } = built;
  return json({
    schema: REPORT_SCHEMA,
    reportId: meta.reportId,
    profile: profile.id,
    operator: meta.operator,
    period: { id: period.id, start: period.start, end: period.end, timezone: period.timezone },
    generatedAt: meta.generatedAt,
    // Added to v1 (old readers ignore them): which edition of the period this is.
    edition: meta.edition,
    ...(meta.supersedes ? { supersedes: meta.supersedes } : {}),
    indicators: built.indicators,
    rankings: built.rankings,
  });
}

const CSV_COLUMNS = [
  'indicator',
  'region',
  'service',
  'touchpoint',
  'channel',
  'category',
  'value',
  'n',
  'ci95_low',
  'ci95_high',
  'margin95',
  'unit',
  'target_op',
  'target_value',
  'compliant',
  'suppressed',
  'previous',
  'change_significant',
  'note',
] as const;

function csvRecord(indicator: IndicatorResult): Record<(typeof CSV_COLUMNS)[number], unknown> {
  const dimensions = indicator.dimensions;
  return {
    indicator: indicator.id,
    region: dimensions.region,
    service: dimensions.service,
    touchpoint: dimensions.touchpoint,
    channel: dimensions.channel,
    category: dimensions.category,
    value: indicator.value,
    n: indicator.n,
    ci95_low: indicator.ci95?.[0],
    ci95_high: indicator.ci95?.[1],
    margin95: indicator.margin95,
    unit: indicator.unit,
    target_op: indicator.target?.op,
    target_value: indicator.target?.value,
    compliant: indicator.compliant,
    suppressed: indicator.suppressed,
    previous: indicator.previous,
    change_significant: indicator.changeSignificant,
    note: indicator.note,
  };
}

/** indicators.csv: one row per indicator × dimensions; UTF-8 with BOM, CRLF (RFC 4180). */
export function renderIndicatorsCsv(built: BuiltIndicators): string {
  return `\uFEFF${csvText(CSV_COLUMNS, built.indicators.map(csvRecord))}`;
}

/**
 * methodology.json: how every figure was made, for an assessor who recomputes them;
 * `extract` says what each extract file holds (the extract's module describes its own).
 */
export function renderMethodologyJson(
  built: BuiltIndicators,
  profile: Profile,
  meta: ReportMeta,
  extract: Readonly<Record<string, string>>,
) {
  return json({
    profile,
    period: {
      id: built.period.id,
      start: built.period.start,
      end: built.period.end,
      timezone: built.period.timezone,
      rule: 'An event belongs to the period that contains its occurredAt (complaints) or submission time (responses) in the reporting time zone.',
    },
    indicators: profile.indicators.map((entry) => {
      const definition = resolveIndicator(entry.id);
      return {
        id: entry.id,
        unit: definition?.unit,
        formula: definition?.formula,
        target: entry.target ?? null,
      };
    }),
    statistics: {
      wilson95: `Wilson score interval, z = ${Z95}: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`,
      npsMargin95: `${Z95}·100·√((p + d − (p − d)²)/n), p and d the promoter and detractor shares`,
      quantiles: 'nearest rank: the ⌈q·n⌉-th smallest value',
      change:
        'two-proportion z-test against the previous period, significant when |z| > 1.96 (95%)',
      suppression: `cells with n < ${profile.minCell} (minCell) are suppressed, with complementary suppression so that no suppressed cell can be derived from a total and its siblings`,
      rounding: ROUNDING_RULE,
    },
    extract,
    codeVersion: meta.codeVersion,
  });
}

/** SHA-256 of bytes, hex, as the manifest lists it. */
export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A file as the manifest lists it. */
export interface ManifestEntry {
  name: string;
  bytes: number;
  sha256: string;
}

/** A file's manifest entry, from its body. */
export const manifestEntryOf = (file: ReportFile): ManifestEntry => ({
  name: file.name,
  bytes: file.body.length,
  sha256: sha256Hex(file.body),
});

/**
 * manifest.json: every other file's name, size and SHA-256, and what the report is. Its
 * bytes are what manifest.sig signs, so a verified manifest vouches for every file. Files
 * written as streams (the extract's complaint parts) come as their entries.
 */
export function renderManifest(
  files: readonly ManifestEntry[],
  profile: Profile,
  built: BuiltIndicators,
  meta: ReportMeta,
): string {
  return json({
    reportId: meta.reportId,
    profile: profile.id,
    period: built.period.id,
    generatedAt: meta.generatedAt,
    edition: meta.edition,
    ...(meta.supersedes ? { supersedes: meta.supersedes } : {}),
    codeVersion: meta.codeVersion,
    dataWatermark: meta.dataWatermark,
    signature: { file: 'manifest.sig', algorithm: 'ECDSA_SHA_256', curve: 'P-256' },
    files: [...files]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
  });
}
