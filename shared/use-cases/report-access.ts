import { NoSuchResourceError } from '../domain/errors.ts';
import {
  type Caller,
  EXTRACT_READERS,
  isInAnyGroup,
  READERS,
  requireAnyGroup,
} from '../domain/people.ts';
import { looksLikeReportId } from '../domain/report-id.ts';
import type { ReportEntry } from './build-report.ts';

/** Presigned downloads live at most five minutes (docs/design.md §3). */
export const DOWNLOAD_URL_SECONDS = 300;

/**
 * One download, for the audit log: who (user pool subject and groups: no name or address,
 * which the user pool holds), what, when.
 */
export interface DownloadRecord {
  subject: string;
  groups: string[];
  reportId: string;
  file: string;
  at: Date;
}

/** The report index as readers see it, and the download audit log. */
export interface ReportCatalogue {
  /** Newest first; with `current`, without the editions a restatement superseded. */
  list(
    filter: { profile?: string; period?: string; current?: boolean },
    limit?: number,
  ): Promise<ReportEntry[]>;
  get(reportId: string): Promise<ReportEntry | undefined>;
  /** Written before the download link is handed out: no audit entry, no link. */
  recordDownload(record: DownloadRecord): Promise<void>;
}

/** Short-lived links to the report files. */
export interface DownloadLinks {
  /** A GET of the object, of `versionId` when given: the version the report was built with. */
  presignGet(key: string, expiresInSeconds: number, versionId?: string): Promise<string>;
}

export interface ReportAccess {
  catalogue: ReportCatalogue;
  links: DownloadLinks;
  now: () => Date;
}

/** A report as its reader may see it: files they may not take are left out. */
export interface ReportView {
  reportId: string;
  profile: string;
  period: string;
  generatedAt: string;
  /** 1 for a period's first report, 2, 3, … for its restatements. */
  edition: number;
  /** The edition this one replaced. */
  supersedes?: string;
  /** The restatement that replaced this one as the period's current edition. */
  supersededBy?: string;
  files: { name: string; bytes: number; sha256: string }[];
}

/** Assessor extracts (`extract/*`) are for assessors alone (docs/design.md §3). */
export const isExtract = (name: string) => name.startsWith('extract/');

function viewOf(entry: ReportEntry, caller: Caller): ReportView {
  const extracts = isInAnyGroup(caller, EXTRACT_READERS);
  return {
    reportId: entry.reportId,
    profile: entry.profile,
    period: entry.period,
    generatedAt: entry.generatedAt,
    edition: entry.edition ?? 1,
    ...(entry.supersedes ? { supersedes: entry.supersedes } : {}),
    ...(entry.supersededBy ? { supersededBy: entry.supersededBy } : {}),
    files: entry.files
      .filter((file) => extracts || !isExtract(file.name))
      .map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
  };
}

async function entryOf(access: ReportAccess, reportId: string): Promise<ReportEntry> {
  const entry = looksLikeReportId(reportId) ? await access.catalogue.get(reportId) : undefined;
  if (!entry) throw new NoSuchResourceError(`There is no report ${reportId}.`);
  return entry;
}

/**
 * The reports a reader may see, newest first (at most 100), of a profile and/or period:
 * each period's current editions, or with `editions: 'all'` the superseded ones too.
 */
export async function listReports(
  access: ReportAccess,
  caller: Caller,
  filter: { profile?: string; period?: string; editions?: 'current' | 'all' },
): Promise<ReportView[]> {
  requireAnyGroup(caller, READERS);
  const { editions = 'current', ...rest } = filter;
  const entries = await access.catalogue.list({ ...rest, current: editions === 'current' });
  return entries.map((entry) => viewOf(entry, caller));
}

/** One report with its signed manifest (as signed) and signature (base64). */
export async function describeReport(
  access: ReportAccess,
  caller: Caller,
  reportId: string,
): Promise<ReportView & { manifest: string; signature: string; codeVersion?: string }> {
  requireAnyGroup(caller, READERS);
  const entry = await entryOf(access, reportId);
  const manifest = JSON.parse(entry.manifest) as { codeVersion?: unknown };
  return {
    ...viewOf(entry, caller),
    manifest: entry.manifest,
    signature: entry.signature,
    ...(typeof manifest.codeVersion === 'string' ? { codeVersion: manifest.codeVersion } : {}),
  };
}

/**
 * A download link for one file of a report, valid five minutes, after the download is
 * written to the audit log. An extract is refused to anyone but assessors before
 * anything is read, recorded or signed.
 */
export async function downloadLink(
  access: ReportAccess,
  caller: Caller,
  reportId: string,
  name: string,
): Promise<string> {
  requireAnyGroup(caller, READERS);
  if (isExtract(name)) requireAnyGroup(caller, EXTRACT_READERS);
  const entry = await entryOf(access, reportId);
  const file = entry.files.find((candidate) => candidate.name === name);
  if (!file) {
    throw new NoSuchResourceError(`Report ${reportId} has no file ${name}.`);
  }
  await access.catalogue.recordDownload({
    subject: caller.subject,
    groups: caller.groups,
    reportId,
    file: name,
    at: access.now(),
  });
  // Pinned to the version the report was built with: another version under the same key
  // (a governance-mode overwrite outside prod) is not what the manifest signed.
  return access.links.presignGet(`${entry.prefix}${name}`, DOWNLOAD_URL_SECONDS, file.versionId);
}

/**
 * Every edition of a report's period, newest first: the report's own history, from its
 * first edition to the current one.
 */
export async function editionsOf(
  access: ReportAccess,
  caller: Caller,
  report: Pick<ReportView, 'profile' | 'period'>,
): Promise<ReportView[]> {
  const all = await listReports(access, caller, { ...report, editions: 'all' });
  return all.filter((view) => view.edition > 1 || view.supersededBy !== undefined);
}
