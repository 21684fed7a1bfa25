import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { MailJobs } from '../../src/mail/mail-jobs.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, uniqueEmail } from '../helpers/users.js';

/**
 * The demo SPA in Debian's Chromium, served from another port than the API,
 * so that CORS, credentialed cross-origin fetches and the cookie rules run
 * for real. Short access tokens (allowed under NODE_ENV=test only) let the
 * tests watch them expire.
 */

/** The little of the DOM that the page functions below touch (this project compiles without the DOM library). */
declare const document: { cookie: string; getElementById(id: string): { textContent: string | null } | null };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const GRACE_SECONDS = 2;
/** How long a test waits for something the page does on its own: generous, since a loaded 2-core CI machine is slow, not broken. */
const DEADLINE_MS = 20_000;
const ARTIFACTS = resolve('test-artifacts');
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER_TESTS === '1') {
  throw new Error(`Chromium is required for the browser tests but ${CHROMIUM} does not exist (apt-get install chromium)`);
}
if (!available) {
  process.stderr.write(`\n[browser tests] SKIPPED: ${CHROMIUM} not found. Install Debian's chromium to run them (.ci/run does).\n\n`);
}
const describeInBrowser = available ? describe : describe.skip;

let browser: Browser;
let demo: Server;
let demoOrigin: string;

async function serveDemo(): Promise<void> {
  const { buildClient } = (await import(resolve('client/build.mjs'))) as { buildClient: () => Promise<string> };
  const { serveDirectory } = (await import(resolve('client/serve-demo.mjs'))) as {
    serveDirectory: (root: string, port: number) => Promise<Server>;
  };
  demo = await serveDirectory(await buildClient(), 0);
  demoOrigin = `http://localhost:${(demo.address() as AddressInfo).port}`;
}

/** A fresh browser profile (its own cookies and storage) for one test, closed whatever happens. */
async function inNewContext(work: (context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  try {
    await work(context);
  } finally {
    await context.close();
  }
}

beforeAll(async () => {
  if (!available) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await serveDemo();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (demo ? demo.close(done) : done(undefined)));
});

async function startApi(env: Record<string, string>): Promise<{ t: TestApp; apiOrigin: string }> {
  const t = await startTestApp({ realClock: true, env: { ALLOWED_ORIGINS: demoOrigin, REFRESH_GRACE_SECONDS: String(GRACE_SECONDS), ...env } });
  return { t, apiOrigin: t.baseUrl.replace('127.0.0.1', 'localhost') };
}

async function register(apiOrigin: string): Promise<string> {
  const email = uniqueEmail('spa');
  const response = await fetch(`${apiOrigin.replace('localhost', '127.0.0.1')}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
  return email;
}

async function openDemo(context: BrowserContext, apiOrigin: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${demoOrigin}/?api=${encodeURIComponent(apiOrigin)}`);
  await page.waitForSelector('#status:not([data-status="unknown"])');
  return page;
}

async function logIn(page: Page, email: string): Promise<void> {
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('#login');
  await page.waitForSelector('#status[data-status="logged-in"]');
}

const statusOf = (page: Page) => page.getAttribute('#status', 'data-status');

async function callApi(page: Page): Promise<string> {
  await page.evaluate(() => {
    document.getElementById('api-result')!.textContent = '';
  });
  await page.click('#call-api');
  await page.waitForFunction(() => document.getElementById('api-result')!.textContent !== '');
  return (await page.getAttribute('#api-result', 'data-ok')) ?? '';
}

/** Polls `condition` until it holds, failing with `what` after DEADLINE_MS. */
async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${DEADLINE_MS} ms until ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The browser's own cookie jar: what Chrome accepted, with its flags. */
async function authCookies(context: BrowserContext) {
  const cookies = await context.cookies();
  return {
    access: cookies.find((cookie) => cookie.name === '__Host-access'),
    refresh: cookies.find((cookie) => cookie.name === '__Secure-refresh'),
  };
}

describeInBrowser('the demo SPA with 4-second access tokens', () => {
  let t: TestApp;
  let apiOrigin: string;
  beforeAll(async () => {
    ({ t, apiOrigin } = await startApi({ ACCESS_TOKEN_TTL_SECONDS: '4' }));
  });
  afterAll(() => t?.close());

  test('login, then a reload keeps the user logged in; page scripts see neither token', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const page = await openDemo(context, apiOrigin);
      expect(await statusOf(page)).toBe('logged-out');
      await logIn(page, email);
      expect(await page.textContent('#user-email')).toBe(email);

      const { access, refresh } = await authCookies(context);
      expect(access).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
      expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/auth' });

      await page.reload();
      await page.waitForSelector('#status[data-status="logged-in"]');
      const visible = await page.evaluate(() => document.cookie);
      expect(visible).not.toContain('__Host-access');
      expect(visible).not.toContain('__Secure-refresh');
      expect(visible).not.toContain(access!.value.slice(0, 20));

      await page.screenshot({ path: join(ARTIFACTS, 'spa-logged-in.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'spa-logged-in.png'))).toBe(true);
    }));

  test('the access token expires while the page is open; the next call just works (proactive refresh)', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const page = await openDemo(context, apiOrigin);
      await logIn(page, email);
      const { access: firstAccess, refresh: firstRefresh } = await authCookies(context);
      const first = firstRefresh!.value;

      await until('the page has refreshed on its own and its first access token has expired', async () => {
        const { refresh } = await authCookies(context);
        return refresh !== undefined && refresh.value !== first && Date.now() > firstAccess!.expires * 1000;
      });
      expect(await callApi(page)).toBe('true');
      expect(await page.textContent('#login-error')).toBe('');
      expect((await authCookies(context)).refresh!.value).not.toBe(first);
      const session = await t.prisma.session.findFirstOrThrow({ where: { user: { email } } });
      expect(session.revokedAt).toBeNull();
      expect(await t.prisma.refreshToken.count({ where: { sessionId: session.id } })).toBeGreaterThanOrEqual(2);
    }));

  test('a stolen refresh token replayed after the grace window revokes the family; the open tabs show it', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const pages = [await openDemo(context, apiOrigin)];
      await logIn(pages[0]!, email);
      pages.push(await openDemo(context, apiOrigin));
      const stolen = (await authCookies(context)).refresh!.value;

      await until('the page has rotated past the stolen token (its proactive refresh)', async () => {
        const { refresh } = await authCookies(context);
        return refresh !== undefined && refresh.value !== stolen;
      });
      const { usedAt } = await t.prisma.refreshToken.findUniqueOrThrow({ where: { id: stolen.slice(0, stolen.indexOf('.')) } });
      await until("the stolen token's grace window has passed on the service's clock", () => Date.now() > usedAt!.getTime() + GRACE_SECONDS * 1000);

      const replay = await fetch(`${apiOrigin.replace('localhost', '127.0.0.1')}/auth/refresh`, {
        method: 'POST',
        headers: { cookie: `__Secure-refresh=${stolen}`, origin: demoOrigin, 'x-requested-with': 'fetch' },
      });
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { error: string }).error).toBe('refresh_token_reused');

      await Promise.all(pages.map((page) => page.waitForSelector('#status[data-status="logged-out"]', { timeout: DEADLINE_MS })));
      expect(await pages[1]!.textContent('#status')).toMatch(/revoked|reused/);
      const session = await t.prisma.session.findFirstOrThrow({ where: { user: { email } } });
      expect(session.revokeReason).toBe('refresh_token_reused');
    }));
});

/** Tokens that outlive each test, so that nothing refreshes on its own: whatever the tabs do, a test made them do. */
describeInBrowser('the demo SPA with 60-second access tokens', () => {
  let t: TestApp;
  let apiOrigin: string;
  beforeAll(async () => {
    ({ t, apiOrigin } = await startApi({ ACCESS_TOKEN_TTL_SECONDS: '60' }));
  });
  afterAll(() => t?.close());

  test('logout in one tab: the others show the logged-out state, told by that tab, and their next call is refused', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const first = await openDemo(context, apiOrigin);
      await logIn(first, email);
      const others = [await openDemo(context, apiOrigin), await openDemo(context, apiOrigin)];
      for (const page of others) expect(await statusOf(page)).toBe('logged-in');

      await first.click('#logout');
      await first.waitForSelector('#status[data-status="logged-out"]');
      // Only the first tab's broadcast gives the reason "logout": the others made no call of their own that could fail.
      await Promise.all(
        others.map((page) => page.waitForSelector('#status[data-status="logged-out"][data-reason="logout"]', { timeout: DEADLINE_MS })),
      );

      for (const page of others) {
        const status = await page.evaluate(async (api) => (await fetch(`${api}/auth/me`, { credentials: 'include' })).status, apiOrigin);
        expect(status).toBe(401);
      }
    }));

  test('a password changed in one browser: another browser signed in as the same user is logged out on its next call; this one stays', async () => {
    const email = await register(apiOrigin);
    const here = await browser.newContext();
    const elsewhere = await browser.newContext();
    try {
      const page = await openDemo(here, apiOrigin);
      await logIn(page, email);
      const other = await openDemo(elsewhere, apiOrigin);
      await logIn(other, email);

      await page.fill('#current-password', PASSWORD);
      await page.fill('#new-password', 'a brand new passphrase');
      await page.click('#change-password');
      await page.waitForFunction(() => document.getElementById('password-result')!.textContent !== '');
      expect(await page.textContent('#password-result')).toBe('Password changed; 1 other session signed out.');

      // Nothing tells the other browser until it calls: then its session is over.
      expect(await statusOf(other)).toBe('logged-in');
      expect(await callApi(other)).toBe('false');
      await other.waitForSelector('#status[data-status="logged-out"][data-reason="revoked"]', { timeout: DEADLINE_MS });
      expect(await callApi(page)).toBe('true');
      expect(await statusOf(page)).toBe('logged-in');
      const ended = await t.prisma.session.findMany({ where: { user: { email }, revokedAt: { not: null } } });
      expect(ended.map((session) => session.revokeReason)).toEqual(['password_changed']);
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });

  test('four tabs call the API at the moment the access cookie lapses: all succeed, one rotation, session alive', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const tabs = [await openDemo(context, apiOrigin)];
      await logIn(tabs[0]!, email);
      for (let i = 0; i < 3; i++) tabs.push(await openDemo(context, apiOrigin));
      for (const tab of tabs) expect(await statusOf(tab)).toBe('logged-in');
      const session = await t.prisma.session.findFirstOrThrow({ where: { user: { email } } });
      expect(await t.prisma.refreshToken.count({ where: { sessionId: session.id } })).toBe(1);

      // What the browser does when an access cookie reaches its Max-Age: it forgets it.
      await context.clearCookies({ name: '__Host-access' });
      const refreshes: number[] = [];
      tabs.forEach((tab, index) => tab.on('request', (request) => request.url().endsWith('/auth/refresh') && refreshes.push(index)));
      const results = await Promise.all(tabs.map((tab) => callApi(tab)));
      expect(refreshes).toHaveLength(1);

      expect(results).toEqual(['true', 'true', 'true', 'true']);
      for (const tab of tabs) expect(await statusOf(tab)).toBe('logged-in');
      expect(await t.prisma.refreshToken.count({ where: { sessionId: session.id } })).toBe(2);
      const fresh = await t.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
      expect(fresh.revokedAt).toBeNull();
      expect(await t.prisma.auditEvent.count({ where: { sessionId: session.id, type: 'refresh_token_reuse_detected' } })).toBe(0);
    }));
});

/** The links the service mails open the demo (ACCOUNT_LINK_BASE_URL), which takes the token from the fragment. */
describeInBrowser('the demo opens mailed links', () => {
  let t: TestApp;
  let apiOrigin: string;
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await Mailbox.start();
    ({ t, apiOrigin } = await startApi({ SMTP_URL: mailbox.url, ACCOUNT_LINK_BASE_URL: `${demoOrigin}/` }));
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  /**
   * The link of `kind` in the newest mail to `email` that has one, with the
   * demo's `?api=` added: the service mails `<ACCOUNT_LINK_BASE_URL>#<kind>=<token>`,
   * and this API listens on a port chosen after its settings were read.
   */
  async function mailedLink(email: string, kind: 'reset-password' | 'verify-email'): Promise<string> {
    await t.module.get(MailJobs).idle();
    const token = mailbox.tokenFor(email, kind);
    expect(mailbox.to(email).some((mail) => mail.text.includes(`${demoOrigin}/#${kind}=${token}`))).toBe(true);
    return `${demoOrigin}/?api=${encodeURIComponent(apiOrigin)}#${kind}=${token}`;
  }

  test('forgot password, then the reset link: a new password, and the address bar keeps no token', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const page = await openDemo(context, apiOrigin);
      await page.click('summary');
      await page.fill('#forgot-email', email);
      await page.click('#forgot-submit');
      await page.waitForFunction(() => document.getElementById('forgot-result')!.textContent !== '');

      await page.goto(await mailedLink(email, 'reset-password'));
      await page.waitForSelector('#reset:not([hidden])');
      expect(page.url()).not.toContain('#');
      await page.fill('#reset-password', 'a brand new passphrase');
      await page.click('#reset-submit');
      await page.waitForFunction(() => (document.getElementById('link-result')!.textContent ?? '').includes('password is changed'));

      await page.fill('#email', email);
      await page.fill('#password', 'a brand new passphrase');
      await page.click('#login');
      await page.waitForSelector('#status[data-status="logged-in"]');
    }));

  test('the verification link of the registration mail: a signed-in page shows the address verified', () =>
    inNewContext(async (context) => {
      const email = await register(apiOrigin);
      const page = await openDemo(context, apiOrigin);
      await logIn(page, email);
      expect(await page.textContent('#email-verified')).toBe('not verified yet');

      await page.goto(await mailedLink(email, 'verify-email'));
      await page.waitForFunction(() => document.getElementById('email-verified')!.textContent === 'verified');
      expect(await page.textContent('#link-result')).toBe('Your email address is verified.');
    }));
});
