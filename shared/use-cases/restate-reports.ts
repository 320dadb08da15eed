import type { IndicatorResult, Ranking } from '../indicators/build-indicators.ts';
import { lastCompletePeriod, type Period, previousPeriod } from '../indicators/periods.ts';
import {
  complaintPartName,
  complaintStatesOf,
  EXTRACT_FILES,
  inputsFromExtract,
  isComplaintRowsFile,
  SINGLE_COMPLAINTS_FILE,
} from '../reports/report-extract.ts';
import { lateComplaintRows, restatedFigures } from '../reports/restatement.ts';
import {
  type BuildReportDependencies,
  computeReport,
  inputsOfPeriod,
  type PublishedReport,
  publishReport,
  type ReportEntry,
} from './build-report.ts';

/** How many complete periods back the daily check looks, per profile, by default. */
export const DEFAULT_RESTATE_WINDOW_PERIODS = 2;

/** The report index as the check reads and marks it. */
export interface RestatableIndex {
  /** The newest report of each period asked for, of one profile. */
  newestOfPeriods(profile: string, periods: readonly string[]): Promise<Map<string, ReportEntry>>;
  /**
   * Marks a report superseded by a restatement; repeating it with the same restatement is
   * harmless, another restatement of an already superseded report is refused.
   */
  markSuperseded(reportId: string, supersededBy: string): Promise<void>;
}

/** A published report's files, read back from the bucket. */
export interface PublishedFiles {
  read(prefix: string, name: string): Promise<Buffer>;
}

export interface RestatementDependencies extends BuildReportDependencies {
  index: BuildReportDependencies['index'] & RestatableIndex;
  files: PublishedFiles;
  /** Complete periods per profile that the check recomputes (restateWindowPeriods). */
  windowPeriods: number;
}

/** What the check did for one published period. */
export type RestatementOutcome =
  | { profile: string; period: string; reportId: string; outcome: 'unchanged' }
  | {
      profile: string;
      period: string;
      reportId: string;
      outcome: 'restated';
      /** The new edition: the publication a notice or an alarm hooks on. */
      published: PublishedReport;
      changedFigures: number;
    };

/** The last `count` complete periods of a kind at `at`, newest first. */
function windowOf(kind: Period['kind'], at: Date, timezone: string, count: number): Period[] {
  const periods: Period[] = [];
  for (let period = lastCompletePeriod(kind, at, timezone); periods.length < count; ) {
    periods.push(period);
    period = previousPeriod(period);
  }
  return periods;
}

/**
 * The daily restatement check (docs/reports.md, Restatements): for each profile, each of
 * the last `windowPeriods` complete periods at `at` that has a published report is
 * recomputed from today's inputs, reading what a build reads (days × groups, never one
 * item per response). When a published figure, interval, suppression, target verdict,
 * previous value or ranking differs, the period gets its next edition, with changes.json,
 * and the edition it replaces is marked superseded in the index (its files stay as they
 * are: Object Lock). A period whose figures did not change gets nothing.
 */
export async function checkRestatements(
  dependencies: RestatementDependencies,
  at: Date,
): Promise<RestatementOutcome[]> {
  const outcomes: RestatementOutcome[] = [];
  for (const profile of Object.values(dependencies.profiles)) {
    const periods = windowOf(profile.period, at, dependencies.timezone, dependencies.windowPeriods);
    const newest = await dependencies.index.newestOfPeriods(
      profile.id,
      periods.map((period) => period.id),
    );
    for (const period of periods) {
      const entry = newest.get(period.id);
      if (!entry) continue;
      // A restatement interrupted between its index entry and the mark is finished here.
      if (entry.supersedes)
        await dependencies.index.markSuperseded(entry.supersedes, entry.reportId);
      outcomes.push(await restatePeriod(dependencies, entry));
    }
  }
  return outcomes;
}

/** Recomputes one published report and publishes its next edition if a figure changed. */
async function restatePeriod(
  dependencies: RestatementDependencies,
  entry: ReportEntry,
): Promise<RestatementOutcome> {
  const base = { profile: entry.profile, period: entry.period, reportId: entry.reportId };
  const computed = await computeReport(dependencies, entry);
  const published = JSON.parse(
    (await dependencies.files.read(entry.prefix, 'report.json')).toString('utf8'),
  ) as { indicators: IndicatorResult[]; rankings: Ranking[] };
  // The extract is the inputs the report read: read only when there is something to explain.
  const recomputed = { indicators: computed.built.indicators, rankings: computed.built.rankings };
  const quick = restatedFigures({
    published,
    recomputed,
    publishedInputs: emptyInputs,
    nowInputs: emptyInputs,
    complaintsWithLateEvents: 0,
    periods: { current: computed.period.id, previous: computed.previous.id },
  });
  if (quick.figures.length === 0 && quick.rankings.length === 0) {
    return { ...base, outcome: 'unchanged' };
  }
  const extract = new Map<string, Buffer>();
  for (const name of Object.values(EXTRACT_FILES)) {
    if (entry.files.some((file) => file.name === name))
      extract.set(name, await dependencies.files.read(entry.prefix, name));
  }
  // The survey side of the extract; the complaint rows are compared part by part below.
  const publishedInputs = inputsFromExtract(extract, computed.period, computed.profile, []);
  const changes = restatedFigures({
    published,
    recomputed,
    publishedInputs,
    complaintsWithLateEvents: await complaintsWithLateEvents(dependencies, entry, computed),
    nowInputs: {
      current: inputsOfPeriod(computed, 'current'),
      previous: inputsOfPeriod(computed, 'previous'),
    },
    periods: { current: computed.period.id, previous: computed.previous.id },
  });
  const edition = (entry.edition ?? 1) + 1;
  const report = await publishReport(dependencies, computed, {
    edition,
    supersedes: entry.reportId,
    changes: {
      schema: 'quality-report-changes/v1',
      profile: entry.profile,
      period: entry.period,
      edition,
      supersedes: entry.reportId,
      ...changes,
    },
  });
  await dependencies.index.markSuperseded(entry.reportId, report.reportId);
  return {
    ...base,
    outcome: 'restated',
    published: report,
    changedFigures: changes.figures.length,
  };
}

/**
 * Today's complaint rows that the published report's extract does not hold, compared part
 * by part: a month's published rows against the same month's rows read now, page by page,
 * so no more than one month's published rows are held. A report from before parts has one
 * file of every month's rows, compared with every month's rows of today.
 */
async function complaintsWithLateEvents(
  dependencies: RestatementDependencies,
  entry: ReportEntry,
  computed: Awaited<ReturnType<typeof computeReport>>,
): Promise<number> {
  const window = computed.complaintWindow;
  const pagesOf = (month: string) => dependencies.inputs.complaintStatePages(month, window);
  const listed = new Set(entry.files.map((file) => file.name).filter(isComplaintRowsFile));
  const publishedRows = async (name: string) =>
    listed.has(name) ? complaintStatesOf(await dependencies.files.read(entry.prefix, name)) : [];
  if (listed.has(SINGLE_COMPLAINTS_FILE)) {
    async function* everyMonth() {
      for (const month of window) yield* pagesOf(month);
    }
    return lateComplaintRows(await publishedRows(SINGLE_COMPLAINTS_FILE), everyMonth());
  }
  let late = 0;
  for (const month of window) {
    late += await lateComplaintRows(await publishedRows(complaintPartName(month)), pagesOf(month));
  }
  return late;
}

const noInputs = {
  responses: [],
  invitations: [],
  cases: [],
  subscribers: undefined,
};
const emptyInputs = { current: noInputs, previous: noInputs };
