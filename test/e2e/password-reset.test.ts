import { createHash } from 'node:crypto';
import { MailJobs } from '../../src/mail/mail-jobs.js';
import { accountState, loginAgain, revokedInFeed } from '../helpers/account.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../helpers/users.js';

const NEW_PASSWORD = 'a brand new passphrase';
const LINK_BASE = 'https://app.example.test/account';

let t: TestApp;
let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await Mailbox.start();
  t = await startTestApp({ env: { SMTP_URL: mailbox.url, ACCOUNT_LINK_BASE_URL: LINK_BASE, MAIL_FROM: 'Example <no-reply@example.test>' } });
});
afterAll(async () => {
  await t?.close();
  await mailbox?.close();
});
afterEach(() => t.clock.reset());

/** Asks for a reset link for `email` and returns its token, once the mail has arrived. */
async function resetTokenFor(email: string): Promise<string> {
  const reply = await new HttpClient(t.baseUrl).post('/auth/password/forgot', { email });
  expect(reply.status).toBe(202);
  await t.module.get(MailJobs).idle();
  return mailbox.tokenFor(email, 'reset-password');
}

function reset(token: string, password = NEW_PASSWORD) {
  return new HttpClient(t.baseUrl).post('/auth/password/reset', { token, password });
}

async function canLogIn(email: string, password: string): Promise<boolean> {
  return (await new HttpClient(t.baseUrl).post('/auth/login', { email, password })).status === 200;
}

test('the mail: plain text and HTML, one link to ACCOUNT_LINK_BASE_URL with the token in the fragment, nothing else to load; only a hash is stored', async () => {
  const { email, userId } = await registerAndLogin(new HttpClient(t.baseUrl));
  const token = await resetTokenFor(email);
  const [mail] = mailbox.to(email).filter((each) => each.subject === 'Reset your password');

  expect(mail!.from).toMatch(/^"?Example"? <no-reply@example.test>$/);
  expect(token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  const link = `${LINK_BASE}#reset-password=${token}`;
  expect(mail!.text).toContain(link);
  expect(mail!.text).toMatch(/within 30 minutes/);
  expect(mail!.html).toContain(`<a href="${link}">`);
  expect(mail!.html.match(/https?:\/\//g)).toHaveLength(1);
  expect(mail!.html).not.toMatch(/<img|<script|<link|style=|utm_/i);

  const [id, secret] = token.split('.') as [string, string];
  const stored = await t.prisma.accountToken.findUniqueOrThrow({ where: { id } });
  expect(stored).toMatchObject({ userId, purpose: 'password_reset', usedAt: null });
  expect(Buffer.from(stored.secretHash)).toEqual(createHash('sha256').update(Buffer.from(secret, 'base64url')).digest());
  expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(30 * 60 * 1000);
  expect(await t.prisma.auditEvent.count({ where: { userId, type: 'password_reset_requested', ip: '127.0.0.1' } })).toBe(1);
});

test('the link works once: a new password, every session ended and in the revocation feed; a second use is 400 invalid_reset_token', async () => {
  const laptop = new HttpClient(t.baseUrl);
  const { email, userId, login } = await registerAndLogin(laptop);
  const phone = await loginAgain(t, email);
  const token = await resetTokenFor(email);

  const done = await reset(token);
  expect(done.status).toBe(204);

  for (const client of [laptop, phone.client]) expect((await client.get('/auth/me')).body.error).toBe('session_revoked');
  expect(await revokedInFeed(t)).toEqual(expect.arrayContaining([login.body.session.id, phone.sessionId]));
  const events = await t.prisma.auditEvent.findMany({ where: { userId, type: 'password_reset' } });
  expect(events).toEqual([expect.objectContaining({ actor: userId, sessionId: null, data: { sessions: 2 } })]);
  expect(await canLogIn(email, PASSWORD)).toBe(false);
  expect(await canLogIn(email, NEW_PASSWORD)).toBe(true);
  // The mail reached the address, so the address is verified too.
  expect((await t.prisma.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).not.toBeNull();

  const before = await accountState(t, userId);
  const again = await reset(token, 'yet another passphrase');
  expect(again.status).toBe(400);
  expect(again.body).toEqual({ error: 'invalid_reset_token', message: expect.any(String) });
  expect(await accountState(t, userId)).toEqual(before);
});

test('an expired link is refused (controlled clock), one just before its expiry works', async () => {
  const early = (await registerAndLogin(new HttpClient(t.baseUrl))).email;
  const late = (await registerAndLogin(new HttpClient(t.baseUrl))).email;
  const earlyToken = await resetTokenFor(early);
  const lateToken = await resetTokenFor(late);

  t.clock.advanceSeconds(30 * 60 - 1);
  expect((await reset(earlyToken)).status).toBe(204);
  t.clock.advanceSeconds(1);
  const expired = await reset(lateToken);
  expect(expired.status).toBe(400);
  expect(expired.body.error).toBe('invalid_reset_token');
  expect(await canLogIn(late, PASSWORD)).toBe(true);
});

describe('a tampered token is refused as one 400 invalid_reset_token, and changes nothing', () => {
  const tamperings: Array<[string, (token: string) => string]> = [
    ['a flipped secret character', (token) => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')],
    ['another secret', (token) => `${token.split('.')[0]}.${Buffer.alloc(32, 7).toString('base64url')}`],
    ['an unknown id', (token) => `0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f60.${token.split('.')[1]}`],
    ['a truncated secret', (token) => token.slice(0, -2)],
    ['an extra character', (token) => `${token}A`],
    ['no dot', (token) => token.replace('.', '')],
    ['the refresh-token cookie of the same user', () => ''],
  ];

  test.each(tamperings)('%s', async (name, tamper) => {
    const client = new HttpClient(t.baseUrl);
    const { email, userId } = await registerAndLogin(client);
    const token = await resetTokenFor(email);
    const forged = name.startsWith('the refresh-token') ? client.cookieValue('__Secure-refresh')! : tamper(token);
    const before = await accountState(t, userId);

    const reply = await reset(forged);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_reset_token', message: expect.any(String) });
    expect(await accountState(t, userId)).toEqual(before);
  });
});

test('a new request invalidates the earlier link', async () => {
  const { email } = await registerAndLogin(new HttpClient(t.baseUrl));
  const first = await resetTokenFor(email);
  const second = await resetTokenFor(email);
  expect(second).not.toBe(first);

  expect((await reset(first)).body.error).toBe('invalid_reset_token');
  expect((await reset(second)).status).toBe(204);
});

test('concurrent resets with one token: exactly one succeeds, and its password is the one set', async () => {
  const { email, userId } = await registerAndLogin(new HttpClient(t.baseUrl));
  const token = await resetTokenFor(email);
  const passwords = Array.from({ length: 6 }, (_, index) => `concurrent passphrase ${index}`);

  const replies = await Promise.all(passwords.map((password) => reset(token, password)));
  const statuses = replies.map((reply) => reply.status);
  expect(statuses.filter((status) => status === 204)).toHaveLength(1);
  expect(statuses.filter((status) => status === 400)).toHaveLength(passwords.length - 1);
  for (const reply of replies.filter((each) => each.status === 400)) expect(reply.body.error).toBe('invalid_reset_token');

  const winner = passwords[statuses.indexOf(204)]!;
  expect(await canLogIn(email, winner)).toBe(true);
  expect(await canLogIn(email, passwords.find((password) => password !== winner)!)).toBe(false);
  expect(await t.prisma.auditEvent.count({ where: { userId, type: 'password_reset' } })).toBe(1);
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    // A database of its own: rate-limit counts are shared through the database, and the tests above spent this IP's.
    limited = await startTestApp({ env: { SMTP_URL: mailbox.url, RATE_LIMIT_MAILS_PER_ACCOUNT: '2', RATE_LIMIT_RECOVERY_PER_IP: '6' } });
  });
  afterAll(() => limited?.close());

  test('per address (known or not, the same answers) and per IP', async () => {
    const { email: known } = await registerAndLogin(new HttpClient(limited.baseUrl));
    const unknown = uniqueEmail('nobody');
    const forgot = (email: string) => new HttpClient(limited.baseUrl).post('/auth/password/forgot', { email });

    for (const email of [known, unknown]) {
      const statuses = [];
      for (let attempt = 0; attempt < 3; attempt++) statuses.push((await forgot(email)).status);
      expect(statuses).toEqual([202, 202, 429]);
    }
    await limited.module.get(MailJobs).idle();
    expect(mailbox.to(known).filter((mail) => mail.subject === 'Reset your password')).toHaveLength(2);

    const fresh = await forgot(uniqueEmail('fresh'));
    expect(fresh.status).toBe(429);
    expect(fresh.body.error).toBe('rate_limited');
    expect((await new HttpClient(limited.baseUrl).post('/auth/password/reset', { token: 'x', password: NEW_PASSWORD })).status).toBe(429);
  });
});

describe('with MAIL_ENABLED=false', () => {
  let quiet: TestApp;
  beforeAll(async () => {
    quiet = await startTestApp({ database: t.database, env: { SMTP_URL: mailbox.url, MAIL_ENABLED: 'false' } });
  });
  afterAll(() => quiet?.close());

  test('the mail routes answer 404 not_found, and registration mails nothing', async () => {
    const email = uniqueEmail('quiet');
    expect((await new HttpClient(quiet.baseUrl).post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const replies = await Promise.all([
      new HttpClient(quiet.baseUrl).post('/auth/password/forgot', { email }),
      new HttpClient(quiet.baseUrl).post('/auth/email/verification-mail', { email }),
      new HttpClient(quiet.baseUrl).post('/auth/password/reset', { token: 'x', password: NEW_PASSWORD }),
      new HttpClient(quiet.baseUrl).post('/auth/email/verify', { token: 'x' }),
    ]);
    for (const reply of replies) expect(reply.body).toEqual({ error: 'not_found', message: expect.stringMatching(/turned off/) });
    await quiet.module.get(MailJobs).idle();
    expect(mailbox.to(email)).toHaveLength(0);
  });
});
