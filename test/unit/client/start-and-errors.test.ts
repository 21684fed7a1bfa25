import { AuthClientError } from '../../../client/src/auth-client.js';
import { FakeBrowser, USER } from './fake-browser.js';

/** Page load (start), and the one error class that login, logout and me throw. */

let browser: FakeBrowser;
beforeEach(() => {
  browser = new FakeBrowser();
});
afterEach(() => browser.close());

const PASSWORD = 'correct horse battery staple';

describe('start', () => {
  test('cookies that still hold a session: logged in, without moving the stamp that other tabs watch', async () => {
    browser.server.on('GET', '/auth/me', () => browser.server.tokens());
    browser.storage.setItem('auth-client:tokens', JSON.stringify({ accessTokenExpiresAt: 'x', localDeadline: 0, stamp: 'other-tab' }));
    const tab = browser.openTab();

    expect(await tab.start()).toMatchObject({ status: 'logged-in', user: USER });
    expect(JSON.parse(browser.storage.getItem('auth-client:tokens')!).stamp).toBe('other-tab');
  });

  test('an access cookie that lapsed: one refresh, then logged in', async () => {
    browser.server.on('GET', '/auth/me', (call) => (call === 0 ? browser.server.error(401, 'authentication_required') : browser.server.tokens()));
    browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());

    expect(await browser.openTab().start()).toMatchObject({ status: 'logged-in', user: USER });
    expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
    expect(browser.server.calls('GET', '/auth/me')).toBe(2);
  });

  test('no session, or no answer: logged out, and no other tab is told', async () => {
    browser.server.on('GET', '/auth/me', (call) => (call === 0 ? browser.server.error(401, 'authentication_required') : 'network-error'));
    browser.server.on('POST', '/auth/refresh', () => browser.server.error(401, 'invalid_refresh_token'));

    expect(await browser.openTab().start()).toEqual({ status: 'logged-out', reason: 'no-session' });
    expect(await browser.openTab().start()).toEqual({ status: 'logged-out', reason: 'no-session' });
    expect(browser.channels.posted).toEqual([]);
  });
});

describe('AuthClientError', () => {
  test.each([
    [401, 'invalid_credentials'],
    [429, 'rate_limited'],
    [503, 'service_busy'],
    [400, 'invalid_request'],
  ])('a login answered %i carries the code %s, the status and the server message', async (status, code) => {
    browser.server.on('POST', '/auth/login', () => browser.server.error(status, code));
    const tab = browser.openTab();

    const error = await tab.login(USER.email, PASSWORD).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthClientError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'AuthClientError', code, status, message: `message of ${code}` });
    expect(tab.state.status).toBe('unknown');
  });

  test('a login that gets no answer: network_error with status 0', async () => {
    browser.server.on('POST', '/auth/login', () => 'network-error');
    await expect(browser.openTab().login(USER.email, PASSWORD)).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  test("me() refused by something other than the service (a proxy's page): http_<status>", async () => {
    const [tab] = await browser.loggedInTabs(1);
    browser.server.on('GET', '/auth/me', () => ({ status: 502, body: undefined, headers: { 'content-type': 'text/html' } }));

    const error = await tab!.me().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthClientError);
    expect(error).toMatchObject({ code: 'http_502', status: 502 });
  });

  test('a login whose 200 is not JSON throws an AuthClientError too, and logs nobody in', async () => {
    browser.server.on('POST', '/auth/login', () => ({ status: 200, body: undefined }));
    const tab = browser.openTab();

    await expect(tab.login(USER.email, PASSWORD)).rejects.toMatchObject({ code: 'http_200', status: 200 });
    expect(tab.state.status).toBe('unknown');
  });
});
