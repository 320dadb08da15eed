import { createHash } from 'node:crypto';
import type { ComplaintState } from '../domain/complaint-lifecycle.ts';
import type { SubscriberCountRow } from '../domain/subscriber-counts.ts';
import {
  type BuiltIndicators,
  buildIndicators,
  type IndicatorResult,
} from '../indicators/build-indicators.ts';
import {
  complaintReadsOf,
  type FollowUpCaseRow,
  type IndicatorInputs,
  type InvitationTallyRow,
  isWholeOperator,
  type ResponseAggregateRow,
  type SubscriberCount,
} from '../indicators/catalogue.ts';
import {
  type ComplaintCounterReader,
  type ComplaintFigures,
  complaintFiguresRequest,
  loadComplaintFigures,
} from '../indicators/complaint-figures.ts';
import {
  contains,
  containsDay,
  type Period,
  parsePeriod,
  previousPeriod,
} from '../indicators/periods.ts';
import type { Profile } from '../indicators/profiles.ts';
import {
  type ComplaintPartTally,
  complaintPartName,
  complaintPartStream,
  EXTRACT_DESCRIPTION,
  renderExtract,
} from '../reports/report-extract.ts';
import {
  type ManifestEntry,
  manifestEntryOf,
  type ReportFile,
  type ReportMeta,
  renderIndicatorsCsv,
  renderManifest,
  renderMethodologyJson,
  renderReportJson,
  sha256Hex,
} from '../reports/report-files.ts';
import { renderReportHtml, type TrendPoint } from '../reports/report-html.ts';
import { CHANGES_FILE, type ReportChanges, renderChangesJson } from '../reports/restatement.ts';

/**
 * One page of a month's complaint states for the extract. Pages come in an order the store
 * fixes (its index's sort key), and states that tie on `orderedBy` are never split between
 * two pages: the builder orders each page, so a part's bytes do not depend on the order
 * the store returned ties in.
 */
export interface ComplaintStatePage {
  orderedBy: 'createdAt' | 'firstResolvedAt';
  states: ComplaintState[];
}

/**
 * What the report build reads: daily aggregates, follow-up cases, folded complaint states,
 * reference data.
 */
export interface ReportInputs {
  /** Aggregates of the given days (reporting time zone), shards summed per group. */
  responseAggregates(days: readonly string[]): Promise<ResponseAggregateRow[]>;
  /**
   * The complaint states of a month's extract part, page by page: those created in the
   * month, then those first resolved in it that were created outside `window` (the months
   * the report reads). Over the months of the window, each complaint once.
   */
  complaintStatePages(month: string, window: readonly string[]): AsyncIterable<ComplaintStatePage>;
  /** The monthly complaint counters, read as the complaint figures ask (shards summed). */
  complaintCounters: ComplaintCounterReader;
  /**
   * Follow-up cases whose answer was submitted in [from, to), read by the day of their
   * answer (cases, not responses: at most one answer in ten opens one).
   */
  followUpCases(from: Date, to: Date): Promise<FollowUpCaseRow[]>;
  /** Invitations sent and answered, by creation day (shards summed). */
  invitationTallies(days: readonly string[]): Promise<InvitationTallyRow[]>;
  /** The latest uploaded subscriber counts of a period id, if any. */
  subscriberCounts(period: string): Promise<SubscriberCountRow[] | undefined>;
}

/** What GET /reports lists and GET /reports/{id} answers about one report. */
export interface ReportEntry {
  reportId: string;
  profile: string;
  period: string;
  generatedAt: string;
  /** Where its files are: `reports/{profile}/{period}/{reportId}/`. */
  prefix: string;
  files: ReportFileEntry[];
  /** manifest.json as signed, and manifest.sig (base64 DER). */
  manifest: string;
  signature: string;
  /** 1, or 2, 3, … for restatements (absent in entries older than editions: 1). */
  edition?: number;
  /** A restatement: the report it replaced as the period's current edition. */
  supersedes?: string;
  /** Set once a restatement replaced this report: GET /reports then lists it on request only. */
  supersededBy?: string;
}

/** One file of a report as the index records it. */
export interface ReportFileEntry {
  name: string;
  bytes: number;
  sha256: string;
  /** The object version written, which download links name (absent in older entries). */
  versionId?: string;
}

/** The report index that GET /reports reads: written once the report is complete. */
export interface ReportIndex {
  add(entry: ReportEntry): Promise<void>;
}

/** Where a report's files are kept, under its prefix. */
export interface ReportStore {
  /** Writes the file; answers the object version written, where the store versions. */
  put(prefix: string, file: ReportFile): Promise<{ versionId?: string }>;
  /**
   * Writes a file from its bytes as they come (an extract part), without holding them all;
   * answers the object version written, where the store versions.
   */
  putStream(
    prefix: string,
    file: Omit<ReportFile, 'body'>,
    body: AsyncIterable<Buffer>,
  ): Promise<{ versionId?: string }>;
}

/** Signs the manifest. */
export interface ManifestSigner {
  /** The DER-encoded ECDSA P-256 SHA-256 signature of the bytes. */
  sign(bytes: Buffer): Promise<Buffer>;
}

/**
 * Prints report.html to report.pdf (A4, the same content, the report id on every page).
 * It takes the stored HTML, so every edition of a report gets its PDF the same way.
 */
export interface ReportPdfRenderer {
  render(html: Buffer, reportId: string): Promise<Buffer>;
}

/** Earlier reports' whole-operator figures as published, for report.html's trend. */
export interface PublishedReports {
  /** For each period asked that has a report, its newest report's figures. */
  wholeOperator(
    profile: string,
    periods: readonly string[],
  ): Promise<Map<string, IndicatorResult[]>>;
}

/**
 * The subscribers a period divides by (docs/design.md §3): the record for the period itself, else
 * for each region and service the mean of the records of the months inside it that have
 * one; with neither, undefined, and per-subscriber indicators say so.
 */
export async function subscribersFor(
  inputs: Pick<ReportInputs, 'subscriberCounts'>,
  period: Period,
): Promise<SubscriberCount[] | undefined> {
  const own = await inputs.subscriberCounts(period.id);
  if (own) return own;
  if (period.kind === 'month') return undefined;
  const months = (
    await Promise.all(period.months.map((month) => inputs.subscriberCounts(month)))
  ).filter((counts): counts is SubscriberCountRow[] => counts !== undefined);
  if (months.length === 0) return undefined;
  const sums = new Map<
    string,
    { region: string; service: string; total: number; records: number }
  >();
  for (const counts of months) {
    for (const row of counts) {
      const key = `${row.region}#${row.service}`;
      const entry = sums.get(key) ?? {
        region: row.region,
        service: row.service,
        total: 0,
        records: 0,
      };
      entry.total += row.subscribers;
      entry.records += 1;
      sums.set(key, entry);
    }
  }
  return [...sums.values()]
    .sort((a, b) => (a.region + a.service < b.region + b.service ? -1 : 1))
    .map(({ region, service, total, records }) => ({
      region,
      service,
      subscribers: total / records,
    }));
}

export interface BuildReportDependencies {
  inputs: ReportInputs;
  store: ReportStore;
  signer: ManifestSigner;
  index: ReportIndex;
  profiles: Readonly<Record<string, Profile>>;
  timezone: string;
  operator: string;
  codeVersion: string;
  now: () => Date;
  newReportId: (at: Date) => string;
  /** A fresh random key per report for the extract's pseudonyms (never stored). */
  pseudonymKey: () => Buffer;
  history: PublishedReports;
  pdf: ReportPdfRenderer;
  prefixOf: (profile: string, period: string, reportId: string) => string;
}

/** A report asked for a profile that does not exist. */
export class UnknownProfileError extends Error {
  override readonly name = 'UnknownProfileError';
}

/** Every `YYYY-MM-DD` from `first` to `last`, inclusive. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let time = Date.parse(`${first}T00:00:00Z`); ; time += 86_400_000) {
    const day = new Date(time).toISOString().slice(0, 10);
    if (day > last) return days;
    days.push(day);
  }
}

const inputsFor = (
  period: Period,
  aggregates: readonly ResponseAggregateRow[],
  tallies: readonly InvitationTallyRow[],
  cases: readonly FollowUpCaseRow[],
  complaints: ComplaintFigures,
  subscribers: SubscriberCount[] | undefined,
): IndicatorInputs => ({
  responses: aggregates.filter((row) => containsDay(period, row.day)),
  invitations: tallies.filter((row) => containsDay(period, row.day)),
  cases: cases.filter((row) => contains(period, row.answeredAt)),
  complaints,
  subscribers,
});

/** How many periods before the report's own report.html's trend reaches back. */
export const TREND_PERIODS = 5;

/**
 * report.html's trend, oldest first: each of the TREND_PERIODS periods before this one
 * with the whole-operator values its newest report published (the previous period, when
 * it has no report, with the values this report compares against), then this period.
 * Periods with neither are left out.
 */
async function trendOf(
  history: BuildReportDependencies['history'],
  profile: string,
  built: BuiltIndicators,
): Promise<TrendPoint[]> {
  const earlier: Period[] = [];
  for (let at = built.period; earlier.length < TREND_PERIODS; ) {
    at = previousPeriod(at);
    earlier.unshift(at);
  }
  const published = await history.wholeOperator(
    profile,
    earlier.map((period) => period.id),
  );
  const wholes = built.indicators.filter(isWholeOperator);
  const valuesOf = (
    entries: readonly IndicatorResult[],
    pick: (entry: IndicatorResult) => number | null | undefined,
  ) => Object.fromEntries(entries.map((entry) => [entry.id, pick(entry) ?? null]));
  const points: TrendPoint[] = [];
  for (const period of earlier) {
    const report = published.get(period.id);
    if (report)
      points.push({ period: period.id, values: valuesOf(report, (entry) => entry.value) });
    else if (
      period.id === previousPeriod(built.period).id &&
      wholes.some((entry) => entry.previous != null)
    ) {
      points.push({ period: period.id, values: valuesOf(wholes, (entry) => entry.previous) });
    }
  }
  points.push({ period: built.period.id, values: valuesOf(wholes, (entry) => entry.value) });
  return points;
}

/** What a report is computed from, and the figures: everything its files are made of. */
export interface ReportComputation {
  profile: Profile;
  period: Period;
  previous: Period;
  built: BuiltIndicators;
  aggregates: ResponseAggregateRow[];
  tallies: InvitationTallyRow[];
  cases: FollowUpCaseRow[];
  /** The months whose complaints the extract holds (the complaint figures' window). */
  complaintWindow: readonly string[];
  /** The complaint and fault figures of the period and the previous one. */
  complaintFigures: { current: ComplaintFigures; previous: ComplaintFigures };
  subscribers: SubscriberCount[] | undefined;
  previousSubscribers: SubscriberCount[] | undefined;
}

/**
 * Reads what a report of the period reads (the period's and the previous period's days ×
 * groups, complaint states by month, subscriber counts) and computes the profile's figures;
 * nothing is written. The build and the restatement check both start here.
 */
export async function computeReport(
  dependencies: Pick<BuildReportDependencies, 'inputs' | 'profiles' | 'timezone'>,
  request: { profile: string; period: string },
): Promise<ReportComputation> {
  const profile = dependencies.profiles[request.profile];
  if (!profile) throw new UnknownProfileError(`there is no profile "${request.profile}"`);
  const period = parsePeriod(request.period, dependencies.timezone);
  const previous = previousPeriod(period);
  const days = daysBetween(previous.start, period.end);
  const aggregates = await dependencies.inputs.responseAggregates(days);
  const tallies = await dependencies.inputs.invitationTallies(days);
  const cases = await dependencies.inputs.followUpCases(previous.startInstant, period.endInstant);
  const figuresRequest = complaintFiguresRequest(
    period,
    complaintReadsOf(profile.indicators.map((entry) => entry.id)),
  );
  // The figures read the complaint counters: months × groups, and the few refinement
  // items the quantiles fall in, however many complaints there are. The states are read
  // for the extract alone, a page at a time, when it is written (publishReport).
  const complaintFigures = await loadComplaintFigures(
    dependencies.inputs.complaintCounters,
    figuresRequest,
  );
  const subscribers = await subscribersFor(dependencies.inputs, period);
  const previousSubscribers = await subscribersFor(dependencies.inputs, previous);
  const built = buildIndicators({
    profile,
    period,
    timezone: dependencies.timezone,
    inputs: inputsFor(period, aggregates, tallies, cases, complaintFigures.current, subscribers),
    previous: inputsFor(
      previous,
      aggregates,
      tallies,
      cases,
      complaintFigures.previous,
      previousSubscribers,
    ),
  });
  return {
    profile,
    period,
    previous,
    built,
    aggregates,
    tallies,
    cases,
    complaintWindow: figuresRequest.window,
    complaintFigures,
    subscribers,
    previousSubscribers,
  };
}

/** A file written under a report's prefix, as the manifest and the index list it. */
export type WrittenFile = ManifestEntry & { versionId?: string };

/**
 * Writes the extract's complaint parts, one per month of the window
 * (`extract/complaints/YYYY-MM.csv.gz`), each streamed from the store's pages through gzip
 * into the report store and hashed on the way: no more than a page of states is held,
 * however many complaints the window has. Answers each part's entry and the rows' latest
 * event (the complaint data watermark).
 */
export async function writeComplaintParts(
  dependencies: { inputs: Pick<ReportInputs, 'complaintStatePages'>; store: ReportStore },
  prefix: string,
  window: readonly string[],
  pseudonymKey: Buffer,
): Promise<{ parts: WrittenFile[]; tally: ComplaintPartTally }> {
  const tally: ComplaintPartTally = { rows: 0, lastEventAt: null };
  const parts: WrittenFile[] = [];
  for (const month of window) {
    const name = complaintPartName(month);
    const hash = createHash('sha256');
    let bytes = 0;
    const gzipped = complaintPartStream(
      dependencies.inputs.complaintStatePages(month, window),
      pseudonymKey,
      tally,
    );
    async function* counted() {
      for await (const chunk of gzipped as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    }
    const { versionId } = await dependencies.store.putStream(
      prefix,
      { name, contentType: 'application/gzip' },
      counted(),
    );
    parts.push({ name, bytes, sha256: hash.digest('hex'), ...(versionId ? { versionId } : {}) });
  }
  return { parts, tally };
}

/** The indicator inputs of one period of a computation, as the figures read them. */
export function inputsOfPeriod(computed: ReportComputation, which: 'current' | 'previous') {
  const period = which === 'current' ? computed.period : computed.previous;
  return inputsFor(
    period,
    computed.aggregates,
    computed.tallies,
    computed.cases,
    computed.complaintFigures[which],
    which === 'current' ? computed.subscribers : computed.previousSubscribers,
  );
}

/** A restatement: the edition it is, the report it replaces, and what changed (changes.json). */
export interface EditionOf {
  edition: number;
  supersedes: string;
  changes: ReportChanges;
}

/** What came of a publication: the one place a hook (a notice, an alarm) learns of a report. */
export interface PublishedReport {
  reportId: string;
  prefix: string;
  period: string;
  profile: string;
  manifestSha256: string;
  indicators: number;
  /** 1 for a period's first report, 2, 3, … for its restatements. */
  edition: number;
  /** With edition > 1: the report this one replaces as the period's current edition. */
  supersedes?: string;
}

/**
 * Publishes a computed report: writes the files, then the manifest, then its KMS
 * signature last (a report with a signature is complete), then its index entry. With
 * `restatement`, the report is that edition of the period, with changes.json and a
 * "Restated" section in report.html.
 */
export async function publishReport(
  dependencies: BuildReportDependencies,
  computed: ReportComputation,
  restatement?: EditionOf,
): Promise<PublishedReport> {
  const { profile, period, previous, built, aggregates, tallies, cases } = computed;
  const { subscribers, previousSubscribers } = computed;
  const trend = await trendOf(dependencies.history, profile.id, built);

  const generatedAt = dependencies.now();
  const reportId = dependencies.newReportId(generatedAt);
  const prefix = dependencies.prefixOf(profile.id, period.id, reportId);
  // One key for every pseudonym of the report: a complaint is the same row in every part.
  const pseudonymKey = dependencies.pseudonymKey();
  // The complaint rows first, streamed: the watermark is what they held.
  const { parts, tally } = await writeComplaintParts(
    dependencies,
    prefix,
    computed.complaintWindow,
    pseudonymKey,
  );
  const latest = (values: (string | undefined)[]) =>
    values.reduce<string | null>(
      (max, value) => (value && (!max || value > max) ? value : max),
      null,
    );
  const meta: ReportMeta = {
    reportId,
    operator: dependencies.operator,
    generatedAt: generatedAt.toISOString(),
    codeVersion: dependencies.codeVersion,
    dataWatermark: JSON.stringify({
      complaints: tally.lastEventAt,
      responses: latest(aggregates.map((row) => row.day)),
    }),
    edition: restatement?.edition ?? 1,
    ...(restatement ? { supersedes: restatement.supersedes } : {}),
  };
  const changes = restatement ? { ...restatement.changes, reportId } : undefined;
  const html = Buffer.from(renderReportHtml(built, profile, meta, trend, changes));
  const files: ReportFile[] = [
    {
      name: 'report.json',
      contentType: 'application/json',
      body: Buffer.from(renderReportJson(built, profile, meta)),
    },
    {
      name: 'indicators.csv',
      contentType: 'text/csv; charset=utf-8',
      body: Buffer.from(renderIndicatorsCsv(built)),
    },
    {
      name: 'report.html',
      contentType: 'text/html; charset=utf-8',
      body: html,
    },
    // Printed before the manifest is made, so the manifest lists it and the signature covers it.
    {
      name: 'report.pdf',
      contentType: 'application/pdf',
      body: await dependencies.pdf.render(html, reportId),
    },
    {
      name: 'methodology.json',
      contentType: 'application/json',
      body: Buffer.from(renderMethodologyJson(built, profile, meta, EXTRACT_DESCRIPTION)),
    },
    ...(changes
      ? [
          {
            name: CHANGES_FILE,
            contentType: 'application/json',
            body: Buffer.from(renderChangesJson(changes)),
          },
        ]
      : []),
    // Exactly the rows the figures were computed from, for assessors to recompute them
    // (the complaint parts are written above).
    ...renderExtract({
      responses: aggregates,
      invitations: tallies,
      cases,
      subscribers: [
        { period: previous.id, counts: previousSubscribers },
        { period: period.id, counts: subscribers },
      ],
      pseudonymKey,
    }),
  ];
  const manifest = Buffer.from(
    renderManifest([...files.map(manifestEntryOf), ...parts], profile, built, meta),
  );
  const signature = await dependencies.signer.sign(manifest);
  // The signature goes last: a report whose manifest.sig exists is complete.
  const stored: ReportFile[] = [
    ...files,
    { name: 'manifest.json', contentType: 'application/json', body: manifest },
    {
      name: 'manifest.sig',
      contentType: 'text/plain',
      body: Buffer.from(`${signature.toString('base64')}\n`),
    },
  ];
  const entries: ReportFileEntry[] = [...parts];
  for (const file of stored) {
    const { versionId } = await dependencies.store.put(prefix, file);
    entries.push({
      name: file.name,
      bytes: file.body.length,
      sha256: sha256Hex(file.body),
      ...(versionId ? { versionId } : {}),
    });
  }
  await dependencies.index.add({
    reportId,
    profile: profile.id,
    period: period.id,
    generatedAt: meta.generatedAt,
    prefix,
    files: entries.sort((a, b) => (a.name < b.name ? -1 : 1)),
    manifest: manifest.toString('utf8'),
    signature: signature.toString('base64'),
    edition: meta.edition,
    ...(meta.supersedes ? { supersedes: meta.supersedes } : {}),
  });
  return {
    reportId,
    prefix,
    period: period.id,
    profile: profile.id,
    manifestSha256: sha256Hex(manifest),
    indicators: built.indicators.length,
    edition: meta.edition,
    ...(meta.supersedes ? { supersedes: meta.supersedes } : {}),
  };
}

/** Builds one report of a profile and period from the current data, and publishes it. */
export async function buildReport(
  dependencies: BuildReportDependencies,
  request: { profile: string; period: string },
): Promise<PublishedReport> {
  return publishReport(dependencies, await computeReport(dependencies, request));
}
