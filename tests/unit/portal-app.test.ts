import { describe, expect, it } from 'vitest';
import { toHttpApiEvent } from '#sandbox/triggers/http-event.ts';
import { DependencyUnavailableError } from '#shared/adapters/errors.ts';
import { ADMINS, type Caller, type Group, requireAnyGroup } from '#shared/domain/people.ts';
import { cookieHash, SESSION_IDLE_SECONDS } from '#shared/domain/portal-session.ts';
import type { Answer } from '#shared/http/answers.ts';
import { refusalOf } from '#shared/http/problem.ts';
import { describeReport, downloadLink, listReports } from '#shared/use-cases/report-access.ts';
import {
  FAILING_REPORT_ID,
  LATEST_REPORT_ID,
  OLDER_REPORT_ID,
  PEOPLE,
  QUARTER_REPORT_ID,
  type Role,
  seededPortal,
} from '../support/portal-fakes.ts';

const PROBLEM = 'urn:telecom-service-quality:problem:';

interface Sent {
  cookie?: string;
  /** A URL-encoded form. */
  form?: Record<string, string>;
  /** A multipart form (a file input). */
  multipart?: FormData;
  headers?: Record<string, string>;
}

/** An HTTP API event for a browser's request, as API Gateway would pass it. */
async function eventOf(method: string, path: string, sent: Sent = {}) {
  let body = Buffer.alloc(0);
  const headers: Record<string, string> = { 'accept-language': 'en', ...sent.headers };
  if (sent.form) {
    body = Buffer.from(new URLSearchParams(sent.form).toString());
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (sent.multipart) {
    const encoded = new Request('http://form.invalid/', { method: 'POST', body: sent.multipart });
    body = Buffer.from(await encoded.arrayBuffer());
    headers['content-type'] = encoded.headers.get('content-type') ?? '';
  }
  if (sent.cookie) headers.cookie = sent.cookie;
  return toHttpApiEvent({ method, path, headers, body, routeKey: `${method} /portal/{proxy+}` });
}

type Portal = ReturnType<typeof seededPortal>;

async function visit(portal: Portal, method: string, path: string, sent: Sent = {}) {
  const answer: Answer = await portal.app(await eventOf(method, path, sent));
  return {
    status: answer.statusCode,
    headers: (answer.headers ?? {}) as Record<string, string>,
    cookies: answer.cookies ?? [],
    body: typeof answer.body === 'string' ? answer.body : '',
  };
}

/** A signed-in person's cookie header and CSRF token. */
async function as(portal: Portal, role: Role) {
  const { cookie, csrfToken } = await portal.signIn(role);
  return { cookie: `__Host-tsq-session=${cookie}`, csrfToken, raw: cookie };
}

const titleOf = (body: string) => /<h1>(.*?)<\/h1>/.exec(body)?.[1];

describe('the portal, signed out', () => {
  it('shows the front page in the browser’s language, under a CSP without script', async () => {
    // Prepare
    const portal = seededPortal();

    // Act
    const zh = await visit(portal, 'GET', '/portal', {
      headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' },
    });
    const en = await visit(portal, 'GET', '/portal/', { headers: { 'accept-language': 'en-GB' } });

    // Assess
    expect(zh.status).toBe(200);
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(titleOf(zh.body)).toBe('服务质量报告门户');
    expect(en.body).toContain('<html lang="en">');
    expect(titleOf(en.body)).toBe('Service quality reports');
    expect(en.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(en.headers['content-security-policy']).toMatch(/^default-src 'none'; /);
    expect(en.headers['content-security-policy']).not.toContain('script-src');
    expect(en.headers['cache-control']).toBe('no-store');
    expect(en.body).not.toContain('<script');
  });

  it('sends the browser to the user pool with a sign-in cookie that only this site reads', async () => {
    // Prepare
    const portal = seededPortal();

    // Act
    const answer = await visit(portal, 'GET', '/portal/sign-in');

    // Assess
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toMatch(/^https:\/\/login\.example\.test\/oauth2\/authorize\?/);
    expect(answer.cookies).toEqual([
      expect.stringMatching(
        /^__Host-tsq-signin=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/,
      ),
    ]);
    expect(portal.sessionStore.signIns.size).toBe(1);
  });

  it('signs in from the callback once, and shows the sign-in-failed page to a replay', async () => {
    // Prepare
    const portal = seededPortal();
    const begun = await visit(portal, 'GET', '/portal/sign-in');
    const signInCookie = (begun.cookies[0] ?? '').split(';')[0] ?? '';
    const state = new URL(begun.headers.location ?? '').searchParams.get('state');
    const callback = `/portal/callback?code=abc&state=${state}`;

    // Act
    const first = await visit(portal, 'GET', callback, { cookie: signInCookie });
    const replay = await visit(portal, 'GET', callback, { cookie: signInCookie });

    // Assess
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/portal/reports');
    expect(first.cookies[0]).toMatch(/^__Host-tsq-signin=; .*Max-Age=0$/);
    expect(first.cookies[1]).toMatch(
      /^__Host-tsq-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=28800$/,
    );
    expect(portal.identity.finished[0]?.callback.toString()).toBe(
      `https://api.example.test${callback}`,
    );
    expect(replay.status).toBe(400);
    expect(titleOf(replay.body)).toBe('The sign-in did not finish');
    expect(replay.body).toContain(`${PROBLEM}sign-in-failed`);
    expect(portal.sessionStore.sessions.size).toBe(1);
  });

  it('refuses a person the user pool knows but who is in no group, with a forbidden page', async () => {
    // Prepare
    const portal = seededPortal();
    portal.identity.provider.identity = {
      subject: 'sub-x',
      email: 'x@example.test',
      groups: [],
    };
    const begun = await visit(portal, 'GET', '/portal/sign-in');
    const state = new URL(begun.headers.location ?? '').searchParams.get('state');

    // Act
    const answer = await visit(portal, 'GET', `/portal/callback?code=abc&state=${state}`, {
      cookie: (begun.cookies[0] ?? '').split(';')[0] ?? '',
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body).toContain(`${PROBLEM}forbidden`);
    expect(answer.cookies).toEqual([]);
    expect(portal.sessionStore.sessions.size).toBe(0);
  });

  it.each([
    ['GET', '/portal/reports'],
    ['GET', `/portal/reports/${LATEST_REPORT_ID}`],
    ['GET', `/portal/reports/${LATEST_REPORT_ID}/files/report.json`],
    ['GET', '/portal/admin'],
    ['GET', '/portal/admin/audit'],
    ['POST', '/portal/admin/runs'],
    ['POST', '/portal/admin/subscribers'],
    ['POST', '/portal/admin/people'],
    ['POST', '/portal/admin/people/remove'],
    ['POST', '/portal/sign-out'],
  ])(
    'sends %s %s back to the front page without a session, changing nothing',
    async (method, path) => {
      // Prepare
      const portal = seededPortal();
      const form = {
        csrf: 'x',
        profile: 'baseline',
        period: '2026-10',
        email: 'a@b.example',
        group: 'admins',
        csv: 'region,service,subscribers\nBJ,mobile_data,10',
      };

      // Act
      const answer = await visit(portal, method, path, {
        cookie: '__Host-tsq-session=forged',
        ...(method === 'POST' ? { form } : {}),
      });

      // Assess
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe('/portal');
      expect(portal.reports.downloads).toEqual([]);
      expect(portal.links.presigned).toEqual([]);
      expect(portal.runs.queued).toEqual([]);
      expect(portal.subscribers.uploads).toEqual([]);
      expect(portal.people.invited).toEqual([]);
      expect(portal.people.removed).toEqual([]);
    },
  );

  it('shows the signed-out page, and sends someone still signed in to the reports', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');

    // Act
    const out = await visit(portal, 'GET', '/portal/signed-out');
    const stillIn = await visit(portal, 'GET', '/portal/signed-out', { cookie: regulator.cookie });

    // Assess
    expect(out.status).toBe(200);
    expect(titleOf(out.body)).toBe('You have signed out');
    expect(stillIn.status).toBe(303);
    expect(stillIn.headers.location).toBe('/portal/reports');
  });

  it('answers an unknown page with the not-found page', async () => {
    // Prepare
    const portal = seededPortal();

    // Act
    const answer = await visit(portal, 'GET', '/portal/nowhere');

    // Assess
    expect(answer.status).toBe(404);
    expect(titleOf(answer.body)).toBe('Not found');
    expect(answer.body).toContain(`${PROBLEM}not-found`);
  });
});

/** What each group gets from each page: the groups of docs/design.md §4.3. */
const GROUP_ANSWERS: [string, string, Record<Role, number>][] = [
  ['GET', '/portal', { regulator: 303, assessor: 303, admin: 303 }],
  ['GET', '/portal/reports', { regulator: 200, assessor: 200, admin: 200 }],
  ['GET', '/portal/reports?profile=cn-miit', { regulator: 200, assessor: 200, admin: 200 }],
  ['GET', `/portal/reports/${LATEST_REPORT_ID}`, { regulator: 200, assessor: 200, admin: 200 }],
  [
    'GET',
    `/portal/reports/${LATEST_REPORT_ID}/files/report.json`,
    { regulator: 302, assessor: 302, admin: 302 },
  ],
  [
    'GET',
    `/portal/reports/${LATEST_REPORT_ID}/files/extract/responses.csv.gz`,
    { regulator: 403, assessor: 302, admin: 403 },
  ],
  [
    'GET',
    `/portal/reports/${LATEST_REPORT_ID}/files/extract%2Fresponses.csv.gz`,
    { regulator: 403, assessor: 302, admin: 403 },
  ],
  ['GET', '/portal/admin', { regulator: 403, assessor: 403, admin: 200 }],
  ['GET', '/portal/admin/audit', { regulator: 403, assessor: 403, admin: 200 }],
  ['POST', '/portal/admin/runs', { regulator: 403, assessor: 403, admin: 303 }],
  ['POST', '/portal/admin/subscribers', { regulator: 403, assessor: 403, admin: 303 }],
  ['POST', '/portal/admin/people', { regulator: 403, assessor: 403, admin: 303 }],
  ['POST', '/portal/admin/people/remove', { regulator: 403, assessor: 403, admin: 303 }],
  ['POST', '/portal/sign-out', { regulator: 303, assessor: 303, admin: 303 }],
];

const ADMIN_FORMS: Record<string, Record<string, string>> = {
  '/portal/admin/runs': { profile: 'baseline', period: '2026-10' },
  '/portal/admin/subscribers': {
    period: '2026-10',
    csv: 'region,service,subscribers\nBJ,mobile_data,1200',
  },
  '/portal/admin/people': { email: 'new@regulator.example', group: 'regulators' },
  '/portal/admin/people/remove': { email: PEOPLE.assessor.email, group: 'assessors' },
};

describe.each(['regulator', 'assessor', 'admin'] as const)('the portal for a %s', (role) => {
  it.each(GROUP_ANSWERS)('answers %s %s as the group may', async (method, path, answers) => {
    // Prepare
    const portal = seededPortal();
    const person = await as(portal, role);
    const form = { csrf: person.csrfToken, ...ADMIN_FORMS[path] };

    // Act
    const answer = await visit(portal, method, path, {
      cookie: person.cookie,
      ...(method === 'POST' ? { form } : {}),
    });

    // Assess
    expect(answer.status).toBe(answers[role]);
    if (answer.status === 403) {
      expect(titleOf(answer.body)).toBe('Not allowed');
      expect(answer.body).toContain(`${PROBLEM}forbidden`);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      // Refused before anything is read, recorded, signed or changed.
      expect(portal.reports.downloads).toEqual([]);
      expect(portal.links.presigned).toEqual([]);
      expect(portal.runs.queued).toEqual([]);
      expect(portal.subscribers.uploads).toEqual([]);
      expect(portal.people.invited).toEqual([]);
      expect(portal.people.removed).toEqual([]);
    }
  });

  it('is refused by the portal exactly where the same use case refuses the reports API', async () => {
    // Prepare
    const portal = seededPortal();
    const person = await as(portal, role);
    const groups: Record<Role, Group> = {
      regulator: 'regulators',
      assessor: 'assessors',
      admin: 'admins',
    };
    const caller: Caller = { ...PEOPLE[role], groups: [groups[role]] };
    const access = portal.dependencies.reports;
    const apiStatus = (call: Promise<unknown>) =>
      call.then(
        () => 200,
        (error: unknown) => refusalOf(error)?.problem.status ?? 500,
      );
    const api = {
      list: await apiStatus(listReports(access, caller, {})),
      report: await apiStatus(describeReport(access, caller, LATEST_REPORT_ID)),
      file: await apiStatus(downloadLink(access, caller, LATEST_REPORT_ID, 'report.json')),
      extract: await apiStatus(
        downloadLink(access, caller, LATEST_REPORT_ID, 'extract/responses.csv.gz'),
      ),
      admin: await apiStatus(Promise.resolve().then(() => requireAnyGroup(caller, ADMINS))),
    };
    const refused = (status: number | undefined) => (status === 403 ? 403 : 200);

    // Act
    const base = `/portal/reports/${LATEST_REPORT_ID}`;
    const portalStatus = {
      list: (await visit(portal, 'GET', '/portal/reports', { cookie: person.cookie })).status,
      report: (await visit(portal, 'GET', base, { cookie: person.cookie })).status,
      file: (await visit(portal, 'GET', `${base}/files/report.json`, { cookie: person.cookie }))
        .status,
      extract: (
        await visit(portal, 'GET', `${base}/files/extract/responses.csv.gz`, {
          cookie: person.cookie,
        })
      ).status,
      admin: (await visit(portal, 'GET', '/portal/admin', { cookie: person.cookie })).status,
    };

    // Assess
    expect(
      Object.fromEntries(Object.entries(portalStatus).map(([k, s]) => [k, refused(s)])),
    ).toEqual(Object.fromEntries(Object.entries(api).map(([k, s]) => [k, refused(s)])));
  });
});

describe('the reports pages', () => {
  it('list every report newest first, and filter by profile and by period', async () => {
    // Prepare
    const portal = seededPortal();
    const { cookie } = await as(portal, 'regulator');
    const order = (body: string) =>
      [...body.matchAll(/href="\/portal\/reports\/([^"/]+)"/g)].map((match) => match[1]);

    // Act
    const all = await visit(portal, 'GET', '/portal/reports', { cookie });
    const byProfile = await visit(portal, 'GET', '/portal/reports?profile=cn-miit', { cookie });
    const byPeriod = await visit(portal, 'GET', '/portal/reports?period=2026-09', { cookie });
    const none = await visit(portal, 'GET', '/portal/reports?period=2019', { cookie });

    // Assess
    expect(order(all.body)).toEqual([LATEST_REPORT_ID, QUARTER_REPORT_ID, OLDER_REPORT_ID]);
    expect(order(byProfile.body)).toEqual([QUARTER_REPORT_ID]);
    expect(byProfile.body).toContain('<option value="cn-miit" selected>');
    expect(order(byPeriod.body)).toEqual([OLDER_REPORT_ID]);
    expect(byPeriod.body).toContain('value="2026-09"');
    expect(order(none.body)).toEqual([]);
    expect(none.body).toContain('No report matches.');
  });

  it('say beside the field that a period is none, rather than list every report', async () => {
    // Prepare
    const portal = seededPortal();
    const { cookie } = await as(portal, 'regulator');

    // Act
    const answer = await visit(portal, 'GET', '/portal/reports?period=2026-Q5', { cookie });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('aria-invalid="true"');
    expect(answer.body).toContain('That is not a period');
    expect(answer.body).not.toMatch(/href="\/portal\/reports\/[^"/]+"/);
    expect(answer.body).not.toContain('No report matches.');
  });

  it('escape what the query carried back into the page', async () => {
    // Prepare
    const portal = seededPortal();
    const { cookie } = await as(portal, 'regulator');

    // Act
    const answer = await visit(
      portal,
      'GET',
      `/portal/reports?period=${encodeURIComponent('"><script>alert(1)</script>')}`,
      { cookie },
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain('<script>');
    expect(answer.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('show a regulator a report’s files without the extract, and an assessor with it', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');
    const assessor = await as(portal, 'assessor');
    const path = `/portal/reports/${LATEST_REPORT_ID}`;

    // Act
    const forRegulator = await visit(portal, 'GET', path, { cookie: regulator.cookie });
    const forAssessor = await visit(portal, 'GET', path, { cookie: assessor.cookie });

    // Assess
    for (const page of [forRegulator.body, forAssessor.body]) {
      expect(titleOf(page)).toBe('baseline · 2026-10');
      expect(page).toContain('0.1.0+907764f');
      expect(page).toContain(`${path}/files/report.json`);
      expect(page).toContain('a1'.repeat(32));
      expect(page).toContain('17.8 KiB');
      expect(page).toContain('https://api.example.test/reports/signing-key');
      expect(page).toContain(
        'openssl dgst -sha256 -verify signing-key.pem -signature manifest.der manifest.json',
      );
    }
    expect(forRegulator.body).not.toContain('extract');
    expect(forAssessor.body).toContain(`${path}/files/extract/responses.csv.gz`);
    expect(forAssessor.body).toContain('1.5 MiB');
    // A complaint part a month, a folder deeper: the hint hashes those too.
    expect(forAssessor.body).toContain(`${path}/files/extract/complaints/2026-10.csv.gz`);
    expect(forAssessor.body).toContain('sha256sum extract/*.csv.gz extract/complaints/*.csv.gz');
  });

  it('hand the manifest as signed and its signature to anyone who may read the report, for the check', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');
    const path = `/portal/reports/${LATEST_REPORT_ID}`;

    // Act
    const page = await visit(portal, 'GET', path, { cookie: regulator.cookie });
    const manifest = await visit(portal, 'GET', `${path}/manifest.json`, {
      cookie: regulator.cookie,
    });
    const signature = await visit(portal, 'GET', `${path}/manifest.sig`, {
      cookie: regulator.cookie,
    });
    const signedOut = await visit(portal, 'GET', `${path}/manifest.json`);

    // Assess: the check panel links both; each is the index's bytes, as a file to save.
    expect(page.body).toContain(`href="${path}/manifest.json"`);
    expect(page.body).toContain(`href="${path}/manifest.sig"`);
    expect(manifest.status).toBe(200);
    expect(manifest.body).toBe(JSON.stringify({ codeVersion: '0.1.0+907764f' }));
    expect(manifest.headers['content-disposition']).toBe('attachment; filename="manifest.json"');
    expect(signature.status).toBe(200);
    expect(signature.body).toBe('MEUCIQ==');
    expect(signature.headers['content-disposition']).toBe('attachment; filename="manifest.sig"');
    expect(signedOut.status).not.toBe(200);
    expect(signedOut.body).not.toContain('MEUCIQ==');
    expect(portal.reports.downloads).toEqual([]);
  });

  it('hand out a five-minute link to a file only after writing the download to the audit log', async () => {
    // Prepare
    const portal = seededPortal();
    const assessor = await as(portal, 'assessor');

    // Act
    const answer = await visit(
      portal,
      'GET',
      `/portal/reports/${LATEST_REPORT_ID}/files/extract/responses.csv.gz`,
      { cookie: assessor.cookie },
    );

    // Assess
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe(
      `https://reports.example.test/reports/baseline/2026-10/${LATEST_REPORT_ID}/extract/responses.csv.gz?X-Amz-Expires=300`,
    );
    expect(portal.reports.downloads).toEqual([
      {
        subject: PEOPLE.assessor.subject,
        groups: ['assessors'],
        reportId: LATEST_REPORT_ID,
        file: 'extract/responses.csv.gz',
        at: portal.clock.now(),
      },
    ]);
    expect(JSON.stringify(portal.audited)).not.toContain(PEOPLE.assessor.email);
  });

  it.each([
    ['an unknown report', `/portal/reports/20201101T030000Z-0123456789ab`],
    ['an unknown file', `/portal/reports/${LATEST_REPORT_ID}/files/secret.json`],
    [
      'a file name that is not percent-encoded right',
      `/portal/reports/${LATEST_REPORT_ID}/files/%E0%A4%A`,
    ],
    ['a malformed report id', '/portal/reports/latest'],
  ])('answer %s with the not-found page, signing nothing', async (_, path) => {
    // Prepare
    const portal = seededPortal();
    const { cookie } = await as(portal, 'assessor');

    // Act
    const answer = await visit(portal, 'GET', path, { cookie });

    // Assess
    expect(answer.status).toBe(404);
    expect(answer.body).toContain(`${PROBLEM}not-found`);
    expect(portal.links.presigned).toEqual([]);
    expect(portal.reports.downloads).toEqual([]);
  });

  it('answer a service that refused for now with a page that says to try again', async () => {
    // Prepare
    const portal = seededPortal();
    const admin = await as(portal, 'admin');
    portal.runs.queue.enqueue = async () => {
      throw new DependencyUnavailableError('The run was not queued; please send it again.');
    };

    // Act
    const answer = await visit(portal, 'POST', '/portal/admin/runs', {
      cookie: admin.cookie,
      form: { csrf: admin.csrfToken, profile: 'cn-miit', period: '2026-Q3' },
    });

    // Assess
    expect(answer.status).toBe(503);
    expect(titleOf(answer.body)).toBe('Please try again shortly');
    expect(answer.body).toContain('The run was not queued; please send it again.');
    expect(answer.body).toContain(`${PROBLEM}unavailable`);
  });

  it('answer a failure inside with a page that says nothing of it, and log it', async () => {
    // Prepare
    const portal = seededPortal();
    const { cookie } = await as(portal, 'regulator');

    // Act
    const answer = await visit(portal, 'GET', `/portal/reports/${FAILING_REPORT_ID}`, { cookie });

    // Assess
    expect(answer.status).toBe(500);
    expect(titleOf(answer.body)).toBe('Something went wrong');
    expect(answer.body).toContain(`${PROBLEM}internal`);
    expect(answer.body).not.toContain('did not answer');
    expect(portal.failures).toHaveLength(1);
  });
});

describe('the admin forms', () => {
  it.each(Object.keys(ADMIN_FORMS))(
    'refuse a post to %s without the session’s CSRF token, changing nothing',
    async (path) => {
      // Prepare
      const portal = seededPortal();
      const admin = await as(portal, 'admin');
      const other = await as(portal, 'admin');
      const fields = ADMIN_FORMS[path] ?? {};

      // Act
      const answers = [
        await visit(portal, 'POST', path, { cookie: admin.cookie, form: fields }),
        await visit(portal, 'POST', path, {
          cookie: admin.cookie,
          form: { ...fields, csrf: other.csrfToken },
        }),
        await visit(portal, 'POST', path, { cookie: admin.cookie, form: { ...fields, csrf: '' } }),
      ];

      // Assess
      for (const answer of answers) {
        expect(answer.status).toBe(403);
        expect(titleOf(answer.body)).toBe('This form has expired');
        expect(answer.body).toContain(`${PROBLEM}csrf`);
      }
      expect(portal.runs.queued).toEqual([]);
      expect(portal.subscribers.uploads).toEqual([]);
      expect(portal.people.invited).toEqual([]);
      expect(portal.people.removed).toEqual([]);
    },
  );

  it('queue a report run, and say so on the admin page', async () => {
    // Prepare
    const portal = seededPortal();
    const admin = await as(portal, 'admin');

    // Act
    const posted = await visit(portal, 'POST', '/portal/admin/runs', {
      cookie: admin.cookie,
      form: { csrf: admin.csrfToken, profile: 'cn-miit', period: ' 2026-Q3 ' },
    });
    const page = await visit(portal, 'GET', posted.headers.location ?? '', {
      cookie: admin.cookie,
    });

    // Assess
    expect(posted.status).toBe(303);
    expect(portal.runs.queued).toEqual([
      {
        runId: '20261102T090000Z-000000000001',
        profile: 'cn-miit',
        period: '2026-Q3',
        requestedBy: PEOPLE.admin.subject,
      },
    ]);
    expect(page.body).toContain('The report run is queued: 20261102T090000Z-000000000001');
  });

  it('show the form again with its errors for a run of no such period, queueing nothing', async () => {
    // Prepare
    const portal = seededPortal();
    const admin = await as(portal, 'admin');

    // Act
    const answer = await visit(portal, 'POST', '/portal/admin/runs', {
      cookie: admin.cookie,
      form: { csrf: admin.csrfToken, profile: 'cn-miit', period: 'last week' },
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(titleOf(answer.body)).toBe('Admin');
    expect(answer.body).toContain('Please check the following:');
    expect(answer.body).toContain('<code>/period</code>');
    expect(portal.runs.queued).toEqual([]);
    // Switching language from here goes back to the admin page, not to the form's address.
    expect(answer.body).toContain('href="/portal/language?to=zh-CN&amp;back=%2Fportal%2Fadmin"');
  });

  it('store subscriber counts from an uploaded CSV file (with a byte-order mark)', async () => {
    // Prepare
    const portal = seededPortal();
    const admin = await as(portal, 'admin');
    const form = new FormData();
    form.set('csrf', admin.csrfToken);
    form.set('period', '2026-10');
    form.set(
      'file',
      new File(
        ['\uFEFFregion,service,subscribers\nBJ,mobile_data,1200\nSH,fixed_broadband,300\n'],
        'counts.csv',
        {
          type: 'text/csv',
        },
      ),
    );

    // Act
    const answer = await visit(portal, 'POST', '/portal/admin/subscribers', {
      cookie: admin.cookie,
      multipart: form,
    });

    // Assess
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/portal/admin?subscribers=2026-10%3A2');
    expect(portal.subscribers.uploads).toEqual([
      {
        period: '2026-10',
        counts: [
          { region: 'BJ', service: 'mobile_data', subscribers: 1200 },
          { region: 'SH', service: 'fixed_broadband', subscribers: 300 },
        ],
        uploadedBy: PEOPLE.admin.subject,
      },
    ]);
  });

  it('invite a person, and remove one, whose portal sessions end at once', async () => {
    // Prepare
    const portal = seededPortal();
    const admin = await as(portal, 'admin');
    const assessor = await as(portal, 'assessor');

    // Act
    const invited = await visit(portal, 'POST', '/portal/admin/people', {
      cookie: admin.cookie,
      form: { csrf: admin.csrfToken, email: 'New@Regulator.example', group: 'regulators' },
    });
    const removed = await visit(portal, 'POST', '/portal/admin/people/remove', {
      cookie: admin.cookie,
      form: { csrf: admin.csrfToken, email: PEOPLE.assessor.email, group: 'assessors' },
    });
    const assessorNext = await visit(portal, 'GET', '/portal/reports', {
      cookie: assessor.cookie,
    });

    // Assess
    expect(invited.headers.location).toBe('/portal/admin?invited=new%40regulator.example');
    expect(portal.people.invited).toEqual([
      { email: 'new@regulator.example', group: 'regulators' },
    ]);
    expect(removed.headers.location).toBe(
      `/portal/admin?removed=${encodeURIComponent(PEOPLE.assessor.email)}`,
    );
    expect(portal.people.removed).toEqual([{ username: 'u-ass', group: 'assessors' }]);
    expect(assessorNext.status).toBe(303);
    expect(assessorNext.headers.location).toBe('/portal');
    expect(JSON.stringify(portal.audited)).not.toMatch(/@/);
  });

  it('show the download audit with who by e-mail and subject', async () => {
    // Prepare
    const portal = seededPortal();
    const admin = await as(portal, 'admin');

    // Act
    const answer = await visit(portal, 'GET', '/portal/admin/audit', { cookie: admin.cookie });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(PEOPLE.assessor.email);
    expect(answer.body).toContain('<code>sub-assessor</code>');
    expect(answer.body).toContain('(no longer in a group)<br><code>sub-gone</code>');
  });
});

describe('signing out', () => {
  it('ends the session, revokes it, forgets the cookie and goes on to the user pool', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');

    // Act
    const answer = await visit(portal, 'POST', '/portal/sign-out', {
      cookie: regulator.cookie,
      form: { csrf: regulator.csrfToken },
    });
    const back = await visit(portal, 'GET', '/portal/reports', { cookie: regulator.cookie });

    // Assess
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('https://login.example.test/logout?client_id=portal');
    expect(answer.cookies).toEqual([expect.stringMatching(/^__Host-tsq-session=; .*Max-Age=0$/)]);
    expect(portal.identity.revoked).toEqual([`refresh-${PEOPLE.regulator.subject}`]);
    expect(portal.sessionStore.sessions.has(cookieHash(regulator.raw))).toBe(false);
    expect(back.headers.location).toBe('/portal');
  });

  it('is refused without the CSRF token, and the session holds', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');

    // Act
    const answer = await visit(portal, 'POST', '/portal/sign-out', {
      cookie: regulator.cookie,
      form: {},
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body).toContain(`${PROBLEM}csrf`);
    expect(portal.sessionStore.sessions.has(cookieHash(regulator.raw))).toBe(true);
    expect(portal.identity.revoked).toEqual([]);
  });

  it('happens by itself after 30 minutes idle', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');
    portal.clock.advance(SESSION_IDLE_SECONDS);

    // Act
    const answer = await visit(portal, 'GET', '/portal/reports', { cookie: regulator.cookie });

    // Assess
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/portal');
  });
});

describe('the language switch', () => {
  it('keeps the choice in a __Host- cookie and goes back to the page it came from', async () => {
    // Prepare
    const portal = seededPortal();
    const regulator = await as(portal, 'regulator');
    const back = '/portal/reports?profile=baseline&period=2026-10';

    // Act
    const answer = await visit(
      portal,
      'GET',
      `/portal/language?to=zh-CN&back=${encodeURIComponent(back)}`,
    );
    const page = await visit(portal, 'GET', back, {
      cookie: `${regulator.cookie}; __Host-tsq-lang=zh-CN`,
      headers: { 'accept-language': 'en' },
    });

    // Assess
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(back);
    expect(answer.cookies).toEqual([
      '__Host-tsq-lang=zh-CN; Path=/; Secure; HttpOnly; SameSite=Lax',
    ]);
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain(
      `href="/portal/language?to=en&amp;back=${encodeURIComponent(back).replaceAll('&', '&amp;')}"`,
    );
  });

  it('chooses Chinese for anything but English', async () => {
    // Prepare
    const portal = seededPortal();

    // Act
    const answer = await visit(portal, 'GET', '/portal/language?to=%3Cfr%3E&back=/portal');

    // Assess
    expect(answer.cookies[0]).toMatch(/^__Host-tsq-lang=zh-CN;/);
  });

  it.each([
    ['a protocol-relative URL', '//evil.example/x'],
    ['a backslash', '/\\evil.example'],
    ['a backslash after the portal', '/portal\\..\\..\\/evil.example'],
    ['an absolute URL', 'https://evil.example/portal'],
    ['a look-alike path', '/portalevil.example'],
    ['dot segments out of the portal', '/portal/../..//evil.example'],
    ['dot segments to another route', '/portal/../reports/signing-key'],
    ['encoded dot segments', '/portal/%2e%2e/%2e%2e//evil.example'],
    ['an encoded protocol-relative URL', '%2F%2Fevil.example'],
    ['a doubly encoded one', '%252F%252Fevil.example'],
    ['CR/LF (a second header)', '/portal\r\nLocation: https://evil.example'],
    ['a tab in the host position', '/\t/evil.example'],
    ['a lone CR', '/portal/reports\rx'],
    ['nothing', ''],
  ])('never leaves the portal for %s', async (_, back) => {
    // Prepare
    const portal = seededPortal();
    const site = 'https://api.example.test/portal/language';

    // Act
    const answer = await visit(
      portal,
      'GET',
      `/portal/language?to=en&back=${encodeURIComponent(back)}`,
    );

    // Assess
    const location = answer.headers.location ?? '';
    const landed = new URL(location, site);
    expect(answer.status).toBe(303);
    expect(location).not.toMatch(/[\p{Cc}\\]/u);
    expect(landed.origin).toBe('https://api.example.test');
    expect(landed.pathname).toMatch(/^\/portal(\/[^/]|$)/);
    expect(landed.pathname).not.toContain('//');
  });

  it('also never leaves the portal for a back given raw, not percent-encoded', async () => {
    // Prepare
    const portal = seededPortal();

    // Act
    const answer = await visit(
      portal,
      'GET',
      '/portal/language?to=en&back=/portal/../..//evil.example',
    );

    // Assess
    expect(new URL(answer.headers.location ?? '', 'https://api.example.test/').pathname).toBe(
      '/portal',
    );
  });
});
