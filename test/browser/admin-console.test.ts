import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { PASSWORD, TEST_OPERATOR, uniqueEmail } from '../helpers/users.js';

/**
 * The admin console as the service serves it, in Chromium, next to a user's
 * demo SPA tab (another origin, another browser profile): an admin revokes
 * the user's family in the console and the user's tab shows the logged-out
 * state at its next refresh (4-second access tokens).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DEADLINE_MS = 20_000;
const ARTIFACTS = resolve('test-artifacts');
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER_TESTS === '1') throw new Error(`Chromium is required for the browser tests but ${CHROMIUM} does not exist`);
const describeInBrowser = available ? describe : describe.skip;

/** A port free right now: the console's origin must be in ALLOWED_ORIGINS before the app starts. */
function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((done) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => done(port));
  }));
}

describeInBrowser('the admin console', () => {
  let browser: Browser;
  let demo: Server;
  let demoOrigin: string;
  let t: TestApp;
  let origin: string;
  let adminEmail: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { buildClient } = (await import(resolve('client/build.mjs'))) as { buildClient: () => Promise<string> };
    const { serveDirectory } = (await import(resolve('client/serve-demo.mjs'))) as { serveDirectory: (root: string, port: number) => Promise<Server> };
    demo = await serveDirectory(await buildClient(), 0);
    demoOrigin = `http://localhost:${(demo.address() as AddressInfo).port}`;
    const port = await freePort();
    origin = `http://localhost:${port}`;
    t = await startTestApp({
      realClock: true,
      port,
      env: { ALLOWED_ORIGINS: `${demoOrigin},${origin}`, ACCESS_TOKEN_TTL_SECONDS: '4', REFRESH_GRACE_SECONDS: '2', ADMIN_CONSOLE_ENABLED: 'true' },
    });
    adminEmail = uniqueEmail('admin');
    await t.module.get(UsersService).createAdmin(adminEmail, PASSWORD, TEST_OPERATOR);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((done) => (demo ? demo.close(done) : done(undefined)));
  });

  async function register(): Promise<string> {
    const email = uniqueEmail('user');
    const response = await fetch(`${t.baseUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    expect(response.status).toBe(201);
    return email;
  }

  /** Opens the console in a fresh profile and signs in; collects any Content-Security-Policy violation. */
  async function signInToConsole(email: string, violations: string[]): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (message) => message.text().includes('Content Security Policy') && violations.push(message.text()));
    await page.goto(`${origin}/console/`);
    await page.waitForSelector('#status[data-status="logged-out"]');
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#login');
    return page;
  }

  test("an admin revokes a user's family with a reason after confirming; the user's open demo tab shows the logged-out state at its next refresh", async () => {
    const userEmail = await register();
    const userContext = await browser.newContext();
    const demoTab = await userContext.newPage();
    await demoTab.goto(`${demoOrigin}/?api=${encodeURIComponent(origin)}`);
    await demoTab.waitForSelector('#status[data-status="logged-out"]');
    await demoTab.fill('#email', userEmail);
    await demoTab.fill('#password', PASSWORD);
    await demoTab.click('#login');
    await demoTab.waitForSelector('#status[data-status="logged-in"]');

    const violations: string[] = [];
    const consolePage = await signInToConsole(adminEmail, violations);
    await consolePage.waitForSelector('#status[data-status="admin"]');
    await consolePage.waitForSelector('#keys tbody tr');
    await consolePage.fill('#search-email', userEmail.slice(0, userEmail.indexOf('.') + 1));
    await consolePage.click('#search');
    await consolePage.click(`#users button:text-is("${userEmail}")`);
    const activeRow = '#sessions tbody tr[data-state="active"]';
    await consolePage.waitForSelector(activeRow);
    await consolePage.screenshot({ path: join(ARTIFACTS, 'admin-console-sessions.png'), fullPage: true });

    await consolePage.click(`${activeRow} button.revoke`);
    await consolePage.waitForSelector('#confirm[open]');
    await consolePage.click('#confirm-ok');
    expect(await consolePage.textContent('#confirm-error')).toContain('Say why');
    await consolePage.fill('#confirm-reason', 'reported stolen');
    await consolePage.click('#confirm-ok');
    await consolePage.waitForSelector('#message:has-text("Revoked session")');
    await consolePage.waitForSelector('#sessions tbody tr[data-state="revoked"]');
    await consolePage.waitForSelector('#audit tbody tr:has-text("session_revoked_by_admin")');

    await demoTab.waitForSelector('#status[data-status="logged-out"][data-reason="revoked"]', { timeout: DEADLINE_MS });
    const session = await t.prisma.session.findFirstOrThrow({ where: { user: { email: userEmail } } });
    expect(session.revokeReason).toBe('admin');
    const event = await t.prisma.auditEvent.findFirstOrThrow({ where: { sessionId: session.id, type: 'session_revoked_by_admin' } });
    expect(event.data).toEqual({ reason: 'reported stolen' });
    expect(violations).toEqual([]);
  });

  test('/docs renders the OpenAPI UI under its own CSP, without a violation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => message.text().includes('Content Security Policy') && violations.push(message.text()));
    await page.goto(`${origin}/docs`);
    await page.waitForSelector('.swagger-ui .opblock', { timeout: DEADLINE_MS });
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThanOrEqual(20);
    expect(violations).toEqual([]);
    await context.close();
  });

  test('a user without the admin role is refused: the console shows the refusal and the API answers 403', async () => {
    const userEmail = await register();
    const violations: string[] = [];
    const page = await signInToConsole(userEmail, violations);
    await page.waitForSelector('#status[data-status="refused"]');
    expect(await page.isVisible('#refused')).toBe(true);
    expect(await page.isVisible('#console')).toBe(false);
    const status = await page.evaluate(async () => (await fetch('/admin/users?email=', { credentials: 'include' })).status);
    expect(status).toBe(403);
    expect(violations).toEqual([]);
  });
});

afterAll(() => {
  // The README shows the console: keep docs/admin-console.png as the last run took it when asked to.
  if (process.env.UPDATE_SCREENSHOTS === '1' && existsSync(join(ARTIFACTS, 'admin-console-sessions.png'))) {
    copyFileSync(join(ARTIFACTS, 'admin-console-sessions.png'), resolve('docs/admin-console.png'));
  }
});
