import { FakeBrowser } from './fake-browser.js';

/**
 * One refresh for many callers: concurrent calls in one tab share it, and
 * tabs take turns (Web Locks, or a BroadcastChannel claim without them), a
 * tab that waited adopting what the other obtained.
 */

let browser: FakeBrowser;
beforeEach(() => {
  browser = new FakeBrowser();
});
afterEach(() => browser.close());

/** An API route that refuses the access token until a refresh has succeeded. */
function routeNeedingRefresh(): void {
  const { server } = browser;
  let refreshed = false;
  server.on('POST', '/auth/refresh', () => {
    refreshed = true;
    return { ...server.tokens(), delayMs: 100 };
  });
  server.on('GET', '/api/data', () => (refreshed ? { status: 200, body: { ok: true } } : server.error(401, 'token_expired')));
}

test('ten concurrent calls in one tab that meet an expired token make one POST /auth/refresh', async () => {
  const [tab] = await browser.loggedInTabs(1);
  routeNeedingRefresh();

  const calls = Promise.all(Array.from({ length: 10 }, () => tab!.fetch('/api/data')));
  await browser.clock.advance(1_000);
  const responses = await calls;

  expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(browser.locks.requested).toHaveLength(1);
  expect(browser.server.calls('GET', '/api/data')).toBe(20);
});

test('two tabs with Web Locks: one refresh; the tab that waited for the lock adopts the new expiry', async () => {
  const [first, second] = await browser.loggedInTabs(2);
  routeNeedingRefresh();

  const calls = Promise.all([first!.fetch('/api/data'), second!.fetch('/api/data')]);
  await browser.clock.advance(1_000);
  const responses = await calls;

  expect(responses.map((response) => response.status)).toEqual([200, 200]);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(browser.locks.requested).toEqual(['auth-client:refresh', 'auth-client:refresh']);
  const expiry = (tab: typeof first) => (tab!.state.status === 'logged-in' ? tab!.state.accessTokenExpiresAt.getTime() : undefined);
  expect(expiry(second)).toBe(expiry(first));
});

test('without Web Locks, a BroadcastChannel claim lets one of two tabs refresh and the other adopt', async () => {
  const [first, second] = await browser.loggedInTabs(2, { webLocks: false });
  routeNeedingRefresh();

  const calls = Promise.all([first!.fetch('/api/data'), second!.fetch('/api/data')]);
  await browser.clock.advance(5_000);
  const responses = await calls;

  expect(responses.map((response) => response.status)).toEqual([200, 200]);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(browser.locks.requested).toEqual([]);
  const claims = browser.channels.posted.filter((message) => (message as { type: string }).type === 'refresh-claim');
  expect(claims).toHaveLength(2);
});

test('without Web Locks, the tab that lost the claim refreshes itself when the winner gets nowhere', async () => {
  const [first, second] = await browser.loggedInTabs(2, { webLocks: false });
  const { server } = browser;
  let refreshed = false;
  // The network is down for the winner's four tries (0, 0.3, 1.3 and 3.8 s), and back by the loser's last one.
  const networkBackAt = browser.clock.now() + 4_000;
  server.on('POST', '/auth/refresh', () => {
    if (browser.clock.now() < networkBackAt) return 'network-error';
    refreshed = true;
    return server.tokens();
  });
  server.on('GET', '/api/data', () => (refreshed ? { status: 200, body: { ok: true } } : server.error(401, 'token_expired')));

  const calls = Promise.all([first!.fetch('/api/data'), second!.fetch('/api/data')]);
  await browser.clock.advance(10_000);
  const statuses = (await calls).map((response) => response.status).sort();

  // The winner's refresh got nowhere, so its call keeps the 401; the loser waited, then refreshed itself.
  expect(statuses).toEqual([200, 401]);
  expect(refreshed).toBe(true);
  expect(first!.state.status).toBe('logged-in');
  expect(second!.state.status).toBe('logged-in');
});

test('without Web Locks, a claim whose outcome has arrived does not hold up the next refresh', async () => {
  const [first, second] = await browser.loggedInTabs(2, { webLocks: false });
  const { server } = browser;
  server.on('POST', '/auth/refresh', () => server.tokens());
  server.on('GET', '/api/data', (call) => (call % 2 === 0 ? server.error(401, 'token_expired') : { status: 200, body: { ok: true } }));

  const firstCall = first!.fetch('/api/data');
  await browser.clock.advance(200);
  expect((await firstCall).status).toBe(200);

  let answered = false;
  void second!.fetch('/api/data').then(() => (answered = true));
  // The first tab's claim is younger than its five-second lifetime, but its refresh is done: no second of waiting for it.
  await browser.clock.advance(200);
  expect(answered).toBe(true);
  expect(server.calls('POST', '/auth/refresh')).toBe(2);
});

test('without Web Locks, a claim older than five seconds (its tab went away mid-refresh) holds up nobody', async () => {
  const [first, second] = await browser.loggedInTabs(2, { webLocks: false });
  const { server } = browser;
  server.on('POST', '/auth/refresh', (call) => (call < 4 ? 'network-error' : server.tokens()));
  server.on('GET', '/api/data', (call) => (call < 2 ? server.error(401, 'token_expired') : { status: 200, body: { ok: true } }));

  const firstCall = first!.fetch('/api/data');
  await browser.clock.advance(4_000);
  expect((await firstCall).status).toBe(401);
  first!.close();
  await browser.clock.advance(6_000);

  let answered = false;
  void second!.fetch('/api/data').then(() => (answered = true));
  await browser.clock.advance(200);
  expect(answered).toBe(true);
  expect(server.calls('POST', '/auth/refresh')).toBe(5);
});

test('two tabs left open for an hour refresh once per token, not once per tab', async () => {
  await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());

  await browser.clock.advance(3_600_000);

  // Tab 2 (jitter 20 % of 10 %) is due first, at 600 − 60 − 12 = 528 s; tab 1 adopts each of its refreshes.
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(Math.floor(3_600 / 528));
});
