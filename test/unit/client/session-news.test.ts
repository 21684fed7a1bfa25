import { AuthClientError } from '../../../client/src/auth-client.js';
import { FakeBrowser, USER } from './fake-browser.js';

/** What one tab learns of the session reaches the others: logins, refreshes, and above all its end. */

let browser: FakeBrowser;
beforeEach(() => {
  browser = new FakeBrowser();
});
afterEach(() => browser.close());

test('a logout in one tab: the others switch to logged-out with the reason and stop refreshing', async () => {
  const [tab, ...others] = await browser.loggedInTabs(3);
  browser.server.on('POST', '/auth/logout', () => ({ status: 204 }));
  browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());
  const seen: string[] = [];
  others[0]!.subscribe((state) => seen.push(state.status === 'logged-out' ? `logged-out:${state.reason}` : state.status));

  await tab!.logout();
  await browser.clock.advance(0);

  expect(tab!.state).toEqual({ status: 'logged-out', reason: 'logout' });
  for (const other of others) expect(other.state).toEqual({ status: 'logged-out', reason: 'logout' });
  expect(seen).toEqual(['logged-out:logout']);
  expect(browser.storage.getItem('auth-client:tokens')).toBeNull();
  expect(browser.clock.armed).toBe(0);
  await browser.clock.advance(3_600_000);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(0);
});

test('a refresh that meets reuse detection ends the session in every tab, with the reason', async () => {
  const [, other] = await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/refresh', () => browser.server.error(401, 'refresh_token_reused'));

  await browser.clock.advance(600_000);

  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(other!.state).toEqual({ status: 'logged-out', reason: 'reused' });
});

test('a tab that already shows the session over keeps its reason when later news arrives', async () => {
  const [first, second] = await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/refresh', () => browser.server.error(401, 'refresh_token_reused'));
  browser.server.on('POST', '/auth/logout', () => ({ status: 204 }));
  await browser.clock.advance(600_000);
  const seen: string[] = [];
  second!.subscribe((state) => seen.push(state.status));

  await first!.logout();
  await browser.clock.advance(0);

  expect(first!.state).toEqual({ status: 'logged-out', reason: 'logout' });
  expect(second!.state).toEqual({ status: 'logged-out', reason: 'reused' });
  expect(seen).toEqual([]);
});

test('"no session here" is not news: a tab whose refresh finds no session leaves the others logged in', async () => {
  const [first, second] = await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/refresh', () => browser.server.error(401, 'invalid_refresh_token'));

  // Tab 2 (jitter 20 % of 10 %) is due first, at 600 − 60 − 12 = 528 s.
  await browser.clock.advance(528_000);

  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(second!.state).toEqual({ status: 'logged-out', reason: 'no-session' });
  expect(first!.state.status).toBe('logged-in');
});

test('a logout the server did not confirm throws an AuthClientError and leaves every tab logged in', async () => {
  const [tab, other] = await browser.loggedInTabs(2);
  const answers = [browser.server.error(503, 'service_busy'), browser.server.error(403, 'csrf_rejected'), 'network-error' as const];
  browser.server.on('POST', '/auth/logout', (call) => answers[call]!);

  const errors: unknown[] = [];
  for (const _ of answers) errors.push(await tab!.logout().catch((error: unknown) => error));
  await browser.clock.advance(0);

  for (const error of errors) expect(error).toBeInstanceOf(AuthClientError);
  expect(errors).toMatchObject([
    { code: 'service_busy', status: 503 },
    { code: 'csrf_rejected', status: 403 },
    { code: 'network_error', status: 0 },
  ]);
  expect(tab!.state.status).toBe('logged-in');
  expect(other!.state.status).toBe('logged-in');
});

test('a logout answered 401 (the session was already gone) counts as done', async () => {
  const [tab, other] = await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/logout', () => browser.server.error(401, 'authentication_required'));

  await tab!.logout();
  await browser.clock.advance(0);

  expect(tab!.state).toEqual({ status: 'logged-out', reason: 'logout' });
  expect(other!.state).toEqual({ status: 'logged-out', reason: 'logout' });
});

test('a tab that waited for the lock while another found the session over does not refresh it again', async () => {
  const [first, second] = await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/refresh', () => ({ ...browser.server.error(401, 'session_revoked'), delayMs: 100 }));
  browser.server.on('GET', '/api/data', () => browser.server.error(401, 'token_expired'));

  const calls = Promise.all([first!.fetch('/api/data'), second!.fetch('/api/data')]);
  await browser.clock.advance(1_000);
  await calls;

  expect(browser.locks.requested).toHaveLength(2);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(first!.state).toEqual({ status: 'logged-out', reason: 'revoked' });
  expect(second!.state).toEqual({ status: 'logged-out', reason: 'revoked' });
});

test('a login in one tab logs in a tab that showed logged-out, which then refreshes on its own', async () => {
  browser.server.on('GET', '/auth/me', () => browser.server.error(401, 'authentication_required'));
  browser.server.on('POST', '/auth/refresh', () => browser.server.error(401, 'invalid_refresh_token'));
  const waiting = browser.openTab();
  await waiting.start();
  expect(waiting.state).toEqual({ status: 'logged-out', reason: 'no-session' });

  browser.server.on('POST', '/auth/login', () => browser.server.tokens());
  const loginTab = browser.openTab();
  await loginTab.login(USER.email, 'correct horse battery staple');
  await browser.clock.advance(0);
  expect(waiting.state).toMatchObject({ status: 'logged-in', user: USER });

  loginTab.close();
  browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());
  const before = browser.server.calls('POST', '/auth/refresh');
  await browser.clock.advance(600_000);
  expect(browser.server.calls('POST', '/auth/refresh') - before).toBe(1);
  expect(waiting.state.status).toBe('logged-in');
});
