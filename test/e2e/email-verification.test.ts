import { decodeJwt } from 'jose';
import { MailJobs } from '../../src/mail/mail-jobs.js';
import { accountState } from '../helpers/account.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../helpers/users.js';

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
afterEach(() => t.clock.reset());

async function mailsSent(app: TestApp = t): Promise<void> {
  await app.module.get(MailJobs).idle();
}

function verify(token: string, app: TestApp = t) {
  return new HttpClient(app.baseUrl).post('/auth/email/verify', { token });
}

const accessClaims = (client: HttpClient) => decodeJwt(client.cookieValue('__Host-access')!);

test('registration mails a link; opening it verifies the address: /auth/me says so at once, the access token from the next refresh', async () => {
  const client = new HttpClient(t.baseUrl);
  const { email, userId, login } = await registerAndLogin(client);
  await mailsSent();
  const [mail] = mailbox.to(email);
  expect(mail!.subject).toBe('Confirm your email address');
  expect(mail!.text).toMatch(/within 2 days/);
  expect(mail!.html).not.toMatch(/<img|<script/i);

  expect(login.body.user.emailVerified).toBe(false);
  expect((await client.get('/auth/me')).body.user.emailVerified).toBe(false);
  expect(accessClaims(client).email_verified).toBe(false);

  const token = mailbox.tokenFor(email, 'verify-email');
  const reply = await verify(token);
  expect(reply.status).toBe(204);

  expect((await client.get('/auth/me')).body.user.emailVerified).toBe(true);
  const refreshed = await client.post('/auth/refresh');
  expect(refreshed.body.user.emailVerified).toBe(true);
  expect(accessClaims(client).email_verified).toBe(true);
  expect(await t.prisma.auditEvent.count({ where: { userId, type: 'email_verified' } })).toBe(1);
  const stored = await t.prisma.accountToken.findUniqueOrThrow({ where: { id: token.split('.')[0] } });
  expect(stored.usedAt).not.toBeNull();

  const again = await verify(token);
  expect(again.status).toBe(400);
  expect(again.body).toEqual({ error: 'invalid_verification_token', message: expect.any(String) });
});

test('a verification link is no reset link, and a reset link is no verification link', async () => {
  const { email, userId } = await registerAndLogin(new HttpClient(t.baseUrl));
  await new HttpClient(t.baseUrl).post('/auth/password/forgot', { email });
  await mailsSent();
  const verification = mailbox.tokenFor(email, 'verify-email');
  const reset = mailbox.tokenFor(email, 'reset-password');
  const before = await accountState(t, userId);

  expect((await new HttpClient(t.baseUrl).post('/auth/password/reset', { token: verification, password: 'a brand new passphrase' })).body.error).toBe(
    'invalid_reset_token',
  );
  expect((await verify(reset)).body.error).toBe('invalid_verification_token');
  expect(await accountState(t, userId)).toEqual(before);
});

test('an expired verification link is refused (controlled clock)', async () => {
  const { email, userId } = await registerAndLogin(new HttpClient(t.baseUrl));
  await mailsSent();
  t.clock.advanceSeconds(2 * 24 * 3600);
  expect((await verify(mailbox.tokenFor(email, 'verify-email'))).body.error).toBe('invalid_verification_token');
  expect((await t.prisma.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).toBeNull();
});

test('a tampered verification token is refused and verifies nothing', async () => {
  const { email, userId } = await registerAndLogin(new HttpClient(t.baseUrl));
  await mailsSent();
  const token = mailbox.tokenFor(email, 'verify-email');
  const reply = await verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
  expect(reply.status).toBe(400);
  expect(reply.body.error).toBe('invalid_verification_token');
  expect((await t.prisma.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).toBeNull();
});

describe('with LOGIN_REQUIRES_VERIFIED_EMAIL=true', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ database: t.database, env: { SMTP_URL: mailbox.url, LOGIN_REQUIRES_VERIFIED_EMAIL: 'true' } });
  });
  afterAll(() => strict?.close());

  test('no login until the address is verified (told only after the right password); a new link on request, which replaces the first', async () => {
    const email = uniqueEmail('strict');
    const client = new HttpClient(strict.baseUrl);
    expect((await client.post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
    await mailsSent(strict);
    const first = mailbox.tokenFor(email, 'verify-email');

    const refused = await client.post('/auth/login', { email, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'email_not_verified', message: expect.any(String) });
    expect(refused.setCookies).toEqual([]);
    expect((await client.post('/auth/login', { email, password: 'not the password' })).body.error).toBe('invalid_credentials');
    expect(await strict.prisma.session.count({ where: { user: { email } } })).toBe(0);

    const asked = await client.post('/auth/email/verification-mail', { email });
    expect(asked.status).toBe(202);
    await mailsSent(strict);
    const second = mailbox.tokenFor(email, 'verify-email');
    expect(second).not.toBe(first);
    expect((await verify(first, strict)).body.error).toBe('invalid_verification_token');
    expect((await verify(second, strict)).status).toBe(204);

    expect((await client.post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
    expect((await client.get('/auth/me')).body.user.emailVerified).toBe(true);

    // Verified already: the same answer, and nothing mailed.
    const mailsBefore = mailbox.to(email).length;
    expect((await client.post('/auth/email/verification-mail', { email })).status).toBe(202);
    await mailsSent(strict);
    expect(mailbox.to(email)).toHaveLength(mailsBefore);
  });
});
