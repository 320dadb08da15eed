import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidInputError, NoSuchResourceError } from '../../domain/errors.ts';
import { ADMINS, requireAnyGroup } from '../../domain/people.ts';
import {
  csrfTokenMatches,
  type PortalSession,
  SESSION_MAX_SECONDS,
} from '../../domain/portal-session.ts';
import { REPORT_ID_PATTERN } from '../../domain/report-id.ts';
import type { Locale } from '../../domain/survey-definitions.ts';
import {
  type Answer,
  bodyAnswer,
  htmlAnswer,
  NO_STORE,
  redirectAnswer,
} from '../../http/answers.ts';
import { cookieOf, expiredHostCookie, hostCookie } from '../../http/cookies.ts';
import { type HttpProblemError, refusalOf } from '../../http/problem.ts';
import { type PostedForm, readForm } from '../../http/request-body.ts';
import { isPeriodId } from '../../indicators/periods.ts';
import {
  invitePerson,
  listPeople,
  type PeopleDirectory,
  readDownloadAudit,
  removePerson,
} from '../../use-cases/people.ts';
import {
  beginSignIn,
  callerOfSession,
  currentSession,
  finishSignIn,
  type PortalSessions,
  SignInFailedError,
  signOut,
} from '../../use-cases/portal-session.ts';
import {
  type DownloadRecord,
  describeReport,
  downloadLink,
  editionsOf,
  listReports,
  type ReportAccess,
} from '../../use-cases/report-access.ts';
import {
  type ReportRuns,
  recentReportRuns,
  requestReportRun,
} from '../../use-cases/report-runs.ts';
import {
  type SubscriberCountStore,
  storeSubscriberCounts,
} from '../../use-cases/subscriber-counts.ts';
import {
  type AdminNotice,
  type ErrorKind,
  type PageContext,
  portalCsp,
  renderAdmin,
  renderAudit,
  renderError,
  renderReport,
  renderReports,
  renderSignedOut,
  renderWelcome,
} from './pages.ts';
import { portalLocale } from './text.ts';

/** What the portal runs on: the same use cases and adapters as the API's functions. */
export interface PortalDependencies {
  sessions: PortalSessions;
  reports: ReportAccess;
  runs: ReportRuns;
  subscribers: SubscriberCountStore;
  people: PeopleDirectory;
  downloads: (now: Date, days: number, limit: number) => Promise<DownloadRecord[]>;
  /** The API's public URL: where GET /reports/signing-key is served. */
  publicBaseUrl: string;
  timezone: string;
  /** Logs an action by user pool subject, never by name or address. */
  audit: (message: string, fields: Record<string, unknown>) => void;
  /** Logs what went wrong inside, for the operators (the page says nothing of it). */
  fail: (error: unknown) => void;
}

export const SESSION_COOKIE = '__Host-tsq-session';
export const SIGN_IN_COOKIE = '__Host-tsq-signin';
export const LANGUAGE_COOKIE = '__Host-tsq-lang';

interface Visit {
  request: APIGatewayProxyEventV2;
  path: string;
  locale: Locale;
  session: PortalSession | undefined;
  params: string[];
}

interface SignedInVisit extends Visit {
  session: PortalSession;
  /** A post's form, read once (its CSRF token checked before the page runs). */
  form: PostedForm;
}

type Page = (visit: Visit) => Promise<Answer>;
type SignedInPage = (visit: SignedInVisit) => Promise<Answer>;

const PAGE_BASE = 'https://portal.invalid';

/**
 * Where the language switch goes back to: a page of the portal as the browser will
 * resolve it (dot segments, encoded or not, followed), else the front page. Never another
 * site, another route of the API, or a header with a control character in it.
 */
export function portalPageOf(back: string): string {
  if (!/^\/portal([/?]|$)/.test(back) || /[\p{Cc}\\]/u.test(back)) return '/portal';
  const url = new URL(back, PAGE_BASE);
  const inPortal =
    url.origin === PAGE_BASE &&
    /^\/portal(\/|$)/.test(url.pathname) &&
    !url.pathname.includes('//');
  return inPortal ? `${url.pathname}${url.search}` : '/portal';
}

/** The portal: every route under /portal/, as one function behind the HTTP API. */
export function portalApp(deps: PortalDependencies) {
  const csp = async () => {
    try {
      return portalCsp((await deps.sessions.provider.signOutUrl()).origin);
    } catch {
      return portalCsp(undefined);
    }
  };
  const page = async (status: number, markup: string) => htmlAnswer(status, markup, await csp());
  const context = (visit: Visit): PageContext => ({
    locale: visit.locale,
    // A page shown in answer to a form: its language switch goes back to the page the
    // form is on (a GET of the form's own address is no page).
    path:
      visit.request.requestContext.http.method === 'POST'
        ? visit.path.startsWith('/portal/admin/')
          ? '/portal/admin'
          : '/portal'
        : `${visit.path}${visit.request.rawQueryString ? `?${visit.request.rawQueryString}` : ''}`,
    ...(visit.session
      ? {
          person: {
            email: visit.session.email,
            groups: visit.session.groups,
            csrfToken: visit.session.csrfToken,
          },
        }
      : {}),
  });
  const profileIds = () => Object.keys(deps.runs.profiles).sort();

  // ---- pages anyone may open ------------------------------------------------------------

  const welcome: Page = async (visit) =>
    visit.session
      ? redirectAnswer(303, '/portal/reports')
      : page(200, renderWelcome(context(visit)));

  const startSignIn: Page = async () => {
    const { cookie, url } = await beginSignIn(deps.sessions);
    const answer = redirectAnswer(302, url.toString());
    return { ...answer, cookies: [hostCookie(SIGN_IN_COOKIE, cookie, 600)] };
  };

  const callback: Page = async (visit) => {
    // The callback URL as the provider sent the browser to it (the code was issued for it).
    const callbackUrl = new URL(`${deps.publicBaseUrl}/portal/callback`);
    callbackUrl.search = visit.request.rawQueryString;
    const { cookie, session } = await finishSignIn(
      deps.sessions,
      cookieOf(visit.request, SIGN_IN_COOKIE),
      callbackUrl,
    );
    deps.audit('portal sign-in', { subject: session.subject, groups: session.groups });
    return {
      ...redirectAnswer(303, '/portal/reports'),
      cookies: [
        expiredHostCookie(SIGN_IN_COOKIE),
        hostCookie(SESSION_COOKIE, cookie, SESSION_MAX_SECONDS),
      ],
    };
  };

  const signedOut: Page = async (visit) =>
    visit.session
      ? redirectAnswer(303, '/portal/reports')
      : page(200, renderSignedOut(context(visit)));

  const language: Page = async (visit) => {
    const query = new URLSearchParams(visit.request.rawQueryString);
    const to = query.get('to') === 'en' ? 'en' : 'zh-CN';
    return {
      ...redirectAnswer(303, portalPageOf(query.get('back') ?? '')),
      cookies: [hostCookie(LANGUAGE_COOKIE, to)],
    };
  };

  // ---- pages for people signed in ---------------------------------------------------------

  const reports: SignedInPage = async (visit) => {
    const query = new URLSearchParams(visit.request.rawQueryString);
    const profile = query.get('profile') ?? '';
    const period = (query.get('period') ?? '').trim();
    const filter = {
      ...(profile && profileIds().includes(profile) ? { profile } : {}),
      ...(period && isPeriodId(period) ? { period } : {}),
    };
    // A period that is none is said so, not quietly dropped from the filter.
    const periodInvalid = period !== '' && !isPeriodId(period);
    const views = periodInvalid
      ? []
      : await listReports(deps.reports, callerOfSession(visit.session), filter);
    return page(
      periodInvalid ? 400 : 200,
      renderReports(context(visit), {
        reports: views,
        profiles: profileIds(),
        filter: { ...filter, ...(period ? { period } : {}) },
        periodInvalid,
        timezone: deps.timezone,
      }),
    );
  };

  const report: SignedInPage = async (visit) => {
    const view = await describeReport(
      deps.reports,
      callerOfSession(visit.session),
      visit.params[0] ?? '',
    );
    const editions = await editionsOf(deps.reports, callerOfSession(visit.session), view);
    return page(
      200,
      renderReport(context(visit), {
        report: view,
        editions,
        timezone: deps.timezone,
        signingKeyUrl: `${deps.publicBaseUrl}/reports/signing-key`,
      }),
    );
  };

  /** The manifest as signed, and its signature (base64): what the openssl check reads. */
  const manifestFile: SignedInPage = async (visit) => {
    const [reportId = '', name = ''] = visit.params;
    const view = await describeReport(deps.reports, callerOfSession(visit.session), reportId);
    const [type, body] =
      name === 'manifest.sig'
        ? ['text/plain; charset=utf-8', view.signature]
        : ['application/json', view.manifest];
    return bodyAnswer(200, type, body, {
      'content-disposition': `attachment; filename="${name}"`,
      'x-content-type-options': 'nosniff',
      ...NO_STORE,
    });
  };

  const file: SignedInPage = async (visit) => {
    const [reportId = '', encodedName = ''] = visit.params;
    let name: string;
    try {
      name = encodedName.split('/').map(decodeURIComponent).join('/');
    } catch {
      // Not percent-encoded right: no file of any report has such a name.
      throw new NoSuchResourceError(`Report ${reportId} has no such file.`);
    }
    const url = await downloadLink(deps.reports, callerOfSession(visit.session), reportId, name);
    deps.audit('report download', { reportId, file: name, subject: visit.session.subject });
    return redirectAnswer(302, url);
  };

  const noticeOf = (query: URLSearchParams): AdminNotice | undefined => {
    const run = query.get('run');
    if (run && REPORT_ID_PATTERN.test(run)) return { kind: 'run', text: run };
    const subscribers = query.get('subscribers');
    if (subscribers && /^[0-9Q-]{4,7}:\d{1,6}$/.test(subscribers)) {
      const [period, rows] = subscribers.split(':');
      return { kind: 'subscribers', text: `${period} (${rows})` };
    }
    for (const kind of ['invited', 'removed'] as const) {
      const email = query.get(kind);
      if (email && /^[^@\s<>"]{1,64}@[^@\s<>"]{1,190}$/.test(email)) return { kind, text: email };
    }
    return undefined;
  };

  async function adminPage(
    visit: SignedInVisit,
    status: number,
    extra: { notice?: AdminNotice; errors?: Parameters<typeof renderAdmin>[1]['errors'] } = {},
  ): Promise<Answer> {
    const caller = callerOfSession(visit.session);
    requireAnyGroup(caller, ADMINS);
    const [runs, people] = await Promise.all([
      recentReportRuns(deps.runs, caller),
      listPeople(deps.people, caller),
    ]);
    return page(
      status,
      renderAdmin(
        {
          ...context(visit),
          person: {
            email: visit.session.email,
            groups: visit.session.groups,
            csrfToken: visit.session.csrfToken,
          },
        },
        {
          profiles: profileIds(),
          runs,
          people,
          timezone: deps.timezone,
          ...extra,
        },
      ),
    );
  }

  const admin: SignedInPage = async (visit) => {
    const notice = noticeOf(new URLSearchParams(visit.request.rawQueryString));
    return adminPage(visit, 200, notice ? { notice } : {});
  };

  /** An admin form: its use case, then back to the admin page (its errors, if refused). */
  const adminForm =
    (
      form: 'run' | 'subscribers' | 'people',
      act: (
        visit: SignedInVisit,
        fields: Record<string, string>,
        files: PostedForm['files'],
      ) => Promise<string>,
    ): SignedInPage =>
    async (visit) => {
      requireAnyGroup(callerOfSession(visit.session), ADMINS);
      const { fields, files } = visit.form;
      try {
        return redirectAnswer(303, `/portal/admin?${await act(visit, fields, files)}`);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        return adminPage(visit, 400, {
          errors: { form, detail: error.message, fields: error.errors },
        });
      }
    };

  const runReport = adminForm('run', async (visit, fields) => {
    const run = await requestReportRun(deps.runs, callerOfSession(visit.session), {
      profile: fields.profile ?? '',
      period: (fields.period ?? '').trim(),
    });
    deps.audit('report run queued', { runId: run.runId, subject: visit.session.subject });
    return `run=${run.runId}`;
  });

  const uploadSubscribers = adminForm('subscribers', async (visit, fields, files) => {
    const csv = files.file?.text ?? fields.csv ?? '';
    const stored = await storeSubscriberCounts(
      deps.subscribers,
      callerOfSession(visit.session),
      (fields.period ?? '').trim(),
      { csv: csv.replace(/^\uFEFF/, '') },
      new Date(),
    );
    deps.audit('subscriber counts stored', { ...stored, subject: visit.session.subject });
    return `subscribers=${encodeURIComponent(`${stored.period}:${stored.rows}`)}`;
  });

  const invite = adminForm('people', async (visit, fields) => {
    const invited = await invitePerson(deps.people, callerOfSession(visit.session), {
      email: fields.email ?? '',
      group: fields.group ?? '',
    });
    deps.audit('person invited', { group: invited.group, subject: visit.session.subject });
    return `invited=${encodeURIComponent(invited.email)}`;
  });

  const remove = adminForm('people', async (visit, fields) => {
    const removed = await removePerson(
      deps.people,
      callerOfSession(visit.session),
      { email: fields.email ?? '', group: fields.group ?? '' },
      (subject) => deps.sessions.store.deleteSessionsOf(subject),
    );
    deps.audit('person removed', { group: removed.group, subject: visit.session.subject });
    return `removed=${encodeURIComponent(removed.email)}`;
  });

  const auditLog: SignedInPage = async (visit) => {
    const downloads = await readDownloadAudit(
      { directory: deps.people, downloads: deps.downloads, now: () => new Date() },
      callerOfSession(visit.session),
    );
    return page(200, renderAudit(context(visit), { downloads, timezone: deps.timezone }));
  };

  const leave: SignedInPage = async (visit) => {
    const url = await signOut(deps.sessions, cookieOf(visit.request, SESSION_COOKIE), (error) =>
      deps.audit('portal sign-out: refresh token not revoked', {
        subject: visit.session.subject,
        error: error instanceof Error ? error.name : 'unknown',
      }),
    );
    deps.audit('portal sign-out', { subject: visit.session.subject });
    return { ...redirectAnswer(303, url.toString()), cookies: [expiredHostCookie(SESSION_COOKIE)] };
  };

  // ---- the routes ---------------------------------------------------------------------------

  const ID = '(\\d{8}T\\d{6}Z-[0-9a-f]{12})';
  const open: [string, RegExp, Page][] = [
    ['GET', /^\/portal\/?$/, welcome],
    ['GET', /^\/portal\/sign-in$/, startSignIn],
    ['GET', /^\/portal\/callback$/, callback],
    ['GET', /^\/portal\/signed-out$/, signedOut],
    ['GET', /^\/portal\/language$/, language],
  ];
  const signedIn: [string, RegExp, SignedInPage][] = [
    ['GET', /^\/portal\/reports$/, reports],
    ['GET', new RegExp(`^/portal/reports/${ID}$`), report],
    ['GET', new RegExp(`^/portal/reports/${ID}/(manifest\\.json|manifest\\.sig)$`), manifestFile],
    ['GET', new RegExp(`^/portal/reports/${ID}/files/(.+)$`), file],
    ['GET', /^\/portal\/admin$/, admin],
    ['GET', /^\/portal\/admin\/audit$/, auditLog],
    ['POST', /^\/portal\/admin\/runs$/, runReport],
    ['POST', /^\/portal\/admin\/subscribers$/, uploadSubscribers],
    ['POST', /^\/portal\/admin\/people$/, invite],
    ['POST', /^\/portal\/admin\/people\/remove$/, remove],
    ['POST', /^\/portal\/sign-out$/, leave],
  ];

  async function errorPage(visit: Visit, error: unknown): Promise<Answer> {
    const refusal: HttpProblemError | undefined =
      error instanceof SignInFailedError ? undefined : refusalOf(error);
    let kind: ErrorKind = 'internal';
    let status = 500;
    let problemType = 'urn:telecom-service-quality:problem:internal';
    let detail: string | undefined;
    if (error instanceof SignInFailedError) {
      kind = 'signInFailed';
      status = 400;
      problemType = 'urn:telecom-service-quality:problem:sign-in-failed';
    } else if (refusal) {
      status = refusal.problem.status;
      problemType = refusal.problem.type;
      kind =
        status === 403
          ? 'forbidden'
          : status === 404
            ? 'notFound'
            : status >= 500
              ? 'unavailable'
              : 'invalid';
      if (kind === 'invalid' || kind === 'unavailable') detail = refusal.problem.detail;
    } else {
      deps.fail(error);
    }
    return page(
      status,
      renderError(context(visit), { kind, problemType, ...(detail ? { detail } : {}) }),
    );
  }

  return async function handle(request: APIGatewayProxyEventV2): Promise<Answer> {
    const method = request.requestContext.http.method;
    const path = request.rawPath.replace(/\/+$/, '') || '/';
    const session = await currentSession(deps.sessions, cookieOf(request, SESSION_COOKIE));
    const visit: Visit = {
      request,
      path,
      locale: portalLocale(cookieOf(request, LANGUAGE_COOKIE), request.headers['accept-language']),
      session,
      params: [],
    };
    try {
      for (const [routeMethod, pattern, run] of open) {
        const match = routeMethod === method ? pattern.exec(path) : null;
        if (match) return await run({ ...visit, params: match.slice(1) });
      }
      for (const [routeMethod, pattern, run] of signedIn) {
        const match = routeMethod === method ? pattern.exec(path) : null;
        if (!match) continue;
        // Not signed in (never, or the session ended): back to the front page.
        if (!session) return redirectAnswer(303, '/portal');
        const form: PostedForm =
          method === 'POST' ? await readForm(request) : { fields: {}, files: {} };
        const signedInVisit = { ...visit, session, form, params: match.slice(1) };
        if (method === 'POST') {
          if (!csrfTokenMatches(session, form.fields.csrf)) {
            return page(
              403,
              renderError(context(visit), {
                kind: 'csrf',
                problemType: 'urn:telecom-service-quality:problem:csrf',
              }),
            );
          }
        }
        return await run(signedInVisit);
      }
      throw new NoSuchResourceError(`There is no page ${path}.`);
    } catch (error) {
      return errorPage(visit, error);
    }
  };
}
