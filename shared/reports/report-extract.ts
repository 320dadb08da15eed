/**
 * The assessor extract (docs/design.md §7): the exact inputs a report's figures were computed from,
 * as gzipped CSV, so that an assessor can recompute every figure of report.json without us.
 *
 * - `extract/responses.csv.gz`: one row per day and survey group (region, service,
 *   touchpoint, channel) with the answers' counts: `responses`, `csat_1`…`csat_5`,
 *   `nps_0`…`nps_10`. Survey figures are functions of these counts alone, so the rows lose
 *   nothing a figure needs; a response carries no identifier and no comment here, and the
 *   file grows with days × groups, never with responses (docs/design.md §9: build time flat).
 * - `extract/invitations.csv.gz`: per creation day and group, invitations sent and answered.
 * - `extract/cases.csv.gz`: one row per follow-up case, only what its indicator reads: the
 *   survey group, the answer's time and the first contact's (UTC), the case id replaced by
 *   a pseudonym as complaints' are; no customer, score or comment.
 * - `extract/complaints/YYYY-MM.csv.gz`, one part per month of the complaint window: one
 *   row per complaint or fault with what the figures read of it: kind, category, region,
 *   service, via, status and the lifecycle times (UTC) the period tests, durations and
 *   period-end states use; the complaint (its source and id) replaced by an HMAC-SHA-256
 *   pseudonym under a random key drawn for this report and then discarded. No customer
 *   column, outcome, acknowledgement or escalation time, or counts: no figure reads them.
 *   A complaint is in the part of its created month when that month is in the window, else
 *   of its first-resolved month; each part is written as a stream, page by page, so no
 *   function holds a period's complaints (reports before parts have one
 *   `extract/complaints.csv.gz`, still read). What stays linkable across reports is said in
 *   EXTRACT_DESCRIPTION.
 * - `extract/subscribers.csv.gz`: the denominators each period was divided by.
 *
 * Rows cover the report's period and the previous one (for `previous` and the change test),
 * complaints as far back as the builder read them. Gzip without a name or time, so the
 * same rows give the same bytes.
 */
import { createHmac } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import type { ComplaintState } from '../domain/complaint-lifecycle.ts';
import { groupKeyOf } from '../domain/response-aggregates.ts';
import { type BuiltIndicators, buildIndicators } from '../indicators/build-indicators.ts';
import {
  complaintReadsOf,
  type FollowUpCaseRow,
  type IndicatorInputs,
  type InvitationTallyRow,
  type ResponseAggregateRow,
  type SubscriberCount,
} from '../indicators/catalogue.ts';
import {
  type ComplaintFigures,
  complaintFiguresOfStates,
  complaintFiguresRequest,
} from '../indicators/complaint-figures.ts';
import {
  contains,
  containsDay,
  type Period,
  parsePeriod,
  previousPeriod,
} from '../indicators/periods.ts';
import { type Profile, parseProfile } from '../indicators/profiles.ts';
import type { ComplaintStatePage } from '../use-cases/build-report.ts';
import { csvField, csvText, parseCsv } from './csv.ts';
import type { ReportFile } from './report-files.ts';

export const EXTRACT_FILES = {
  responses: 'extract/responses.csv.gz',
  invitations: 'extract/invitations.csv.gz',
  cases: 'extract/cases.csv.gz',
  subscribers: 'extract/subscribers.csv.gz',
} as const;

/** A month's part of the complaint rows (`YYYY-MM`, the reporting time zone's month). */
export const complaintPartName = (month: string) => `extract/complaints/${month}.csv.gz`;

/** The one complaints file of reports published before parts: still read, never written. */
export const SINGLE_COMPLAINTS_FILE = 'extract/complaints.csv.gz';

/** A complaint part's name, or the single file of older reports. */
export const isComplaintRowsFile = (name: string) =>
  name === SINGLE_COMPLAINTS_FILE || /^extract\/complaints\/\d{4}-\d{2}\.csv\.gz$/.test(name);

const GROUP = ['day', 'region', 'service', 'touchpoint', 'channel'] as const;
const COUNTERS = [
  'responses',
  ...[1, 2, 3, 4, 5].map((score) => `csat_${score}`),
  ...Array.from({ length: 11 }, (_, score) => `nps_${score}`),
];
const RESPONSE_COLUMNS = [...GROUP, ...COUNTERS];
const INVITATION_COLUMNS = [...GROUP, 'sent', 'answered'];
const SUBSCRIBER_COLUMNS = ['period', 'region', 'service', 'subscribers'];
/** FollowUpCaseRow's fields in extract order; `case` is a pseudonym. */
const CASE_COLUMNS = [
  'case',
  'region',
  'service',
  'touchpoint',
  'channel',
  'answeredAt',
  'firstContactedAt',
] as const;
/**
 * The ComplaintState fields some figure reads (shared/indicators/catalogue.ts), in extract
 * order; `complaint` is a pseudonym. Nothing else: a column no figure needs only helps link
 * rows (the customer reference most of all).
 */
const COMPLAINT_COLUMNS = [
  'complaint',
  'kind',
  'category',
  'region',
  'service',
  'via',
  'status',
  'createdAt',
  'firstResolvedAt',
  'lastResolvedAt',
  'reopenedAt',
  'closedAt',
  'lastEventAt',
] as const;

/** What each extract file holds, for methodology.json. */
export const EXTRACT_DESCRIPTION = {
  [EXTRACT_FILES.responses]: `one row per reporting-zone day and survey group: ${RESPONSE_COLUMNS.join(', ')}. Survey figures depend on these counts alone; rows carry no identifier and no comment.`,
  [EXTRACT_FILES.invitations]: `one row per invitation creation day and group: ${INVITATION_COLUMNS.join(', ')} (answered by build time).`,
  [EXTRACT_FILES.cases]: `one row per follow-up case whose answer the builder read: ${CASE_COLUMNS.join(', ')}; times are UTC ISO 8601, firstContactedAt is empty for a case never contacted by build time.`,
  [complaintPartName('YYYY-MM')]:
    `one part per month of the complaint window, one row per complaint or fault as folded from its events at build time: ${COMPLAINT_COLUMNS.join(', ')}; times are UTC ISO 8601. Only the fields some figure reads: no customer, outcome, acknowledgement or escalation time, or event counts. A complaint is in the part of the month it was created in (reporting time zone) when that month is in the window, else in the part of the month it was first resolved in: each complaint in exactly one part. Rows of a part: those created in the month by createdAt, then those first resolved in it by firstResolvedAt; equal times by complaint. The complaint rows are the union of the parts.`,
  [EXTRACT_FILES.subscribers]: `the subscriber counts each period was divided by: ${SUBSCRIBER_COLUMNS.join(', ')} (a mean of monthly records when the period had no record of its own).`,
  pseudonymisation:
    "complaint and case are the first 32 hex digits of HMAC-SHA-256 under a 256-bit key drawn at random for this report and discarded after it: stable within the report, another in every other report, and never the operator's id.",
  linkability:
    "A complaint's row can be linked across reports that both hold it (a period's report and the next one's, which recomputes it as the previous period, and any report while it is open): its exact lifecycle times with its kind, category, region and service are the same in each, and are kept exact because the figures need them exactly (resolution times to the second against thresholds of D × 24 h, period membership in the reporting time zone, the state at each period end); rounding them would change figures that the extract must reproduce. Such a link tells only that an unnamed complaint appears in both reports: no row names a customer or the operator's complaint id, so no row links to a person, to the operator's systems, or to another complaint of the same customer.",
  coverage:
    "rows cover the report's period and the previous period (cases by their answer's time in the reporting zone); complaints are those the builder read (created up to 12 months before the previous period, or resolved in either period).",
};

const gz = (name: string, body: Buffer): ReportFile => ({
  name,
  contentType: 'application/gzip',
  // Level 9 and no name or mtime in the header: the same rows give the same bytes.
  body: gzipSync(body, { level: 9 }),
});

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The report's pseudonym of an id: 32 hex digits of HMAC-SHA-256 under its key. */
const pseudonymsUnder =
  (key: Buffer) =>
  (value: string | undefined): string =>
    value === undefined ? '' : createHmac('sha256', key).update(value).digest('hex').slice(0, 32);

/** What a complaint part's rows held, counted as they were written. */
export interface ComplaintPartTally {
  rows: number;
  /** The latest lastEventAt of the rows (the report's complaint data watermark), or null. */
  lastEventAt: string | null;
}

/**
 * One month's complaint part, written page by page as the store hands the pages over: the
 * header, then each page's rows ordered by the page's sort key and then by pseudonym (ties
 * on the sort key are always in one page, so the order is the same whatever order the
 * store gave them in), through gzip at level 9. Answers the gzip stream; only a page is
 * held at a time. `tally` counts the rows and their latest event as they pass.
 */
export function complaintPartStream(
  pages: AsyncIterable<ComplaintStatePage>,
  pseudonymKey: Buffer,
  tally: ComplaintPartTally,
): Readable {
  const pseudonym = pseudonymsUnder(pseudonymKey);
  async function* lines() {
    yield `${COMPLAINT_COLUMNS.join(',')}\r\n`;
    for await (const { orderedBy, states } of pages) {
      const rows = states
        .map((state) => ({
          ...state,
          // Complaint ids are each source's own: the pair names one complaint.
          complaint: pseudonym(
            state.source === undefined ? state.complaintId : `${state.source}#${state.complaintId}`,
          ),
        }))
        .sort(
          (a, b) =>
            byText(a[orderedBy] ?? '', b[orderedBy] ?? '') || byText(a.complaint, b.complaint),
        );
      let text = '';
      for (const row of rows) {
        text += `${COMPLAINT_COLUMNS.map((column) => csvField(row[column])).join(',')}\r\n`;
        tally.rows += 1;
        if (!tally.lastEventAt || row.lastEventAt > tally.lastEventAt)
          tally.lastEventAt = row.lastEventAt;
      }
      yield text;
    }
  }
  // Level 9 and no name or mtime in the header, as the other files: the same rows give the
  // same bytes. pipeline passes a failed read on to the gzip stream's reader.
  const gzip = createGzip({ level: 9 });
  pipeline(Readable.from(lines()), gzip, () => {});
  return gzip;
}

export interface ExtractSource {
  responses: readonly ResponseAggregateRow[];
  invitations: readonly InvitationTallyRow[];
  cases: readonly FollowUpCaseRow[];
  subscribers: readonly { period: string; counts: readonly SubscriberCount[] | undefined }[];
  /** The report's pseudonym key: random, used for this report only, never stored. */
  pseudonymKey: Buffer;
}

/**
 * The extract files of a report but its complaint parts (complaintPartStream), from exactly
 * the rows its figures were computed from.
 */
export function renderExtract(source: ExtractSource): ReportFile[] {
  const pseudonym = pseudonymsUnder(source.pseudonymKey);
  const responses = source.responses
    .map((row) => ({ ...row, ...Object.fromEntries(COUNTERS.map((c) => [c, row.counts[c] ?? 0])) }))
    .sort((a, b) => byText(groupKeyOf(a), groupKeyOf(b)));
  const invitations = [...source.invitations].sort((a, b) => byText(groupKeyOf(a), groupKeyOf(b)));
  const cases = source.cases
    .map((row) => ({ ...row, case: pseudonym(row.caseId) }))
    .sort((a, b) => byText(a.case, b.case));
  const subscribers = source.subscribers.flatMap(({ period, counts }) =>
    (counts ?? []).map((row) => ({ period, ...row })),
  );
  return [
    gz(EXTRACT_FILES.responses, Buffer.from(csvText(RESPONSE_COLUMNS, responses))),
    gz(EXTRACT_FILES.invitations, Buffer.from(csvText(INVITATION_COLUMNS, invitations))),
    gz(EXTRACT_FILES.cases, Buffer.from(csvText(CASE_COLUMNS, cases))),
    gz(EXTRACT_FILES.subscribers, Buffer.from(csvText(SUBSCRIBER_COLUMNS, subscribers))),
  ];
}

/** Reads one extract file back; a missing file is an error an assessor can act on. */
function rowsOf(files: ReadonlyMap<string, Buffer>, name: string) {
  const body = files.get(name);
  if (!body) throw new Error(`the report has no ${name}`);
  return parseCsv(gunzipSync(body).toString('utf8'));
}

/** The day and survey group of a read row. */
const groupOf = (row: Record<string, string>) =>
  Object.fromEntries(GROUP.map((key) => [key, row[key] ?? ''])) as {
    [K in (typeof GROUP)[number]]: string;
  };

const optional = (text: string | undefined) =>
  text === undefined || text === '' ? undefined : text;

/** One complaint rows file (a part, or an older report's single file) read back as states. */
export function complaintStatesOf(body: Buffer): ComplaintState[] {
  return parseCsv(gunzipSync(body).toString('utf8')).map((row) => {
    // Only the fields the figures read; the others of ComplaintState are not in the extract.
    const state: Record<string, unknown> = { complaintId: row.complaint };
    for (const column of COMPLAINT_COLUMNS.slice(1)) state[column] = optional(row[column]);
    return Object.fromEntries(
      Object.entries(state).filter(([, value]) => value !== undefined),
    ) as unknown as ComplaintState;
  });
}

/**
 * The complaint rows files of a report, by name: its parts, or the single file of a report
 * from before parts. With manifest.json among the files, every complaint file it lists
 * must be there (a missing part would change figures, not fail them).
 */
export function complaintRowsFiles(files: ReadonlyMap<string, Buffer>): string[] {
  const manifest = files.get('manifest.json');
  const listed = manifest
    ? (JSON.parse(manifest.toString('utf8')) as { files?: { name: string }[] }).files
        ?.map((file) => file.name)
        .filter(isComplaintRowsFile)
    : undefined;
  const names = listed ?? [...files.keys()].filter(isComplaintRowsFile);
  for (const name of names) if (!files.has(name)) throw new Error(`the report has no ${name}`);
  if (names.length === 0) throw new Error(`the report has no ${complaintPartName('YYYY-MM')}`);
  return names.sort();
}

/**
 * The rows of the extract as the indicator inputs of the report's period and the previous
 * one. `complaints` are the complaint rows to count; by default every part's, read here.
 */
export function inputsFromExtract(
  files: ReadonlyMap<string, Buffer>,
  period: Period,
  profile: Pick<Profile, 'indicators'>,
  complaints: readonly ComplaintState[] = complaintRowsFiles(files).flatMap((name) =>
    complaintStatesOf(files.get(name) ?? Buffer.alloc(0)),
  ),
): { current: IndicatorInputs; previous: IndicatorInputs; complaints: readonly ComplaintState[] } {
  const responses: ResponseAggregateRow[] = rowsOf(files, EXTRACT_FILES.responses).map((row) => ({
    ...groupOf(row),
    counts: Object.fromEntries(COUNTERS.map((c) => [c, Number(row[c])])),
  }));
  const invitations: InvitationTallyRow[] = rowsOf(files, EXTRACT_FILES.invitations).map((row) => ({
    ...groupOf(row),
    sent: Number(row.sent),
    answered: Number(row.answered),
  }));
  // Reports built before follow-up cases have no cases file, and no figure that reads one.
  const caseRows = files.has(EXTRACT_FILES.cases) ? rowsOf(files, EXTRACT_FILES.cases) : [];
  const cases: FollowUpCaseRow[] = caseRows.map((row) => ({
    caseId: row.case ?? '',
    region: row.region ?? '',
    service: row.service ?? '',
    touchpoint: row.touchpoint ?? '',
    channel: row.channel ?? '',
    answeredAt: row.answeredAt ?? '',
    ...(optional(row.firstContactedAt) ? { firstContactedAt: row.firstContactedAt } : {}),
  }));
  const subscriberRows = rowsOf(files, EXTRACT_FILES.subscribers);
  const subscribersOf = (id: string) => {
    const rows = subscriberRows
      .filter((row) => row.period === id)
      .map((row) => ({
        region: row.region ?? '',
        service: row.service ?? '',
        subscribers: Number(row.subscribers),
      }));
    return rows.length > 0 ? rows : undefined;
  };
  const previous = previousPeriod(period);
  // The complaints' figures as the builder counts them: the sum of their contributions.
  const figures = complaintFiguresOfStates(
    complaints,
    period.timezone,
    complaintFiguresRequest(period, complaintReadsOf(profile.indicators.map((entry) => entry.id))),
  );
  const of = (which: Period, complaintFigures: ComplaintFigures): IndicatorInputs => ({
    responses: responses.filter((row) => containsDay(which, row.day)),
    invitations: invitations.filter((row) => containsDay(which, row.day)),
    cases: cases.filter((row) => contains(which, row.answeredAt)),
    complaints: complaintFigures,
    subscribers: subscribersOf(which.id),
  });
  return {
    current: of(period, figures.current),
    previous: of(previous, figures.previous),
    complaints,
  };
}

/** One figure of report.json that the extract does not reproduce. */
export interface RecomputeMismatch {
  at: string;
  published: unknown;
  recomputed: unknown;
}

/**
 * Recomputes a report's indicators and rankings from its extract, its methodology (the
 * profile it applied) and its period alone, and lists every published figure that differs.
 */
export function recomputeReport(files: ReadonlyMap<string, Buffer>): {
  recomputed: Pick<BuiltIndicators, 'indicators' | 'rankings'>;
  mismatches: RecomputeMismatch[];
} {
  const read = (name: string) => {
    const body = files.get(name);
    if (!body) throw new Error(`the report has no ${name}`);
    return JSON.parse(body.toString('utf8'));
  };
  const report = read('report.json') as {
    period: { id: string; timezone: string };
    indicators: unknown[];
    rankings: unknown[];
  };
  const profile: Profile = parseProfile((read('methodology.json') as { profile: unknown }).profile);
  const period = parsePeriod(report.period.id, report.period.timezone);
  const { current, previous } = inputsFromExtract(files, period, profile);
  const built = buildIndicators({
    profile,
    period,
    timezone: report.period.timezone,
    inputs: current,
    previous,
  });
  const recomputed = JSON.parse(
    JSON.stringify({ indicators: built.indicators, rankings: built.rankings }),
  ) as Pick<BuiltIndicators, 'indicators' | 'rankings'>;
  const mismatches: RecomputeMismatch[] = [];
  const compare = (at: string, published: unknown[], again: unknown[]) => {
    for (let i = 0; i < Math.max(published.length, again.length); i += 1) {
      const a = JSON.stringify(published[i]);
      const b = JSON.stringify(again[i]);
      if (a !== b)
        mismatches.push({ at: `${at}[${i}]`, published: published[i], recomputed: again[i] });
    }
  };
  compare('indicators', report.indicators, recomputed.indicators);
  compare('rankings', report.rankings, recomputed.rankings);
  return { recomputed, mismatches };
}
