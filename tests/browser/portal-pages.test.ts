import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import chromium from '@sparticuz/chromium';
import {
  type Browser,
  type BrowserContext,
  type Page,
  chromium as playwright,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHttpApiEvent } from '#sandbox/triggers/http-event.ts';
import type { Locale } from '#shared/domain/survey-definitions.ts';
import { TEXT, type TextKey } from '#shared/web/portal/text.ts';
import {
  FAILING_REPORT_ID,
  LATEST_REPORT_ID,
  type Role,
  seededPortal,
} from '../support/portal-fakes.ts';

// Every portal page, rendered by the real portal app (the function the Lambda runs) on
// fakes of its ports behind a loopback HTTP server, in both languages and at a phone's
// and a desktop's size: axe-clean, no sideways scroll, its CSP kept, forms without script.

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// @sparticuz/chromium has no CJK font: for readable zh-CN screenshots only, the test
// serves Noto Sans SC (regular and bold, split by Unicode range) from its npm package.
const fontDirectory = join(dirname(require.resolve('@fontsource/noto-sans-sc/400.css')), 'files');
const fontCss = ['400', '700']
  .map((face) => readFileSync(require.resolve(`@fontsource/noto-sans-sc/${face}.css`), 'utf8'))
  .join('\n')
  .replaceAll('url(./files/', 'url(/__test-fonts/')
  // This Chromium's system-ui font maps many common hanzi to empty boxes, so Chinese text
  // takes the font first, as on a Chinese system; Latin text keeps the page's own stack.
  .concat('\nbody:lang(zh-CN),[lang="zh-CN"]{font-family:"Noto Sans SC",sans-serif}');
const SCREENSHOTS = join(process.cwd(), 'test-results', 'portal');

const VIEWPORTS = [
  { name: '390x844', width: 390, height: 844, isMobile: true, hasTouch: true },
  { name: '1280x800', width: 1280, height: 800, isMobile: false, hasTouch: false },
] as const;
type Viewport = (typeof VIEWPORTS)[number];

interface PortalPage {
  name: string;
  /** Who looks at it; undefined for someone not signed in. */
  as?: Role;
  path: string;
  /** Sent as a form post (no CSRF token) rather than a GET. */
  post?: string;
  status: number;
  heading: TextKey | string;
  /** The problem type an error page names. */
  problem?: string;
}

const PAGES: PortalPage[] = [
  { name: 'welcome', path: '/portal', status: 200, heading: 'welcomeTitle' },
  { name: 'signed-out', path: '/portal/signed-out', status: 200, heading: 'signedOutTitle' },
  {
    name: 'reports',
    as: 'regulator',
    path: '/portal/reports',
    status: 200,
    heading: 'reportsTitle',
  },
  {
    name: 'reports-empty',
    as: 'regulator',
    path: '/portal/reports?period=2019',
    status: 200,
    heading: 'reportsTitle',
  },
  {
    name: 'reports-filtered',
    as: 'regulator',
    path: '/portal/reports?profile=baseline&period=2026-10',
    status: 200,
    heading: 'reportsTitle',
  },
  {
    name: 'report-regulator',
    as: 'regulator',
    path: `/portal/reports/${LATEST_REPORT_ID}`,
    status: 200,
    heading: 'baseline · 2026-10',
  },
  {
    name: 'report-assessor',
    as: 'assessor',
    path: `/portal/reports/${LATEST_REPORT_ID}`,
    status: 200,
    heading: 'baseline · 2026-10',
  },
  { name: 'admin', as: 'admin', path: '/portal/admin', status: 200, heading: 'adminTitle' },
  { name: 'audit', as: 'admin', path: '/portal/admin/audit', status: 200, heading: 'auditTitle' },
  {
    name: 'error-403',
    as: 'regulator',
    path: '/portal/admin',
    status: 403,
    heading: 'forbiddenTitle',
    problem: 'forbidden',
  },
  {
    name: 'error-404',
    as: 'regulator',
    path: '/portal/reports/20201101T030000Z-0123456789ab',
    status: 404,
    heading: 'notFoundTitle',
    problem: 'not-found',
  },
  {
    name: 'error-csrf',
    as: 'admin',
    path: '/portal/admin/runs',
    post: 'profile=baseline&period=2026-10',
    status: 403,
    heading: 'csrfTitle',
    problem: 'csrf',
  },
  {
    name: 'error-sign-in-failed',
    path: '/portal/callback?code=abc&state=replayed',
    status: 400,
    heading: 'signInFailedTitle',
    problem: 'sign-in-failed',
  },
  {
    name: 'error-500',
    as: 'regulator',
    path: `/portal/reports/${FAILING_REPORT_ID}`,
    status: 500,
    heading: 'errorTitle',
    problem: 'internal',
  },
];

const headingOf = (page: PortalPage, locale: Locale) =>
  page.heading in TEXT ? TEXT[page.heading as TextKey][locale] : page.heading;

let portal: ReturnType<typeof seededPortal>;
let server: Server;
let base: string;
let browser: Browser;
/** Each seeded person's session cookie and CSRF token. */
const sessions = new Map<Role, { cookie: string; csrfToken: string }>();

beforeAll(async () => {
  portal = seededPortal();
  // The HTTP API in front of the function: a request becomes its event, the answer a response.
  server = createServer(async (request, response) => {
    // The test's own font files, beside the portal (cached: routing would turn the cache off).
    const font = /^\/__test-fonts\/([\w-]+\.woff2?)$/.exec(request.url ?? '')?.[1];
    if (font) {
      response.writeHead(200, { 'content-type': 'font/woff2', 'cache-control': 'max-age=3600' });
      response.end(readFileSync(join(fontDirectory, font)));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = request.method ?? 'GET';
    const answer = await portal.app(
      toHttpApiEvent({
        method,
        path: request.url ?? '/',
        headers,
        body: Buffer.concat(chunks),
        routeKey: `${method} /portal/{proxy+}`,
      }),
    );
    response.writeHead(answer.statusCode ?? 200, {
      ...(answer.headers as Record<string, string>),
      ...(answer.cookies?.length ? { 'set-cookie': answer.cookies } : {}),
    });
    response.end(answer.body ?? '');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // After sign-out, the user pool would send the browser back to the signed-out page.
  portal.identity.provider.signOutUrl = async () => new URL(`${base}/portal/signed-out`);
  for (const role of ['regulator', 'assessor', 'admin'] as const) {
    sessions.set(role, await portal.signIn(role));
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    // --single-process (for Lambda) ends the browser with its first page; a test opens many.
    args: chromium.args.filter((arg) => arg !== '--single-process'),
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

/**
 * A browser context in a language and at a size, and its first tab, signed in as someone
 * (or not): the session cookie set as the portal sets it, host-only, Secure, HttpOnly.
 */
async function contextFor(
  locale: Locale,
  viewport: Viewport,
  role: Role | undefined,
  options: { bypassCSP?: boolean; javaScriptEnabled?: boolean } = {},
) {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    isMobile: viewport.isMobile,
    hasTouch: viewport.hasTouch,
    locale,
    ...options,
  });
  const tab = await context.newPage();
  const session = role ? sessions.get(role) : undefined;
  if (session) await setSessionCookie(context, tab, session.cookie);
  return { context, tab };
}

/** Playwright's addCookies names a Domain, which a `__Host-` cookie may not have. */
async function setSessionCookie(context: BrowserContext, tab: Page, value: string) {
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.setCookie', {
    name: '__Host-tsq-session',
    value,
    url: `${base}/`,
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Lax',
  });
  await cdp.detach();
}

/** Opens a page as the browser would reach it: a GET, or the form post it stands for. */
async function open(tab: Page, page: PortalPage) {
  await tab.unrouteAll();
  if (page.post) {
    const body = page.post;
    await tab.route(`${base}${page.path}`, (route) =>
      route.continue({
        method: 'POST',
        postData: body,
        headers: {
          ...route.request().headers(),
          'content-type': 'application/x-www-form-urlencoded',
        },
      }),
    );
  }
  return tab.goto(`${base}${page.path}`);
}

/** One tab per person (or nobody) for a run over the pages: cookies and fonts cached. */
function tabsFor(open: (role: Role | undefined) => ReturnType<typeof contextFor>) {
  const tabs = new Map<Role | 'nobody', Promise<{ context: BrowserContext; tab: Page }>>();
  return {
    tab: async (role: Role | undefined) => {
      const key = role ?? 'nobody';
      if (!tabs.has(key)) tabs.set(key, open(role));
      return (await (tabs.get(key) as ReturnType<typeof contextFor>)).tab;
    },
    close: async () => {
      for (const entry of tabs.values()) await (await entry).context.close();
    },
  };
}

describe.each(['zh-CN', 'en'] as const)('the portal in %s', (locale) => {
  describe('under its own CSP', () => {
    // A listener for CSP violations, installed by the test tool, not the page.
    const tabs = tabsFor(async (role) => {
      const opened = await contextFor(locale, VIEWPORTS[1], role);
      await opened.context.addInitScript(
        `globalThis.cspViolations = [];
         document.addEventListener('securitypolicyviolation', (event) =>
           globalThis.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));`,
      );
      return opened;
    });
    afterAll(() => tabs.close());

    it.each(PAGES)(
      'shows $name without breaking its CSP, names its language and problem, and posts every form with its CSRF token',
      async (page) => {
        // Prepare
        const where = `${page.name} (${locale})`;
        const tab = await tabs.tab(page.as);

        // Act
        const response = await open(tab, page);
        const csp = response?.headers()['content-security-policy'] ?? '';
        const forms = await tab.locator('form[method="post"]').evaluateAll((forms) =>
          forms.map((form) => {
            const field = (
              form as unknown as { elements: { namedItem(n: string): unknown } }
            ).elements.namedItem('csrf') as { type?: string; value?: string } | null;
            return {
              action: (form as unknown as { action: string }).action,
              csrf: field ? `${field.type}:${field.value}` : undefined,
            };
          }),
        );

        // Assess
        expect(response?.status(), where).toBe(page.status);
        expect(await tab.getAttribute('html', 'lang'), where).toBe(locale);
        expect(await tab.locator('h1').textContent(), where).toBe(headingOf(page, locale));
        expect(csp, where).toMatch(/(^|; )default-src 'none'(;|$)/);
        expect(csp, where).not.toMatch(/script-src|unsafe-inline|unsafe-eval/);
        expect(await tab.locator('script').count(), where).toBe(0);
        expect(await tab.evaluate('globalThis.cspViolations'), where).toEqual([]);
        if (page.problem) {
          expect(await tab.locator('main code').last().textContent(), where).toBe(
            `urn:telecom-service-quality:problem:${page.problem}`,
          );
        }
        const token = page.as ? sessions.get(page.as)?.csrfToken : undefined;
        for (const form of forms) {
          expect(form.csrf, `${where}: ${form.action}`).toBe(`hidden:${token}`);
        }
        expect(forms.length > 0, where).toBe(page.as !== undefined);
      },
    );
  });

  describe.each(VIEWPORTS)('at $name', (viewport) => {
    // The test's own font and axe need the page's CSP set aside; axe is handed to the
    // browser once and runs in every page a context opens.
    const tabs = tabsFor(async (role) => {
      const opened = await contextFor(locale, viewport, role, { bypassCSP: true });
      await opened.context.addInitScript({ content: axeSource });
      return opened;
    });
    afterAll(() => tabs.close());

    it.each(PAGES)(
      'shows $name axe-clean, fitting the screen, and saves its screenshot',
      async (page) => {
        // Prepare
        const where = `${page.name} (${locale}, ${viewport.name})`;
        const tab = await tabs.tab(page.as);
        await open(tab, page);
        // The font's faces, loaded before anything is measured or drawn.
        await tab.addStyleTag({ content: fontCss });
        await tab.evaluate(`(async () => {
          const text = document.body.innerText;
          await Promise.all([
            document.fonts.load('16px "Noto Sans SC"', text),
            document.fonts.load('700 16px "Noto Sans SC"', text),
          ]);
          await document.fonts.ready;
          await new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn)));
        })()`);

        // Act
        const violations = await tab.evaluate<{ id: string; targets: string[] }[]>(`
        axe.run(document).then((result) => result.violations.map((violation) => ({
          id: violation.id,
          targets: violation.nodes.map((node) => String(node.target)),
        })))`);
        const scrollWidth = await tab.evaluate<number>('document.documentElement.scrollWidth');
        // Tables fit too: a phone user should not have to scroll a table sideways to read it.
        const tablesScrolling = await tab.evaluate<string[]>(
          `[...document.querySelectorAll('.table')].filter((region) =>
            region.scrollWidth > region.clientWidth).map((region) => region.getAttribute('aria-label'))`,
        );
        const heading = (await tab.locator('h1').textContent()) ?? '';
        // The heading as drawn: bold, so the bold faces of its characters must be loaded.
        const glyphs = await tab.evaluate<{ check: boolean; loaded: number }>(`({
        check: document.fonts.check('700 16px "Noto Sans SC"', ${JSON.stringify(heading)}),
        loaded: [...document.fonts].filter((face) =>
          face.family.replaceAll('"', '') === 'Noto Sans SC' && face.status === 'loaded').length,
      })`);
        await tab.screenshot({
          path: join(SCREENSHOTS, `${page.name}-${locale}-${viewport.name}.png`),
          fullPage: true,
        });

        // Assess
        expect(violations, where).toEqual([]);
        expect(scrollWidth, where).toBeLessThanOrEqual(viewport.width);
        expect(tablesScrolling, where).toEqual([]);
        if (locale === 'zh-CN') {
          expect(glyphs.check, where).toBe(true);
          expect(glyphs.loaded, where).toBeGreaterThan(0);
        }
      },
    );
  });
});

describe('the portal without JavaScript', () => {
  async function signedInTab(role: Role) {
    return contextFor('en', VIEWPORTS[1], role, { javaScriptEnabled: false });
  }

  it('filters the reports list with its plain GET form', async () => {
    // Prepare
    const { context, tab } = await signedInTab('regulator');
    try {
      await tab.goto(`${base}/portal/reports`);

      // Act
      await tab.selectOption('#profile', 'cn-miit');
      await tab.fill('#period', '2026-Q3');
      await tab.getByRole('button', { name: 'Filter' }).click();
      await tab.waitForURL(/profile=cn-miit&period=2026-Q3$/);

      // Assess
      expect(await tab.locator('tbody tr').count()).toBe(1);
      expect(await tab.locator('tbody tr a').textContent()).toBe('cn-miit · 2026-Q3');
    } finally {
      await context.close();
    }
  });

  it('runs a report, uploads counts from a file, invites and removes a person', async () => {
    // Prepare
    const { context, tab } = await signedInTab('admin');
    const notice = tab.locator('.notice');
    try {
      await tab.goto(`${base}/portal/admin`);

      // Act and assess, form by form: each posts its CSRF token and comes back with a notice.
      await tab.selectOption('#run-profile', 'uk-ofcom');
      await tab.fill('#run-period', '2026-Q3');
      await tab.getByRole('button', { name: 'Run it' }).click();
      await tab.waitForURL(/\/portal\/admin\?run=/);
      expect(await notice.textContent()).toMatch(/^The report run is queued: \d{8}T\d{6}Z-/);
      expect(portal.runs.queued.at(-1)).toMatchObject({ profile: 'uk-ofcom', period: '2026-Q3' });

      await tab.fill('#subscribers-period', '2026-11');
      await tab.setInputFiles('#subscribers-file', {
        name: 'counts.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('region,service,subscribers\nGD-SZ,mobile_data,5000\n'),
      });
      await tab.getByRole('button', { name: 'Upload' }).click();
      await tab.waitForURL(/\/portal\/admin\?subscribers=/);
      expect(await notice.textContent()).toBe('Subscriber counts stored: 2026-11 (1)');

      await tab.fill('#invite-email', 'browser-test@regulator.example');
      await tab.selectOption('#invite-group', 'regulators');
      await tab.getByRole('button', { name: 'Invite' }).click();
      await tab.waitForURL(/\/portal\/admin\?invited=/);
      expect(await notice.textContent()).toBe('Invited: browser-test@regulator.example');

      await tab
        .getByRole('button', { name: 'Remove browser-test@regulator.example (regulators)' })
        .click();
      await tab.waitForURL(/\/portal\/admin\?removed=/);
      expect(await notice.textContent()).toBe('Removed: browser-test@regulator.example');
      expect(portal.people.removed.at(-1)).toEqual({
        username: 'browser-test@regulator.example',
        group: 'regulators',
      });
    } finally {
      await context.close();
    }
  });

  it('switches the language by a link and comes back to the same page', async () => {
    // Prepare
    const { context, tab } = await contextFor('zh-CN', VIEWPORTS[0], 'regulator', {
      javaScriptEnabled: false,
    });
    try {
      await tab.goto(`${base}/portal/reports?profile=baseline`);

      // Act
      await tab.getByRole('link', { name: 'English' }).click();
      await tab.waitForURL(`${base}/portal/reports?profile=baseline`);

      // Assess
      expect(await tab.getAttribute('html', 'lang')).toBe('en');
      expect(await tab.locator('h1').textContent()).toBe('Reports');
    } finally {
      await context.close();
    }
  });

  it('signs out with its form, after which the reports send the browser to the front page', async () => {
    // Prepare: a session of its own, so the other tests keep theirs
    const own = await portal.signIn('assessor');
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en' });
    const tab = await context.newPage();
    await setSessionCookie(context, tab, own.cookie);
    try {
      await tab.goto(`${base}/portal/reports`);

      // Act
      await tab.getByRole('button', { name: 'Sign out' }).click();
      await tab.waitForURL(`${base}/portal/signed-out`);
      const signedOut = await tab.locator('h1').textContent();
      await tab.goto(`${base}/portal/reports`);

      // Assess
      expect(signedOut).toBe('You have signed out');
      expect(tab.url()).toBe(`${base}/portal`);
      expect(await context.cookies()).not.toContainEqual(
        expect.objectContaining({ name: '__Host-tsq-session' }),
      );
    } finally {
      await context.close();
    }
  });
});
