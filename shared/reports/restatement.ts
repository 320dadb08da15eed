/**
 * Restatements (docs/reports.md, Restatements): what differs between a published report's
 * figures and the same figures recomputed from today's inputs, and the input counts behind
 * each difference. Pure: the check (shared/use-cases/restate-reports.ts) reads and writes.
 */
import type { ComplaintState } from '../domain/complaint-lifecycle.ts';
import type { IndicatorResult, Ranking } from '../indicators/build-indicators.ts';
import type { IndicatorInputs } from '../indicators/catalogue.ts';

/** The file a restatement adds to its report, listed in the manifest like the others. */
export const CHANGES_FILE = 'changes.json';

/** The fields of a published cell that a restatement compares (after rounding). */
export const RESTATED_FIELDS = [
  'value',
  'ci95',
  'margin95',
  'suppressed',
  'compliant',
  'previous',
  'changeSignificant',
] as const;
type RestatedField = (typeof RESTATED_FIELDS)[number];

/** Fields that read the previous period's inputs rather than the period's own. */
const PREVIOUS_FIELDS: ReadonlySet<RestatedField> = new Set(['previous', 'changeSignificant']);

/** An input quantity as the superseded report read it and as it is now. */
export interface InputCount {
  published: number | null;
  now: number | null;
}

/** The inputs of one period (the report's or the previous one), then and now. */
export interface PeriodInputChanges {
  period: string;
  responses: InputCount;
  invitationsSent: InputCount;
  invitationsAnswered: InputCount;
  followUpCases: InputCount;
  /** Cases whose first contact (or existence) differs from what the report read. */
  followUpCasesChanged: number;
  /** The subscribers divided by (null: no record); a difference is a new subscriber count. */
  subscribers: InputCount;
}

/** Why a figure changed: the counts of late inputs of the kind the indicator reads. */
export interface ChangeCause {
  /** Survey answers counted now that the report did not count (CSAT, NPS). */
  lateResponses?: number;
  /** Invitations answered (or sent) since (response rate). */
  lateInvitationAnswers?: number;
  lateInvitations?: number;
  /** Follow-up cases new or first contacted since (the 48-hour follow-up share). */
  followUpCasesChanged?: number;
  /** Complaints or faults whose lifecycle changed by events that arrived after the report. */
  complaintsWithLateEvents?: number;
  /** Periods whose subscriber counts were uploaded or replaced since (per-subscriber rates). */
  newSubscriberCounts?: string[];
}

/** One published cell whose figures differ: the fields that do, old and new. */
export interface FigureChange {
  indicator: string;
  dimensions: IndicatorResult['dimensions'];
  fields: RestatedField[];
  /** The cell as published and as recomputed (null: the cell was not there). */
  old: Partial<IndicatorResult> | null;
  new: Partial<IndicatorResult> | null;
  because: ChangeCause;
}

/** changes.json: every figure the edition restates, and the inputs behind them. */
export interface ReportChanges {
  schema: 'quality-report-changes/v1';
  /** This edition's report id (set when it is published). */
  reportId?: string;
  profile: string;
  period: string;
  edition: number;
  supersedes: string;
  figures: FigureChange[];
  /** Regional rankings whose order or values differ, as published and as recomputed. */
  rankings: { indicator: string; old: Ranking | null; new: Ranking | null }[];
  inputs: {
    current: PeriodInputChanges;
    previous: PeriodInputChanges;
    /** Complaint and fault rows (of those the report read) that are new or changed. */
    complaintsWithLateEvents: number;
  };
}

const cellKey = (cell: Pick<IndicatorResult, 'id' | 'dimensions'>) =>
  `${cell.id}|${JSON.stringify(Object.entries(cell.dimensions).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The figures of a cell that a restatement shows, and n, the count behind them. */
function shown(cell: IndicatorResult | undefined, fields: readonly RestatedField[]) {
  if (!cell) return null;
  return Object.fromEntries(
    [...fields, 'n' as const].map((field) => [field, cell[field] ?? null]),
  ) as Partial<IndicatorResult>;
}

/** What the inputs of one period add up to: the counts a change is explained by. */
function totals(inputs: IndicatorInputs) {
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    responses: sum(inputs.responses.map((row) => row.counts.responses ?? 0)),
    invitationsSent: sum(inputs.invitations.map((row) => row.sent)),
    invitationsAnswered: sum(inputs.invitations.map((row) => row.answered)),
    followUpCases: (inputs.cases ?? []).length,
    cases: (inputs.cases ?? []).map((row) =>
      JSON.stringify([
        row.region,
        row.service,
        row.touchpoint,
        row.channel,
        row.answeredAt,
        row.firstContactedAt ?? '',
      ]),
    ),
    subscribers: inputs.subscribers ? sum(inputs.subscribers.map((row) => row.subscribers)) : null,
  };
}

/** How many of `now` have no equal in `published` (multisets of canonical rows). */
function notIn(published: readonly string[], now: readonly string[]): number {
  const left = new Map<string, number>();
  for (const row of published) left.set(row, (left.get(row) ?? 0) + 1);
  let missing = 0;
  for (const row of now) {
    const count = left.get(row) ?? 0;
    if (count > 0) left.set(row, count - 1);
    else missing += 1;
  }
  return missing;
}

/** A complaint as its extract row holds it (no pseudonym): what the figures read of it. */
const complaintRow = (state: ComplaintState) =>
  JSON.stringify([
    state.kind,
    state.category,
    state.region,
    state.service,
    state.via,
    state.status,
    state.createdAt ?? '',
    state.firstResolvedAt ?? '',
    state.lastResolvedAt ?? '',
    state.reopenedAt ?? '',
    state.closedAt ?? '',
    state.lastEventAt,
  ]);

/**
 * How many of today's complaint rows have no equal among a published part's rows (its
 * lifecycle changed, or it is new): today's rows come page by page, and only the published
 * part's rows are held. The restatement check calls it part by part, one month at a time.
 */
export async function lateComplaintRows(
  published: readonly ComplaintState[],
  now: AsyncIterable<{ states: readonly ComplaintState[] }>,
): Promise<number> {
  const left = new Map<string, number>();
  for (const state of published) {
    const row = complaintRow(state);
    left.set(row, (left.get(row) ?? 0) + 1);
  }
  let late = 0;
  for await (const page of now) {
    for (const state of page.states) {
      const row = complaintRow(state);
      const count = left.get(row) ?? 0;
      if (count > 0) left.set(row, count - 1);
      else late += 1;
    }
  }
  return late;
}

function periodChanges(
  period: string,
  published: IndicatorInputs,
  now: IndicatorInputs,
): PeriodInputChanges {
  const then = totals(published);
  const today = totals(now);
  const count = (
    key: 'responses' | 'invitationsSent' | 'invitationsAnswered' | 'followUpCases',
  ) => ({
    published: then[key],
    now: today[key],
  });
  return {
    period,
    responses: count('responses'),
    invitationsSent: count('invitationsSent'),
    invitationsAnswered: count('invitationsAnswered'),
    followUpCases: count('followUpCases'),
    followUpCasesChanged: notIn(then.cases, today.cases) + notIn(today.cases, then.cases),
    subscribers: { published: then.subscribers, now: today.subscribers },
  };
}

/** The late inputs of the kind an indicator reads, in the periods its changed fields read. */
function causeOf(
  indicator: string,
  fields: readonly RestatedField[],
  inputs: ReportChanges['inputs'],
): ChangeCause {
  const periods = [
    ...(fields.some((field) => !PREVIOUS_FIELDS.has(field)) ? [inputs.current] : []),
    ...(fields.some((field) => PREVIOUS_FIELDS.has(field)) ? [inputs.previous] : []),
  ];
  const delta = (pick: (period: PeriodInputChanges) => InputCount) =>
    periods.reduce(
      (total, period) => total + ((pick(period).now ?? 0) - (pick(period).published ?? 0)),
      0,
    );
  const cause: ChangeCause = {};
  if (indicator === 'survey.csat_pct' || indicator === 'survey.nps') {
    cause.lateResponses = delta((period) => period.responses);
  } else if (indicator === 'survey.response_rate_pct') {
    cause.lateInvitationAnswers = delta((period) => period.invitationsAnswered);
    cause.lateInvitations = delta((period) => period.invitationsSent);
  } else if (indicator.startsWith('survey.')) {
    cause.followUpCasesChanged = periods.reduce(
      (total, period) => total + period.followUpCasesChanged,
      0,
    );
  } else {
    cause.complaintsWithLateEvents = inputs.complaintsWithLateEvents;
    const recounted = periods
      .filter((period) => !same(period.subscribers.published, period.subscribers.now))
      .map((period) => period.period);
    if (/per_/.test(indicator) && recounted.length > 0) cause.newSubscriberCounts = recounted;
  }
  return cause;
}

/**
 * Compares a published report's figures with the same figures recomputed now, and says
 * which inputs changed: every cell whose value, interval, margin, suppression, target
 * verdict, previous value or change flag differs after rounding, and every ranking that
 * differs. An empty `figures` and `rankings` means nothing to restate.
 */
export function restatedFigures(input: {
  published: { indicators: readonly IndicatorResult[]; rankings: readonly Ranking[] };
  recomputed: { indicators: readonly IndicatorResult[]; rankings: readonly Ranking[] };
  /** The inputs the published report read (from its extract), and today's. */
  publishedInputs: { current: IndicatorInputs; previous: IndicatorInputs };
  nowInputs: { current: IndicatorInputs; previous: IndicatorInputs };
  /** Complaint rows of today's that the published report's extract does not hold. */
  complaintsWithLateEvents: number;
  periods: { current: string; previous: string };
}): Pick<ReportChanges, 'figures' | 'rankings' | 'inputs'> {
  const { publishedInputs, nowInputs } = input;
  const inputs: ReportChanges['inputs'] = {
    current: periodChanges(input.periods.current, publishedInputs.current, nowInputs.current),
    previous: periodChanges(input.periods.previous, publishedInputs.previous, nowInputs.previous),
    complaintsWithLateEvents: input.complaintsWithLateEvents,
  };
  // JSON as published: a recomputed cell's undefined fields are absent, as in report.json.
  const recomputed = JSON.parse(JSON.stringify(input.recomputed.indicators)) as IndicatorResult[];
  const before = new Map(input.published.indicators.map((cell) => [cellKey(cell), cell]));
  const after = new Map(recomputed.map((cell) => [cellKey(cell), cell]));
  const figures: FigureChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(key);
    const now = after.get(key);
    const cell = now ?? old;
    if (!cell) continue;
    const fields = RESTATED_FIELDS.filter((field) => !old || !now || !same(old[field], now[field]));
    if (fields.length === 0) continue;
    figures.push({
      indicator: cell.id,
      dimensions: cell.dimensions,
      fields,
      old: shown(old, fields),
      new: shown(now, fields),
      because: causeOf(cell.id, fields, inputs),
    });
  }
  const rankingsNow = JSON.parse(JSON.stringify(input.recomputed.rankings)) as Ranking[];
  const rankings = [
    ...new Set([...input.published.rankings, ...rankingsNow].map((ranking) => ranking.indicator)),
  ]
    .map((indicator) => ({
      indicator,
      old: input.published.rankings.find((ranking) => ranking.indicator === indicator) ?? null,
      new: rankingsNow.find((ranking) => ranking.indicator === indicator) ?? null,
    }))
    .filter((ranking) => !same(ranking.old, ranking.new));
  return { figures, rankings, inputs };
}

/** changes.json's bytes. */
export const renderChangesJson = (changes: ReportChanges) =>
  `${JSON.stringify(changes, null, 2)}\n`;
