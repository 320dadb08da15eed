import { createHash } from 'node:crypto';
import type { Group } from '../../domain/people.ts';
import type { Locale } from '../../domain/survey-definitions.ts';
import type { FieldError } from '../../domain/validation.ts';
import type { Person } from '../../use-cases/people.ts';
import type { DownloadRecord, ReportView } from '../../use-cases/report-access.ts';
import type { ReportRunRecord } from '../../use-cases/report-runs.ts';
import { html, SafeHtml } from '../html.ts';
import { type TextKey, wordsFor } from './text.ts';

// The survey page's look (type, colours, cards), on a page wide enough for tables.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f4f5f7}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,[tabindex]:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
header{background:#fff;border-bottom:1px solid #d5d8dd}
.bar{max-width:64rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.brand{font-weight:700;margin-right:auto}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}
nav a{display:inline-block;min-height:2.75rem;line-height:2.75rem}
nav a[aria-current]{font-weight:700;color:#1a1a1a}
.who{font-size:.85rem;color:#3d434d;overflow-wrap:anywhere}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:0 0 .75rem}
section,.card{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 1.25rem}
.table{overflow-x:auto;position:relative}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d5d8dd;vertical-align:top}
th{font-weight:600;background:#f4f5f7}
code,pre{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.sha{font-size:.75rem;color:#3d434d}
td.size{white-space:nowrap}
td.long{overflow-wrap:anywhere}
pre{white-space:pre-wrap;background:#f4f5f7;padding:.75rem;border-radius:.4rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
form.inline{display:inline}
.fields{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
.fields>div{max-width:100%}
label{display:block;font-weight:600;margin-bottom:.25rem}
input,select,textarea{font:inherit;min-height:2.75rem;padding:.4rem .5rem;border:2px solid #5a6270;border-radius:.4rem;background:#fff;max-width:100%}
textarea{width:100%;min-height:6rem}
button,.button{display:inline-block;min-height:2.75rem;padding:.5rem 1rem;font:inherit;font-weight:700;color:#fff;background:#0b57d0;border:0;border-radius:.5rem;text-decoration:none;cursor:pointer}
button.quiet{background:#fff;color:#0b57d0;border:2px solid #0b57d0}
.hint,.note{font-size:.85rem;color:#3d434d}
.notice{border:2px solid #0f7b3d;background:#fff;padding:.75rem 1rem;border-radius:.5rem;margin-bottom:1rem}
.summary{border:2px solid #a50e0e;background:#fff;padding:.75rem 1rem;border-radius:.5rem;margin-bottom:1rem}
.error{color:#a50e0e;font-weight:600}
.badge{display:inline-block;margin-left:.5rem;padding:0 .4rem;border:2px solid #8a4b00;border-radius:.4rem;color:#8a4b00;font-size:.85rem;font-weight:700}
`.trim();

const styleHash = createHash('sha256').update(STYLE).digest('base64');

/**
 * The content security policy of every portal page: no script at all, the page's own
 * style, forms posted to the portal alone (and, after sign-out, on to the sign-in
 * service's own sign-out page, whose origin is given).
 */
export function portalCsp(signOutOrigin: string | undefined): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    `form-action 'self'${signOutOrigin ? ` ${signOutOrigin}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** What every page needs besides its content. */
export interface PageContext {
  locale: Locale;
  /** The path of this page, for the language switch to come back to. */
  path: string;
  /** Absent on pages for people not signed in. */
  person?: { email: string; groups: readonly Group[]; csrfToken: string };
}

type Section = 'reports' | 'admin' | 'audit';

function layout(context: PageContext, title: string, content: SafeHtml, current?: Section): string {
  const t = wordsFor(context.locale);
  const other = context.locale === 'en' ? 'zh-CN' : 'en';
  const admin = context.person?.groups.includes('admins');
  const link = (section: Section, href: string, key: TextKey) =>
    html`<li><a href="${href}"${current === section ? html` aria-current="page"` : ''}>${t(key)}</a></li>`;
  const nav = context.person
    ? html`<nav aria-label="${t('portal')}"><ul>${[
        link('reports', '/portal/reports', 'navReports'),
        admin ? link('admin', '/portal/admin', 'navAdmin') : '',
        admin ? link('audit', '/portal/admin/audit', 'navAudit') : '',
      ]}</ul></nav><span class="who">${t('signedInAs')}: ${context.person.email}</span><form class="inline" method="post" action="/portal/sign-out"><input type="hidden" name="csrf" value="${context.person.csrfToken}"><button class="quiet" type="submit">${t('signOut')}</button></form>`
    : '';
  const languageHref = `/portal/language?to=${other}&back=${encodeURIComponent(context.path)}`;
  return `<!doctype html>${html`<html lang="${context.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title} · ${t('portal')}</title><style>${new SafeHtml(STYLE)}</style></head><body><a class="skip" href="#main">${t('skip')}</a><header><div class="bar"><span class="brand">${t('portal')}</span>${nav}<a href="${languageHref}" lang="${other}" hreflang="${other}">${t('language')}</a></div></header><main id="main">${content}</main></body></html>`}`;
}

const formatTime = (iso: string | undefined, locale: Locale, timezone: string) =>
  iso
    ? new Intl.DateTimeFormat(locale, {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: timezone,
      }).format(new Date(iso))
    : '';

function formatBytes(bytes: number, locale: Locale): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value)} ${units[unit]}`;
}

const tableOf = (caption: string, head: SafeHtml, rows: SafeHtml[]) =>
  html`<div class="table" tabindex="0" role="region" aria-label="${caption}"><table><caption class="vh">${caption}</caption><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;

/** The front page for someone not signed in. */
export function renderWelcome(context: PageContext): string {
  const t = wordsFor(context.locale);
  return layout(
    context,
    t('welcomeTitle'),
    html`<h1>${t('welcomeTitle')}</h1><section><p>${t('welcomeBody')}</p><p><a class="button" href="/portal/sign-in">${t('signIn')}</a></p></section>`,
  );
}

/** After sign-out, here and at the sign-in service. */
export function renderSignedOut(context: PageContext): string {
  const t = wordsFor(context.locale);
  return layout(
    context,
    t('signedOutTitle'),
    html`<h1>${t('signedOutTitle')}</h1><section><p>${t('signedOutBody')}</p><p><a class="button" href="/portal/sign-in">${t('signIn')}</a></p></section>`,
  );
}

/** The reports list, newest first, with its filter (a plain GET form). */
export function renderReports(
  context: PageContext,
  input: {
    reports: ReportView[];
    profiles: readonly string[];
    filter: { profile?: string; period?: string };
    /** The period asked for is no period: said beside its field, and nothing listed. */
    periodInvalid?: boolean;
    timezone: string;
  },
): string {
  const t = wordsFor(context.locale);
  const options = input.profiles.map(
    (id) =>
      html`<option value="${id}"${input.filter.profile === id ? html` selected` : ''}>${id}</option>`,
  );
  const filter = html`<form method="get" action="/portal/reports" class="card"><div class="fields"><div><label for="profile">${t('profile')}</label><select id="profile" name="profile"><option value="">${t('anyProfile')}</option>${options}</select></div><div><label for="period">${t('period')}</label><input id="period" name="period" value="${input.filter.period ?? ''}" placeholder="2026-Q3" aria-describedby="period-hint"${input.periodInvalid ? html` aria-invalid="true"` : ''} size="10"><p class="hint" id="period-hint">${input.periodInvalid ? html`<span class="error" role="alert">${t('periodInvalid')}</span>` : t('periodHint')}</p></div><div><button type="submit">${t('filter')}</button></div></div></form>`;
  const rows = input.reports.map(
    (report) =>
      html`<tr><td><a href="/portal/reports/${report.reportId}">${report.profile} · ${report.period}</a>${report.edition > 1 ? html`<span class="badge">${t('restated')} · ${t('edition')} ${String(report.edition)}</span>` : ''}</td><td>${formatTime(report.generatedAt, context.locale, input.timezone)}</td><td><code>${report.reportId}</code></td></tr>`,
  );
  const list = input.periodInvalid
    ? ''
    : input.reports.length
      ? tableOf(
          t('reportsTitle'),
          html`<tr><th scope="col">${t('profile')} · ${t('period')}</th><th scope="col">${t('generatedAt')}</th><th scope="col">${t('reportId')}</th></tr>`,
          rows,
        )
      : html`<p>${t('noReports')}</p>`;
  return layout(
    context,
    t('reportsTitle'),
    html`<h1>${t('reportsTitle')}</h1>${filter}<section>${list}</section>`,
    'reports',
  );
}

/** One report: what it is, its files from the manifest, and how to check it. */
export function renderReport(
  context: PageContext,
  input: {
    report: ReportView & { codeVersion?: string };
    /** Every edition of the report's period, newest first (none when it was never restated). */
    editions: ReportView[];
    timezone: string;
    /** Where GET /reports/signing-key is served. */
    signingKeyUrl: string;
  },
): string {
  const t = wordsFor(context.locale);
  const { report } = input;
  const fileHref = (name: string) =>
    `/portal/reports/${report.reportId}/files/${name.split('/').map(encodeURIComponent).join('/')}`;
  const rows = report.files.map(
    (file) =>
      html`<tr><td class="long">${file.name}<br><span class="vh">SHA-256 </span><code class="sha">${file.sha256}</code></td><td class="size">${formatBytes(file.bytes, context.locale)}</td><td><a href="${fileHref(file.name)}" download>${t('download')}<span class="vh"> ${file.name}</span></a></td></tr>`,
  );
  const hasExtract = report.files.some((file) => file.name.startsWith('extract/'));
  const commands = [
    `curl -o signing-key.pem ${input.signingKeyUrl}`,
    'base64 -d manifest.sig > manifest.der',
    'openssl dgst -sha256 -verify signing-key.pem -signature manifest.der manifest.json',
    'sha256sum report.json indicators.csv report.html methodology.json   # = manifest.json',
    // Reports since complaint parts keep them a folder deeper (docs/reports.md).
    ...(hasExtract
      ? [
          report.files.some((file) => file.name.startsWith('extract/complaints/'))
            ? 'sha256sum extract/*.csv.gz extract/complaints/*.csv.gz'
            : 'sha256sum extract/*.csv.gz',
        ]
      : []),
  ].join('\n');
  const editionRows = input.editions.map(
    (edition) =>
      html`<tr><td>${String(edition.edition)}</td><td>${edition.reportId === report.reportId ? html`<code>${edition.reportId}</code>` : html`<a href="/portal/reports/${edition.reportId}"><code>${edition.reportId}</code></a>`}</td><td>${formatTime(edition.generatedAt, context.locale, input.timezone)}</td><td>${edition.supersededBy ? t('editionSuperseded') : t('editionCurrent')}</td></tr>`,
  );
  const history = input.editions.length
    ? html`<section><h2>${t('editionsTitle')}</h2>${tableOf(
        t('editionsTitle'),
        html`<tr><th scope="col">${t('edition')}</th><th scope="col">${t('reportId')}</th><th scope="col">${t('generatedAt')}</th><th scope="col"><span class="vh">${t('editionCurrent')}</span></th></tr>`,
        editionRows,
      )}</section>`
    : '';
  const notice = report.supersededBy
    ? html`<p class="summary">${t('supersededNotice')} <a href="/portal/reports/${report.supersededBy}"><code>${report.supersededBy}</code></a></p>`
    : report.edition > 1
      ? html`<p class="notice">${t('restatedNotice')}</p>`
      : '';
  return layout(
    context,
    `${report.profile} · ${report.period}`,
    html`<h1>${report.profile} · ${report.period}${report.edition > 1 ? html`<span class="badge">${t('restated')} · ${t('edition')} ${String(report.edition)}</span>` : ''}</h1>${notice}<section><dl><dt>${t('profile')}</dt><dd>${report.profile}</dd><dt>${t('period')}</dt><dd>${report.period}</dd><dt>${t('generatedAt')}</dt><dd>${formatTime(report.generatedAt, context.locale, input.timezone)}</dd><dt>${t('codeVersion')}</dt><dd>${report.codeVersion ?? ''}</dd><dt>${t('reportId')}</dt><dd><code>${report.reportId}</code></dd></dl><p><a class="button" href="${fileHref('report.html')}">${t('openHtml')}</a></p></section><section><h2>${t('filesTitle')}</h2>${tableOf(
      t('filesTitle'),
      html`<tr><th scope="col">${t('file')} · SHA-256</th><th scope="col">${t('size')}</th><th scope="col"><span class="vh">${t('download')}</span></th></tr>`,
      rows,
    )}<p class="note">${t('linkNote')}</p></section><section><h2>${t('checkTitle')}</h2><p>${t('checkBody')}</p><ul class="check-files"><li><a href="${input.signingKeyUrl}" download="signing-key.pem">${t('publicKey')}</a></li><li><a href="/portal/reports/${report.reportId}/manifest.json" download>${t('manifestFile')}</a></li><li><a href="/portal/reports/${report.reportId}/manifest.sig" download>${t('manifestSignature')}</a></li></ul><pre><code>${commands}</code></pre></section>${history}<p><a href="/portal/reports">${t('backToReports')}</a></p>`,
    'reports',
  );
}

/** What the admin page shows after an action it redirected from. */
export type AdminNotice =
  | { kind: 'run'; text: string }
  | { kind: 'subscribers'; text: string }
  | { kind: 'invited'; text: string }
  | { kind: 'removed'; text: string };

/** The admin page: run a report, upload subscriber counts, recent runs, people. */
export function renderAdmin(
  context: PageContext & { person: NonNullable<PageContext['person']> },
  input: {
    profiles: readonly string[];
    runs: ReportRunRecord[];
    people: Record<Group, Person[]>;
    timezone: string;
    notice?: AdminNotice;
    errors?: { form: 'run' | 'subscribers' | 'people'; detail: string; fields: FieldError[] };
  },
): string {
  const t = wordsFor(context.locale);
  const csrf = html`<input type="hidden" name="csrf" value="${context.person.csrfToken}">`;
  const noticeKey = {
    run: 'noticeRun',
    subscribers: 'noticeSubscribers',
    invited: 'noticeInvited',
    removed: 'noticeRemoved',
  } as const;
  const notice = input.notice
    ? html`<div class="notice" role="status">${t(noticeKey[input.notice.kind])} ${input.notice.text}</div>`
    : '';
  const errorsFor = (form: 'run' | 'subscribers' | 'people') =>
    input.errors?.form === form
      ? html`<div class="summary" role="alert"><p class="error">${t('errorsTitle')}</p><p>${input.errors.detail}</p><ul>${input.errors.fields.map(
          (field) => html`<li><code>${field.pointer}</code> ${field.detail}</li>`,
        )}</ul></div>`
      : '';
  const run = html`<section><h2>${t('runTitle')}</h2>${errorsFor('run')}<form method="post" action="/portal/admin/runs">${csrf}<div class="fields"><div><label for="run-profile">${t('profile')}</label><select id="run-profile" name="profile" required>${input.profiles.map(
    (id) => html`<option value="${id}">${id}</option>`,
  )}</select></div><div><label for="run-period">${t('period')}</label><input id="run-period" name="period" required placeholder="2026-Q3" aria-describedby="run-period-hint" size="10"><p class="hint" id="run-period-hint">${t('periodHint')}</p></div><div><button type="submit">${t('runSubmit')}</button></div></div></form></section>`;
  const runRows = input.runs.map(
    (entry) =>
      html`<tr><td class="long">${formatTime(entry.requestedAt ?? entry.publishedAt, context.locale, input.timezone)}<br>${entry.requestedBy ? html`<code>${entry.requestedBy}</code>` : t('schedule')}</td><td>${entry.profile} · ${entry.period}</td><td class="long">${
        entry.reportId
          ? html`${t('published')}: <a href="/portal/reports/${entry.reportId}"><code>${entry.reportId}</code></a>`
          : html`${t('pending')}${entry.failures ? html` (${entry.failures} ${t('failedTimes')})` : ''}`
      }</td></tr>`,
  );
  const runs = html`<section><h2>${t('runsTitle')}</h2>${
    input.runs.length
      ? tableOf(
          t('runsTitle'),
          html`<tr><th scope="col">${t('requestedAt')} · ${t('requestedBy')}</th><th scope="col">${t('profile')} · ${t('period')}</th><th scope="col">${t('outcome')}</th></tr>`,
          runRows,
        )
      : html`<p>${t('noRuns')}</p>`
  }</section>`;
  const subscribers = html`<section><h2>${t('subscribersTitle')}</h2>${errorsFor('subscribers')}<form method="post" action="/portal/admin/subscribers" enctype="multipart/form-data">${csrf}<div class="fields"><div><label for="subscribers-period">${t('period')}</label><input id="subscribers-period" name="period" required placeholder="2026-10" size="10"></div><div><label for="subscribers-file">${t('csvFile')}</label><input id="subscribers-file" name="file" type="file" accept=".csv,text/csv" aria-describedby="subscribers-hint"></div></div><p class="hint" id="subscribers-hint">${t('subscribersHint')}</p><label for="subscribers-csv">${t('csvText')}</label><textarea id="subscribers-csv" name="csv" rows="4" placeholder="region,service,subscribers"></textarea><p><button type="submit">${t('upload')}</button></p></form></section>`;
  const groups: Group[] = ['regulators', 'assessors', 'admins'];
  const people = html`<section><h2>${t('peopleTitle')}</h2>${errorsFor('people')}<form method="post" action="/portal/admin/people">${csrf}<div class="fields"><div><label for="invite-email">${t('email')}</label><input id="invite-email" name="email" type="email" required autocomplete="off" aria-describedby="invite-hint"></div><div><label for="invite-group">${t('group')}</label><select id="invite-group" name="group">${groups.map(
    (group) => html`<option value="${group}">${group}</option>`,
  )}</select></div><div><button type="submit">${t('invite')}</button></div></div><p class="hint" id="invite-hint">${t('inviteHint')}</p></form>${groups.map(
    (group) =>
      html`<h3>${group}</h3>${
        input.people[group].length
          ? tableOf(
              group,
              html`<tr><th scope="col">${t('email')}</th><th scope="col">${t('status')}</th><th scope="col"><span class="vh">${t('remove')}</span></th></tr>`,
              input.people[group].map(
                (member) =>
                  html`<tr><td class="long">${member.email}</td><td>${member.status}</td><td><form class="inline" method="post" action="/portal/admin/people/remove">${csrf}<input type="hidden" name="email" value="${member.email}"><input type="hidden" name="group" value="${group}"><button class="quiet" type="submit">${t('remove')}<span class="vh"> ${member.email} (${group})</span></button></form></td></tr>`,
              ),
            )
          : html`<p>${t('nobody')}</p>`
      }`,
  )}</section>`;
  return layout(
    context,
    t('adminTitle'),
    html`<h1>${t('adminTitle')}</h1>${notice}${run}${runs}${subscribers}${people}`,
    'admin',
  );
}

/** The download audit log: who (by e-mail and user pool subject), what, when. */
export function renderAudit(
  context: PageContext,
  input: { downloads: (DownloadRecord & { email?: string })[]; timezone: string },
): string {
  const t = wordsFor(context.locale);
  const rows = input.downloads.map(
    (entry) =>
      html`<tr><td>${formatTime(entry.at.toISOString(), context.locale, input.timezone)}</td><td class="long">${entry.email ?? t('formerMember')}<br><code>${entry.subject}</code> (${entry.groups.join(', ')})</td><td class="long"><a href="/portal/reports/${entry.reportId}"><code>${entry.reportId}</code></a><br>${entry.file}</td></tr>`,
  );
  return layout(
    context,
    t('auditTitle'),
    html`<h1>${t('auditTitle')}</h1><section><p class="hint">${t('auditHint')}</p>${
      rows.length
        ? tableOf(
            t('auditTitle'),
            html`<tr><th scope="col">${t('when')}</th><th scope="col">${t('who')}</th><th scope="col">${t('what')}</th></tr>`,
            rows,
          )
        : html`<p>${t('noDownloads')}</p>`
    }</section>`,
    'audit',
  );
}

/** The kinds of refusal the portal explains; the problem type stays underneath. */
export type ErrorKind =
  | 'forbidden'
  | 'notFound'
  | 'invalid'
  | 'unavailable'
  | 'signInFailed'
  | 'csrf'
  | 'internal';

/** A refusal as a page, in the person's language, naming its RFC 9457 problem type. */
export function renderError(
  context: PageContext,
  input: { kind: ErrorKind; problemType: string; detail?: string },
): string {
  const t = wordsFor(context.locale);
  const words: Record<ErrorKind, [TextKey, TextKey | undefined]> = {
    forbidden: ['forbiddenTitle', 'forbiddenBody'],
    notFound: ['notFoundTitle', 'notFoundBody'],
    invalid: ['invalidTitle', undefined],
    unavailable: ['unavailableTitle', undefined],
    signInFailed: ['signInFailedTitle', 'signInFailedBody'],
    csrf: ['csrfTitle', 'csrfBody'],
    internal: ['errorTitle', 'internalBody'],
  };
  const [title, body] = words[input.kind];
  const next =
    input.kind === 'signInFailed'
      ? html`<a class="button" href="/portal/sign-in">${t('signIn')}</a>`
      : html`<a href="/portal/reports">${t('backToReports')}</a>`;
  return layout(
    context,
    t(title),
    html`<h1>${t(title)}</h1><section><p>${body ? t(body) : input.detail}</p>${body && input.detail ? html`<p class="note">${input.detail}</p>` : ''}<p>${next}</p><p class="note">${t('problemType')}: <code>${input.problemType}</code></p></section>`,
  );
}
