import { randomBytes } from 'node:crypto';
import type { Group } from '#shared/domain/people.ts';
import {
  cookieHash,
  newCookieValue,
  type PendingSignIn,
  type PortalSession,
} from '#shared/domain/portal-session.ts';
import type { QueuedReportRun } from '#shared/domain/report-run.ts';
import type { SubscriberCountRow } from '#shared/domain/subscriber-counts.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import type { ReportEntry } from '#shared/use-cases/build-report.ts';
import type { PeopleDirectory, Person } from '#shared/use-cases/people.ts';
import type {
  IdentityProvider,
  PortalSessions,
  SessionStore,
  SignedInIdentity,
} from '#shared/use-cases/portal-session.ts';
import type {
  DownloadLinks,
  DownloadRecord,
  ReportCatalogue,
} from '#shared/use-cases/report-access.ts';
import type {
  ReportRunLog,
  ReportRunQueue,
  ReportRunRecord,
} from '#shared/use-cases/report-runs.ts';
import type { SubscriberCountStore } from '#shared/use-cases/subscriber-counts.ts';
import { type PortalDependencies, portalApp } from '#shared/web/portal/app.ts';

// In-memory stand-ins for the portal use cases' own ports (the interfaces the use cases
// define), for unit and page tests. The adapters behind the same ports are tested
// against the emulator; these only keep what they are given and say what happened.

/** A clock the test moves by hand. */
export function testClock(start = new Date('2026-11-02T09:00:00.000Z')) {
  let now = start;
  return {
    now: () => now,
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

/** Sessions and sign-ins under way in maps, keyed as the table keys them (cookie hashes). */
export function inMemorySessionStore() {
  const signIns = new Map<string, PendingSignIn>();
  const sessions = new Map<string, PortalSession>();
  const touches: string[] = [];
  const store: SessionStore = {
    async putSignIn(hash, pending) {
      signIns.set(hash, { ...pending });
    },
    async takeSignIn(hash) {
      const pending = signIns.get(hash);
      signIns.delete(hash);
      return pending;
    },
    async putSession(hash, session) {
      if (sessions.has(hash)) throw new Error('a session with this key exists');
      sessions.set(hash, { ...session });
    },
    async getSession(hash) {
      const session = sessions.get(hash);
      return session ? { ...session } : undefined;
    },
    async touchSession(hash, session) {
      touches.push(hash);
      if (sessions.has(hash)) sessions.set(hash, { ...session });
    },
    async deleteSession(hash) {
      const session = sessions.get(hash);
      sessions.delete(hash);
      return session;
    },
    async deleteSessionsOf(subject) {
      let ended = 0;
      for (const [hash, session] of sessions) {
        if (session.subject === subject) {
          sessions.delete(hash);
          ended += 1;
        }
      }
      return ended;
    },
  };
  return { store, signIns, sessions, touches };
}

export const PROVIDER_ORIGIN = 'https://login.example.test';

/**
 * The user pool's managed login as the relying party sees it: it hands out fresh state,
 * nonce and PKCE verifier, and (as openid-client does) refuses a callback whose `state`
 * is not the one the sign-in began with. Who signs in is set by the test.
 */
export function fakeIdentityProvider(
  identity: SignedInIdentity = {
    subject: 'sub-regulator',
    email: 'analyst@regulator.example',
    groups: ['regulators'],
    refreshToken: 'refresh-1',
  },
) {
  const begun: Omit<PendingSignIn, 'createdAt'>[] = [];
  const finished: { callback: URL; pending: PendingSignIn }[] = [];
  const revoked: string[] = [];
  const random = () => randomBytes(16).toString('base64url');
  const provider: IdentityProvider & { identity: SignedInIdentity } = {
    identity,
    async beginSignIn() {
      const pending = { state: random(), nonce: random(), codeVerifier: random() };
      begun.push(pending);
      const url = new URL(`${PROVIDER_ORIGIN}/oauth2/authorize`);
      url.searchParams.set('state', pending.state);
      url.searchParams.set('nonce', pending.nonce);
      url.searchParams.set('code_challenge_method', 'S256');
      return { url, pending };
    },
    async finishSignIn(callback, pending) {
      finished.push({ callback, pending });
      if (callback.searchParams.get('state') !== pending.state) {
        throw new Error('unexpected "state" response parameter value');
      }
      return provider.identity;
    },
    async revokeRefreshToken(token) {
      revoked.push(token);
    },
    async signOutUrl() {
      return new URL(`${PROVIDER_ORIGIN}/logout?client_id=portal`);
    },
  };
  return { provider, begun, finished, revoked };
}

/** The report index: listed newest first, downloads kept in order. */
export function inMemoryReportCatalogue(entries: ReportEntry[], failingReportId?: string) {
  const downloads: DownloadRecord[] = [];
  const catalogue: ReportCatalogue = {
    async list(filter, limit = 100) {
      return entries
        .filter(
          (entry) =>
            (!filter.profile || entry.profile === filter.profile) &&
            (!filter.period || entry.period === filter.period),
        )
        .sort((a, b) => b.generatedAt.localeCompare(a.generatedAt))
        .slice(0, limit);
    },
    async get(reportId) {
      if (reportId === failingReportId) throw new Error('the report index did not answer');
      return entries.find((entry) => entry.reportId === reportId);
    },
    async recordDownload(record) {
      downloads.push(record);
    },
  };
  return { catalogue, downloads };
}

/** Presigned links that say what they were signed for. */
export function fakeDownloadLinks() {
  const presigned: { key: string; expiresInSeconds: number }[] = [];
  const links: DownloadLinks = {
    async presignGet(key, expiresInSeconds) {
      presigned.push({ key, expiresInSeconds });
      return `https://reports.example.test/${key}?X-Amz-Expires=${expiresInSeconds}`;
    },
  };
  return { links, presigned };
}

/** The run queue and the run log, as lists. */
export function inMemoryReportRuns(records: ReportRunRecord[] = []) {
  const queued: QueuedReportRun[] = [];
  const queue: ReportRunQueue = {
    async enqueue(run) {
      queued.push(run);
    },
  };
  const log: ReportRunLog = {
    async requested(run) {
      records.unshift({
        runId: run.runId,
        profile: run.profile,
        period: run.period,
        requestedBy: run.requestedBy,
        requestedAt: run.requestedAt.toISOString(),
        failures: 0,
      });
    },
    async published(runId, outcome) {
      const record = records.find((entry) => entry.runId === runId);
      if (record) Object.assign(record, { reportId: outcome.reportId });
    },
    async failed(runId) {
      const record = records.find((entry) => entry.runId === runId);
      if (record) record.failures += 1;
    },
    async recent(limit) {
      return records.slice(0, limit);
    },
  };
  return { queue, log, queued, records };
}

/** Subscriber counts, every upload kept. */
export function inMemorySubscriberStore() {
  const uploads: { period: string; counts: SubscriberCountRow[]; uploadedBy: string }[] = [];
  const store: SubscriberCountStore = {
    async put(period, counts, _uploadedAt, uploadedBy) {
      uploads.push({ period, counts, uploadedBy });
      return `v${uploads.length}`;
    },
  };
  return { store, uploads };
}

/** The user pool's people and groups. */
export function inMemoryPeopleDirectory(members: Record<Group, Person[]>) {
  const invited: { email: string; group: Group }[] = [];
  const removed: { username: string; group: Group }[] = [];
  const directory: PeopleDirectory = {
    async members() {
      return {
        regulators: [...members.regulators],
        assessors: [...members.assessors],
        admins: [...members.admins],
      };
    },
    async invite(email, group) {
      invited.push({ email, group });
      members[group].push({ username: email, subject: `sub-${email}`, email, status: 'X' });
    },
    async remove(username, group) {
      removed.push({ username, group });
      members[group] = members[group].filter((member) => member.username !== username);
    },
  };
  return { directory, invited, removed };
}

// ---- a seeded portal --------------------------------------------------------------------

const sha = (seed: string) => seed.repeat(64).slice(0, 64);

/** A report with its files; an assessor's extract where `extract` says so. */
export function reportEntry(
  reportId: string,
  profile: string,
  period: string,
  generatedAt: string,
  extract = false,
): ReportEntry {
  return {
    reportId,
    profile,
    period,
    generatedAt,
    prefix: `reports/${profile}/${period}/${reportId}/`,
    files: [
      { name: 'report.json', bytes: 18_204, sha256: sha('a1') },
      { name: 'indicators.csv', bytes: 2_310, sha256: sha('b2') },
      { name: 'report.html', bytes: 48_770, sha256: sha('c3') },
      { name: 'methodology.json', bytes: 912, sha256: sha('d4') },
      ...(extract
        ? [
            { name: 'extract/complaints/2026-10.csv.gz', bytes: 40_960, sha256: sha('f6') },
            { name: 'extract/responses.csv.gz', bytes: 1_572_864, sha256: sha('e5') },
          ]
        : []),
    ],
    manifest: JSON.stringify({ codeVersion: '0.1.0+907764f' }),
    signature: 'MEUCIQ==',
  };
}

/** The seeded reports: newest is `LATEST_REPORT_ID`, which has an extract. */
export const LATEST_REPORT_ID = '20261101T030000Z-0123456789ab';
export const OLDER_REPORT_ID = '20261001T030000Z-ba9876543210';
export const QUARTER_REPORT_ID = '20261002T040000Z-00000000000c';
/** A report id whose lookup fails inside (the index does not answer): a 500 page. */
export const FAILING_REPORT_ID = '20261103T030000Z-deadbeef0000';

/** The people the seeded portal knows, one per group. */
export const PEOPLE = {
  regulator: { subject: 'sub-regulator', email: 'analyst@regulator.example' },
  assessor: { subject: 'sub-assessor', email: 'auditor@assessor.example' },
  admin: { subject: 'sub-admin', email: 'ops@operator.example' },
} as const;
export type Role = keyof typeof PEOPLE;
const GROUP_OF: Record<Role, Group> = {
  regulator: 'regulators',
  assessor: 'assessors',
  admin: 'admins',
};

/**
 * The real portal app on fakes of its ports, seeded with three reports, a few runs and
 * downloads, and one person per group; `signIn` puts a live session in the store and
 * answers its cookie, so a test needs no sign-in round trip.
 */
export function seededPortal(options: { clock?: ReturnType<typeof testClock> } = {}) {
  const clock = options.clock ?? testClock();
  const sessionStore = inMemorySessionStore();
  const identity = fakeIdentityProvider();
  const reports = inMemoryReportCatalogue(
    [
      reportEntry(OLDER_REPORT_ID, 'baseline', '2026-09', '2026-10-01T03:00:00.000Z'),
      reportEntry(QUARTER_REPORT_ID, 'cn-miit', '2026-Q3', '2026-10-02T04:00:00.000Z'),
      reportEntry(LATEST_REPORT_ID, 'baseline', '2026-10', '2026-11-01T03:00:00.000Z', true),
    ],
    FAILING_REPORT_ID,
  );
  const links = fakeDownloadLinks();
  const runs = inMemoryReportRuns([
    {
      runId: '20261101T020000Z-0000000000a1',
      profile: 'baseline',
      period: '2026-10',
      requestedBy: PEOPLE.admin.subject,
      requestedAt: '2026-11-01T02:00:00.000Z',
      reportId: LATEST_REPORT_ID,
      publishedAt: '2026-11-01T03:00:00.000Z',
      failures: 0,
    },
    {
      runId: '20261001T020000Z-0000000000a2',
      profile: 'cn-miit',
      period: '2026-Q3',
      failures: 2,
    },
  ]);
  const subscribers = inMemorySubscriberStore();
  const people = inMemoryPeopleDirectory({
    regulators: [{ username: 'u-reg', ...PEOPLE.regulator, status: 'CONFIRMED' }],
    assessors: [{ username: 'u-ass', ...PEOPLE.assessor, status: 'CONFIRMED' }],
    admins: [{ username: 'u-adm', ...PEOPLE.admin, status: 'CONFIRMED' }],
  });
  const audited: { message: string; fields: Record<string, unknown> }[] = [];
  const failures: unknown[] = [];
  const sessions: PortalSessions = {
    store: sessionStore.store,
    provider: identity.provider,
    now: clock.now,
  };
  let runSerial = 0;
  const dependencies: PortalDependencies = {
    sessions,
    reports: { catalogue: reports.catalogue, links: links.links, now: clock.now },
    runs: {
      queue: runs.queue,
      log: runs.log,
      profiles: BUILT_IN_PROFILES,
      timezone: 'Asia/Shanghai',
      firstMonth: '2026-01',
      now: clock.now,
      newRunId: () => `20261102T090000Z-${(++runSerial).toString(16).padStart(12, '0')}`,
    },
    subscribers: subscribers.store,
    people: people.directory,
    downloads: async () => [
      {
        subject: PEOPLE.assessor.subject,
        groups: ['assessors'],
        reportId: LATEST_REPORT_ID,
        file: 'extract/responses.csv.gz',
        at: new Date('2026-11-01T08:30:00.000Z'),
      },
      {
        subject: 'sub-gone',
        groups: ['regulators'],
        reportId: LATEST_REPORT_ID,
        file: 'report.json',
        at: new Date('2026-11-01T08:00:00.000Z'),
      },
    ],
    publicBaseUrl: 'https://api.example.test',
    timezone: 'Asia/Shanghai',
    audit: (message, fields) => audited.push({ message, fields }),
    fail: (error) => failures.push(error),
  };

  /** A live session for one of the seeded people (or any groups), and its cookie. */
  async function signIn(role: Role | { subject: string; email: string; groups: Group[] }) {
    const person = typeof role === 'string' ? { ...PEOPLE[role], groups: [GROUP_OF[role]] } : role;
    const cookie = newCookieValue();
    const session: PortalSession = {
      ...person,
      csrfToken: newCookieValue(),
      refreshToken: `refresh-${person.subject}`,
      createdAt: clock.now(),
      lastSeenAt: clock.now(),
    };
    await sessionStore.store.putSession(cookieHash(cookie), session);
    return { cookie, csrfToken: session.csrfToken };
  }

  return {
    app: portalApp(dependencies),
    dependencies,
    clock,
    signIn,
    sessionStore,
    identity,
    reports,
    links,
    runs,
    subscribers,
    people,
    audited,
    failures,
  };
}
