import { FakeBrowser } from './fake-browser.js';

/**
 * When the proactive refresh happens, through the whole client: measured on
 * the server's Date header, never sooner than a second apart, and put off
 * (not given up) when the server is busy or out of reach.
 */

const HOUR = 3_600_000;

let browser: FakeBrowser;
beforeEach(() => {
  browser = new FakeBrowser();
});
afterEach(() => browser.close());

const refreshes = () => browser.server.calls('POST', '/auth/refresh');

test.each([
  ['an hour ahead of', HOUR],
  ['an hour behind', -HOUR],
  ['a day ahead of', 24 * HOUR],
])('a server clock %s the browser: a 10-minute token is refreshed 9 minutes after login all the same', async (_, skew) => {
  browser.server.skewMs = skew;
  await browser.loggedInTabs(1, { random: () => 0 });
  browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());

  await browser.clock.advance(539_999);
  expect(refreshes()).toBe(0);
  await browser.clock.advance(1);
  expect(refreshes()).toBe(1);
  await browser.clock.advance(540_000);
  expect(refreshes()).toBe(2);
});

test('tokens that the server says have already expired are refreshed a second apart, not in a loop', async () => {
  const { server } = browser;
  server.on('POST', '/auth/login', () => server.tokens(-5_000));
  server.on('POST', '/auth/refresh', () => server.tokens(300));
  const tab = browser.openTab({ random: () => 0 });
  await tab.login('ann@example.com', 'correct horse battery staple');

  await browser.clock.advance(999);
  expect(refreshes()).toBe(0);
  await browser.clock.advance(9_001);
  expect(refreshes()).toBe(10);
  expect(tab.state.status).toBe('logged-in');
});

test('an expiry that does not parse is refreshed a second later, not at once and not never', async () => {
  const { server } = browser;
  server.on('POST', '/auth/login', () => ({ status: 200, body: { user: { id: 'u', email: 'a@b.c', roles: [] }, accessTokenExpiresAt: 'soon' } }));
  server.on('POST', '/auth/refresh', () => server.tokens());
  const tab = browser.openTab({ random: () => 0 });
  await tab.login('a@b.c', 'correct horse battery staple');

  await browser.clock.advance(999);
  expect(refreshes()).toBe(0);
  await browser.clock.advance(1);
  expect(refreshes()).toBe(1);
});

test.each([
  ['503 with Retry-After: 30', 30_000, () => browser.server.error(503, 'service_busy', { 'retry-after': '30' })],
  ['429 with Retry-After: 120', 120_000, () => browser.server.error(429, 'rate_limited', { 'retry-after': '120' })],
  ['503 without Retry-After', 5_000, () => browser.server.error(503, 'service_busy')],
  // No answer at all: the rotation may have committed, so it is re-sent at once, inside the grace window.
  ['a network error', 300, () => 'network-error' as const],
  ['a 502 from a proxy', 300, () => ({ status: 502, body: 'Bad Gateway' })],
  ['a 504 from a proxy', 300, () => ({ status: 504, body: 'Gateway Timeout' })],
  ['503 service_unavailable (the database went away mid-way)', 300, () => browser.server.error(503, 'service_unavailable')],
])('a proactive refresh that meets %s stays logged in and tries again %i ms later', async (_, retryAfter, failure) => {
  const [tab] = await browser.loggedInTabs(1, { random: () => 0 });
  browser.server.on('POST', '/auth/refresh', (call) => (call === 0 ? failure() : browser.server.tokens()));

  await browser.clock.advance(540_000);
  expect(refreshes()).toBe(1);
  expect(tab!.state.status).toBe('logged-in');
  await browser.clock.advance(retryAfter - 1);
  expect(refreshes()).toBe(1);
  await browser.clock.advance(1);
  expect(refreshes()).toBe(2);
});
