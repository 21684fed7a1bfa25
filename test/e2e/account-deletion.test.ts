import { MailJobs } from '../../src/mail/mail-jobs.js';
import { PurgeService } from '../../src/retention/retention.service.js';
import { accountState, loginAgain, revokedInFeed } from '../helpers/account.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient, parseSetCookie } from '../helpers/http-client.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

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

function deleteAccount(client: HttpClient, password: string) {
  return client.request('DELETE', '/auth/me', { password });
}

test('a wrong password deletes nothing: 401 invalid_credentials', async () => {
  const client = new HttpClient(t.baseUrl);
  const { userId } = await registerAndLogin(client);
  const before = await accountState(t, userId);

  const reply = await deleteAccount(client, 'not my password');
  expect(reply.status).toBe(401);
  expect(reply.body.error).toBe('invalid_credentials');
  expect(await accountState(t, userId)).toEqual(before);
  expect((await client.get('/auth/me')).status).toBe(200);
});

test('delete my account: every session ends and reaches the feed, the address is free again, the audit trail keeps what happened but not from where', async () => {
  const laptop = new HttpClient(t.baseUrl);
  const { email, userId, login } = await registerAndLogin(laptop);
  const phone = await loginAgain(t, email);
  await new HttpClient(t.baseUrl).post('/auth/password/forgot', { email });
  await t.module.get(MailJobs).idle();
  const resetToken = mailbox.tokenFor(email, 'reset-password');
  const bystander = new HttpClient(t.baseUrl);
  const { userId: bystanderId } = await registerAndLogin(bystander);
  const eventsBefore = await t.prisma.auditEvent.count({ where: { userId } });

  const reply = await deleteAccount(laptop, PASSWORD);
  expect(reply.status).toBe(204);
  const cleared = reply.setCookies.map(parseSetCookie).filter((cookie) => cookie.value === '');
  expect(cleared.map((cookie) => cookie.name)).toEqual(expect.arrayContaining(['__Host-access', '__Secure-refresh']));

  expect((await phone.client.get('/auth/me')).body.error).toBe('session_revoked');
  expect(await revokedInFeed(t)).toEqual(expect.arrayContaining([login.body.session.id, phone.sessionId]));
  expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: PASSWORD })).body.error).toBe('invalid_credentials');
  expect((await new HttpClient(t.baseUrl).post('/auth/password/reset', { token: resetToken, password: 'a brand new passphrase' })).body.error).toBe(
    'invalid_reset_token',
  );

  const row = await t.prisma.user.findUniqueOrThrow({ where: { id: userId } });
  expect(row).toMatchObject({ email: `deleted:${userId}`, passwordHash: '', roles: [], emailVerifiedAt: null, deletedAt: expect.any(Date) });
  expect(await t.prisma.accountToken.count({ where: { userId } })).toBe(0);

  const events = await t.prisma.auditEvent.findMany({ where: { userId }, orderBy: { id: 'asc' } });
  expect(events).toHaveLength(eventsBefore + 1);
  const deletion = events.at(-1)!;
  expect(deletion).toMatchObject({ type: 'account_deleted', actor: userId, sessionId: login.body.session.id, ip: '127.0.0.1', data: { sessions: 2 } });
  for (const event of events.slice(0, -1)) expect(event).toMatchObject({ ip: null, userAgent: null });
  expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['login_succeeded', 'password_reset_requested']));
  expect(await t.prisma.auditEvent.count({ where: { userId: bystanderId, ip: '127.0.0.1' } })).toBeGreaterThan(0);
  expect((await bystander.get('/auth/me')).status).toBe(200);

  const again = await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
  expect(again.status).toBe(201);
  expect(again.body.user.id).not.toBe(userId);
});

test('the purge removes a deleted account and its sessions once no access token of theirs can be valid, and keeps its audit events', async () => {
  const client = new HttpClient(t.baseUrl);
  const { userId } = await registerAndLogin(client);
  expect((await deleteAccount(client, PASSWORD)).status).toBe(204);
  const events = await t.prisma.auditEvent.count({ where: { userId } });
  const purge = t.module.get(PurgeService);

  // Inside the revocation feed's window (access-token lifetime + 120 s) the row, and its revoked sessions, stay.
  t.clock.advanceSeconds(600 + 120 - 1);
  await purge.run();
  expect(await t.prisma.user.count({ where: { id: userId } })).toBe(1);
  expect(await t.prisma.session.count({ where: { userId } })).toBe(1);

  t.clock.advanceSeconds(2);
  expect((await purge.run()).usersDeleted).toBeGreaterThanOrEqual(1);
  expect(await t.prisma.user.count({ where: { id: userId } })).toBe(0);
  expect(await t.prisma.session.count({ where: { userId } })).toBe(0);
  expect(await t.prisma.auditEvent.count({ where: { userId } })).toBe(events);
});

test('it needs an access token, and the CSRF header when cookie-authenticated', async () => {
  expect((await deleteAccount(new HttpClient(t.baseUrl), PASSWORD)).body.error).toBe('authentication_required');

  const client = new HttpClient(t.baseUrl);
  const { userId } = await registerAndLogin(client);
  const noHeader = new HttpClient(t.baseUrl, { csrf: false });
  for (const [name, cookie] of client.cookies) noHeader.setCookie(name, cookie.value, cookie.path);
  const before = await accountState(t, userId);
  expect((await deleteAccount(noHeader, PASSWORD)).body.error).toBe('csrf_rejected');
  expect(await accountState(t, userId)).toEqual(before);
});
