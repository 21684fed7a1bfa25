import { AuthClientError } from '../../../client/src/auth-client.js';
import { FakeBrowser, USER } from './fake-browser.js';

/** changePassword, requestPasswordReset, resetPassword and verifyEmail: what they send, what they resolve to, what they throw, and what the tab shows after. */

let browser: FakeBrowser;
beforeEach(() => {
  browser = new FakeBrowser();
});
afterEach(() => browser.close());

const TOKEN = '0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f60.Wj4SMkYG7TEUP3gjv-eXbHYNiCaXEbgK4U5N7abm32M';

function lastRequest(method: string, path: string) {
  return browser.server.requests.filter((request) => request.method === method && request.path === path).at(-1)!;
}

describe('changePassword', () => {
  test('posts both passwords as JSON with the CSRF header and the cookies, resolves to the sessions ended, and stays logged in', async () => {
    const [tab] = await browser.loggedInTabs(1);
    browser.server.on('POST', '/auth/password', () => ({ status: 200, body: { sessionsEnded: 3 } }));

    expect(await tab!.changePassword('old passphrase', 'new passphrase')).toEqual({ sessionsEnded: 3 });
    const request = lastRequest('POST', '/auth/password');
    expect(JSON.parse(request.body!)).toEqual({ currentPassword: 'old passphrase', newPassword: 'new passphrase' });
    expect(request.headers.get('x-requested-with')).toBe('fetch');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.credentials).toBe('include');
    expect(tab!.state.status).toBe('logged-in');
  });

  test('a wrong current password throws invalid_credentials; the tab stays logged in and nothing is refreshed', async () => {
    const [tab] = await browser.loggedInTabs(1);
    browser.server.on('POST', '/auth/password', () => browser.server.error(401, 'invalid_credentials'));

    const error = await tab!.changePassword('wrong', 'new passphrase').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthClientError);
    expect(error).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(tab!.state.status).toBe('logged-in');
    expect(browser.server.calls('POST', '/auth/refresh')).toBe(0);
  });

  test('an expired access token is refreshed once and the change retried once', async () => {
    const [tab] = await browser.loggedInTabs(1);
    browser.server.on('POST', '/auth/password', (call) => (call === 0 ? browser.server.error(401, 'token_expired') : { status: 200, body: { sessionsEnded: 1 } }));
    browser.server.on('POST', '/auth/refresh', () => browser.server.tokens());

    expect(await tab!.changePassword('old passphrase', 'new passphrase')).toEqual({ sessionsEnded: 1 });
    expect(browser.server.calls('POST', '/auth/refresh')).toBe(1);
    expect(browser.server.calls('POST', '/auth/password')).toBe(2);
  });
});

describe('requestPasswordReset', () => {
  test('posts the address and resolves on 202, signed in or not', async () => {
    browser.server.on('POST', '/auth/password/forgot', () => ({ status: 202, body: { message: 'If this address belongs to an account…' } }));
    const tab = browser.openTab();
    await expect(tab.requestPasswordReset('ann@example.com')).resolves.toBeUndefined();
    expect(JSON.parse(lastRequest('POST', '/auth/password/forgot').body!)).toEqual({ email: 'ann@example.com' });
    expect(tab.state.status).toBe('unknown');
  });

  test('429 throws rate_limited with the status', async () => {
    browser.server.on('POST', '/auth/password/forgot', () => browser.server.error(429, 'rate_limited', { 'retry-after': '60' }));
    await expect(browser.openTab().requestPasswordReset('ann@example.com')).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
  });
});

describe('resetPassword', () => {
  test('sends the token and the new password; a logged-out tab asks nothing more', async () => {
    browser.server.on('POST', '/auth/password/reset', () => ({ status: 204 }));
    const tab = browser.openTab();

    await tab.resetPassword(TOKEN, 'new passphrase');
    expect(JSON.parse(lastRequest('POST', '/auth/password/reset').body!)).toEqual({ token: TOKEN, password: 'new passphrase' });
    expect(browser.server.calls('GET', '/auth/me')).toBe(0);
  });

  test("a tab signed in as that user shows at once that its session ended, and tells the other tabs", async () => {
    const [tab, other] = await browser.loggedInTabs(2);
    browser.server.on('POST', '/auth/password/reset', () => ({ status: 204 }));
    browser.server.on('GET', '/auth/me', () => browser.server.error(401, 'session_revoked'));

    await tab!.resetPassword(TOKEN, 'new passphrase');
    expect(tab!.state).toEqual({ status: 'logged-out', reason: 'revoked' });
    await browser.clock.advance(0);
    expect(other!.state).toEqual({ status: 'logged-out', reason: 'revoked' });
  });

  test('a used, expired or forged token throws invalid_reset_token and changes nothing in the tab', async () => {
    const [tab] = await browser.loggedInTabs(1);
    browser.server.on('POST', '/auth/password/reset', () => browser.server.error(400, 'invalid_reset_token'));

    await expect(tab!.resetPassword(TOKEN, 'new passphrase')).rejects.toMatchObject({ code: 'invalid_reset_token', status: 400 });
    expect(tab!.state.status).toBe('logged-in');
  });
});

describe('verifyEmail', () => {
  test('a signed-in tab shows the user verified once the service has said so', async () => {
    const [tab] = await browser.loggedInTabs(1);
    expect(tab!.state).toMatchObject({ user: { emailVerified: false } });
    browser.server.on('POST', '/auth/email/verify', () => ({ status: 204 }));
    browser.server.on('GET', '/auth/me', () => ({ ...browser.server.tokens(), body: { ...(browser.server.tokens().body as object), user: { ...USER, emailVerified: true } } }));

    await tab!.verifyEmail(TOKEN);
    expect(tab!.state).toMatchObject({ status: 'logged-in', user: { emailVerified: true } });
  });

  test('resolves even when the re-read that follows gets no answer: the address is verified all the same', async () => {
    const [tab] = await browser.loggedInTabs(1);
    browser.server.on('POST', '/auth/email/verify', () => ({ status: 204 }));
    browser.server.on('GET', '/auth/me', () => 'network-error');

    await expect(tab!.verifyEmail(TOKEN)).resolves.toBeUndefined();
    expect(tab!.state.status).toBe('logged-in');
  });

  test('a bad link throws invalid_verification_token', async () => {
    browser.server.on('POST', '/auth/email/verify', () => browser.server.error(400, 'invalid_verification_token'));
    await expect(browser.openTab().verifyEmail(TOKEN)).rejects.toMatchObject({ code: 'invalid_verification_token', status: 400 });
    expect(JSON.parse(lastRequest('POST', '/auth/email/verify').body!)).toEqual({ token: TOKEN });
  });
});
