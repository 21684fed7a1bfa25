import { LOST_ANSWER_RETRY_DELAYS_MS } from '../../../client/src/session-refresh.js';
import { FakeBrowser, USER } from './fake-browser.js';

/** A 401 that a refresh can cure is refreshed once and retried once; any other 401 is handed back as it is. */

let browser: FakeBrowser;
beforeEach(() => {
  browser = new FakeBrowser();
});
afterEach(() => browser.close());

function route(...answers: Array<[number, string?]>): void {
  const { server } = browser;
  server.on('GET', '/api/data', (call) => {
    const [status, code] = answers[Math.min(call, answers.length - 1)]!;
    return code ? server.error(status, code) : { status, body: { ok: true } };
  });
}

test.each(['token_expired', 'authentication_required', 'invalid_token'])('401 %s: one refresh, one retry, and the retry answers', async (code) => {
  const [tab] = await browser.loggedInTabs(1);
  browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());
  route([401, code], [200]);

  const response = await tab!.fetch('/api/data');

  expect(response.status).toBe(200);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(browser.server.calls('GET', '/api/data')).toBe(2);
});

test('retried once, never twice: a retry that is refused again is handed back', async () => {
  const [tab] = await browser.loggedInTabs(1);
  browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());
  route([401, 'token_expired']);

  const response = await tab!.fetch('/api/data');
  await browser.clock.advance(10_000);

  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ error: 'token_expired' });
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
  expect(browser.server.calls('GET', '/api/data')).toBe(2);
});

test.each([
  ['session_revoked', 'revoked'],
  ['session_expired', 'expired'],
  ['refresh_token_reused', 'reused'],
])('401 %s: no refresh, no retry; this tab and the others show the session over', async (code, reason) => {
  const [tab, other] = await browser.loggedInTabs(2);
  route([401, code]);

  const response = await tab!.fetch('/api/data');
  await browser.clock.advance(0);

  expect(response.status).toBe(401);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(0);
  expect(browser.server.calls('GET', '/api/data')).toBe(1);
  expect(tab!.state).toEqual({ status: 'logged-out', reason });
  expect(other!.state).toEqual({ status: 'logged-out', reason });
});

test.each([
  [401, 'invalid_credentials'],
  [401, undefined],
  [403, 'csrf_rejected'],
  [403, 'insufficient_role'],
])('%i with error code %s: no refresh, no retry, still logged in', async (status, code) => {
  const [tab] = await browser.loggedInTabs(1);
  route([status, code]);

  const response = await tab!.fetch('/api/data');

  expect(response.status).toBe(status);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(0);
  expect(browser.server.calls('GET', '/api/data')).toBe(1);
  expect(tab!.state.status).toBe('logged-in');
});

test('a refresh that finds the session over: the first answer is handed back, not retried', async () => {
  const [tab, other] = await browser.loggedInTabs(2);
  browser.server.on('POST', '/auth/refresh', () => browser.server.error(401, 'refresh_token_reused'));
  route([401, 'token_expired'], [200]);

  const response = await tab!.fetch('/api/data');
  await browser.clock.advance(0);

  expect(response.status).toBe(401);
  expect(browser.server.calls('GET', '/api/data')).toBe(1);
  expect(tab!.state).toEqual({ status: 'logged-out', reason: 'reused' });
  expect(other!.state).toEqual({ status: 'logged-out', reason: 'reused' });
});

test('a refresh that never gets an answer: re-sent three times inside the grace window, then the first answer is handed back and the refresh is tried again later', async () => {
  const [tab] = await browser.loggedInTabs(1);
  browser.server.on('POST', '/auth/refresh', (call) => (call < 4 ? 'network-error' : browser.server.tokens()));
  route([401, 'token_expired'], [200]);

  const pending = tab!.fetch('/api/data');
  await browser.clock.advance(3_800);
  const response = await pending;

  expect(response.status).toBe(401);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(4);
  expect(browser.server.calls('GET', '/api/data')).toBe(1);
  expect(tab!.state.status).toBe('logged-in');
  await browser.clock.advance(4_999);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(4);
  await browser.clock.advance(1);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(5);
});

test('a refresh whose answer was lost once: the re-send gets the (same) new tokens and the call is retried', async () => {
  const [tab] = await browser.loggedInTabs(1);
  browser.server.on('POST', '/auth/refresh', (call) => (call === 0 ? { status: 502, body: 'Bad Gateway' } : browser.server.tokens()));
  route([401, 'token_expired'], [200]);

  const pending = tab!.fetch('/api/data');
  await browser.clock.advance(300);

  expect((await pending).status).toBe(200);
  expect(browser.server.calls('POST', '/auth/refresh')).toBe(2);
});

test('a late 401 about a session that another tab has since replaced does not end the new one', async () => {
  const [tab, other] = await browser.loggedInTabs(2);
  browser.server.on('GET', '/api/data', () => ({ ...browser.server.error(401, 'session_revoked'), delayMs: 100 }));

  const late = tab!.fetch('/api/data');
  await other!.login(USER.email, 'correct horse battery staple');
  await browser.clock.advance(1_000);

  expect((await late).status).toBe(401);
  expect(tab!.state.status).toBe('logged-in');
  expect(other!.state.status).toBe('logged-in');
});

test("the re-sends of a lost refresh all land inside the server's default grace window (10 s)", () => {
  const total = LOST_ANSWER_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
  expect(total).toBeLessThan(10_000 / 2);
});
