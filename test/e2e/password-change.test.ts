import { MailJobs } from '../../src/mail/mail-jobs.js';
import { accountState, loginAgain, revokedInFeed } from '../helpers/account.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

const NEW_PASSWORD = 'a brand new passphrase';

let t: TestApp;
let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await Mailbox.start();
  t = await startTestApp({ env: { SMTP_URL: mailbox.url } });
});
afterAll(async () => {
  await t?.close();
  await mailbox?.close();
});

test('a new password ends every other session of the user (refresh and access tokens refused, in the revocation feed) and keeps this one', async () => {
  const laptop = new HttpClient(t.baseUrl);
  const { email, userId, login } = await registerAndLogin(laptop);
  const phone = await loginAgain(t, email);
  const tablet = await loginAgain(t, email);
  const othersTokens = [phone, tablet].map(({ client }) => ({ access: client.cookieValue('__Host-access')!, refresh: client.cookieValue('__Secure-refresh')! }));
  const stranger = new HttpClient(t.baseUrl);
  await registerAndLogin(stranger);

  const reply = await laptop.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ sessionsEnded: 2 });

  for (const { access, refresh } of othersTokens) {
    const me = await new HttpClient(t.baseUrl).get('/auth/me', { headers: { authorization: `Bearer ${access}` } });
    expect(me.body.error).toBe('session_revoked');
    const holder = new HttpClient(t.baseUrl);
    holder.setCookie('__Secure-refresh', refresh, '/auth');
    expect((await holder.post('/auth/refresh')).body.error).toBe('session_revoked');
  }
  const feed = await revokedInFeed(t);
  expect(feed).toEqual(expect.arrayContaining([phone.sessionId, tablet.sessionId]));
  expect(feed).not.toContain(login.body.session.id);

  expect((await laptop.get('/auth/me')).status).toBe(200);
  expect((await laptop.post('/auth/refresh')).status).toBe(200);
  expect((await stranger.get('/auth/me')).status).toBe(200);

  const ended = await t.prisma.session.findMany({ where: { userId, revokedAt: { not: null } } });
  expect(ended.map((session) => session.revokeReason)).toEqual(['password_changed', 'password_changed']);
  const events = await t.prisma.auditEvent.findMany({ where: { userId, type: 'password_changed' } });
  expect(events).toEqual([expect.objectContaining({ actor: userId, sessionId: login.body.session.id, ip: '127.0.0.1', data: { sessions: 2 } })]);

  expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: PASSWORD })).body.error).toBe('invalid_credentials');
  expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: NEW_PASSWORD })).status).toBe(200);
});

test('with no other session the change is still audited, and ends nothing', async () => {
  const client = new HttpClient(t.baseUrl);
  const { userId } = await registerAndLogin(client);
  const reply = await client.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
  expect(reply.body).toEqual({ sessionsEnded: 0 });
  expect(await t.prisma.auditEvent.count({ where: { userId, type: 'password_changed' } })).toBe(1);
});

test('a wrong current password is 401 invalid_credentials and changes nothing', async () => {
  const client = new HttpClient(t.baseUrl);
  const { email, userId } = await registerAndLogin(client);
  await loginAgain(t, email);
  const before = await accountState(t, userId);

  const reply = await client.post('/auth/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
  // The session that asked is fine: a wrong password is no reason to sign anyone out.
  expect(reply.setCookies).toEqual([]);
  expect(await accountState(t, userId)).toEqual(before);
});

test('two changes at once from the same current password: one wins, the other is 401 and its password was never set', async () => {
  const client = new HttpClient(t.baseUrl);
  const { email } = await registerAndLogin(client);
  const candidates = ['first new passphrase', 'second new passphrase'];

  const replies = await Promise.all(candidates.map((newPassword) => client.post('/auth/password', { currentPassword: PASSWORD, newPassword })));
  expect(replies.map((reply) => reply.status).sort()).toEqual([200, 401]);
  const winner = candidates[replies.findIndex((reply) => reply.status === 200)]!;
  const loser = candidates.find((candidate) => candidate !== winner)!;
  expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: winner })).status).toBe(200);
  expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: loser })).status).toBe(401);
});

test('a reset link mailed before the change no longer works after it', async () => {
  const client = new HttpClient(t.baseUrl);
  const { email } = await registerAndLogin(client);
  await client.post('/auth/password/forgot', { email });
  await t.module.get(MailJobs).idle();
  const token = mailbox.tokenFor(email, 'reset-password');

  expect((await client.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(200);
  const reset = await new HttpClient(t.baseUrl).post('/auth/password/reset', { token, password: 'the attacker chose this' });
  expect(reset.status).toBe(400);
  expect(reset.body.error).toBe('invalid_reset_token');
  expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: NEW_PASSWORD })).status).toBe(200);
});

test('cookie-authenticated, it needs the CSRF header; with a Bearer token it needs none', async () => {
  const client = new HttpClient(t.baseUrl);
  const { userId } = await registerAndLogin(client);
  const before = await accountState(t, userId);
  const noHeader = new HttpClient(t.baseUrl, { csrf: false });
  for (const [name, cookie] of client.cookies) noHeader.setCookie(name, cookie.value, cookie.path);

  const refused = await noHeader.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
  expect(refused.status).toBe(403);
  expect(refused.body.error).toBe('csrf_rejected');
  expect(await accountState(t, userId)).toEqual(before);

  const bearer = new HttpClient(t.baseUrl, { origin: null, csrf: false });
  const accepted = await bearer.post(
    '/auth/password',
    { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    { headers: { authorization: `Bearer ${client.cookieValue('__Host-access')}` } },
  );
  expect(accepted.status).toBe(200);
});

test('without an access token it is 401 authentication_required', async () => {
  const reply = await new HttpClient(t.baseUrl).post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
  expect(reply.status).toBe(401);
  expect(reply.body.error).toBe('authentication_required');
});

describe('rate limited like login', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ database: t.database, env: { RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '3' } });
  });
  afterAll(() => limited?.close());

  test("wrong current passwords use up the account's login allowance: the next change and the next login from that address wait", async () => {
    const client = new HttpClient(limited.baseUrl);
    const { email } = await registerAndLogin(client);
    const other = new HttpClient(limited.baseUrl);
    await registerAndLogin(other);

    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await client.post('/auth/password', { currentPassword: 'wrong guess', newPassword: NEW_PASSWORD })).status).toBe(401);
    }
    const limitedChange = await client.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(limitedChange.status).toBe(429);
    expect(limitedChange.body.error).toBe('rate_limited');
    expect(Number(limitedChange.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await new HttpClient(limited.baseUrl).post('/auth/login', { email, password: PASSWORD })).status).toBe(429);
    // The bucket is the signed-in account's own: another user is not slowed.
    expect((await other.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(200);
  });

  test('an email in the body does not choose the bucket of a signed-in request', async () => {
    const victim = new HttpClient(limited.baseUrl);
    const { email: victimEmail } = await registerAndLogin(victim);
    const attacker = new HttpClient(limited.baseUrl);
    await registerAndLogin(attacker);

    for (let attempt = 0; attempt < 3; attempt++) {
      await attacker.post('/auth/password', { email: victimEmail, currentPassword: 'wrong guess', newPassword: NEW_PASSWORD });
    }
    expect((await new HttpClient(limited.baseUrl).post('/auth/login', { email: victimEmail, password: PASSWORD })).status).toBe(200);
  });
});
