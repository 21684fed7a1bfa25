import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient, parseSetCookie } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

function expectCleared(setCookies: string[]) {
  for (const [name, path] of [['__Host-access', '/'], ['__Secure-refresh', '/auth']] as const) {
    const line = setCookies.find((entry) => entry.startsWith(`${name}=`));
    expect(line).toBeDefined();
    const cookie = parseSetCookie(line!);
    expect(cookie.value).toBe('');
    expect(cookie.attributes).toMatchObject({ 'max-age': '0', path, httponly: true, secure: true });
  }
}

test('logout revokes this session, clears both cookies, and both old tokens stop working', async () => {
  const client = new HttpClient(t.baseUrl);
  const { login } = await registerAndLogin(client);
  const access = client.cookieValue('__Host-access')!;
  const refresh = client.cookieValue('__Secure-refresh')!;

  const reply = await client.post('/auth/logout');
  expect(reply.status).toBe(204);
  expect(reply.text).toBe('');
  expectCleared(reply.setCookies);

  const session = await t.prisma.session.findUniqueOrThrow({ where: { id: login.body.session.id } });
  expect(session.revokedAt).not.toBeNull();
  expect(session.revokeReason).toBe('logout');
  expect(await t.prisma.refreshToken.count({ where: { sessionId: session.id, revokedAt: null } })).toBe(0);

  const replay = new HttpClient(t.baseUrl);
  replay.setCookie('__Secure-refresh', refresh, '/auth');
  expect((await replay.post('/auth/refresh')).body.error).toBe('session_revoked');
  const me = await new HttpClient(t.baseUrl).get('/auth/me', { headers: { authorization: `Bearer ${access}` } });
  expect(me.status).toBe(401);
  expect(me.body.error).toBe('session_revoked');
});

test('logout with only the access cookie (refresh cookie lost) still ends the session', async () => {
  const client = new HttpClient(t.baseUrl);
  const { login } = await registerAndLogin(client);
  client.cookies.delete('__Secure-refresh');
  expect((await client.post('/auth/logout')).status).toBe(204);
  expect((await t.prisma.session.findUniqueOrThrow({ where: { id: login.body.session.id } })).revokedAt).not.toBeNull();
});

test('logout without any session is a harmless 204', async () => {
  const reply = await new HttpClient(t.baseUrl).post('/auth/logout');
  expect(reply.status).toBe(204);
  expectCleared(reply.setCookies);
});

test('logout-all revokes every session of the user and no one else\'s', async () => {
  const phone = new HttpClient(t.baseUrl);
  const { email, userId } = await registerAndLogin(phone);
  const laptop = new HttpClient(t.baseUrl);
  expect((await laptop.post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
  const stranger = new HttpClient(t.baseUrl);
  const { userId: strangerId } = await registerAndLogin(stranger);

  const reply = await laptop.post('/auth/logout-all');
  expect(reply.status).toBe(204);
  expectCleared(reply.setCookies);

  expect(await t.prisma.session.count({ where: { userId, revokedAt: null } })).toBe(0);
  expect(await t.prisma.session.count({ where: { userId } })).toBe(2);
  expect(await t.prisma.session.count({ where: { userId: strangerId, revokedAt: null } })).toBe(1);
  expect((await phone.post('/auth/refresh')).body.error).toBe('session_revoked');
  expect((await phone.get('/auth/me')).status).toBe(401);
  expect((await stranger.get('/auth/me')).status).toBe(200);
  expect(await t.prisma.auditEvent.count({ where: { userId, type: 'all_sessions_revoked_by_user' } })).toBe(1);
});

test('logout-all needs an access token', async () => {
  const reply = await new HttpClient(t.baseUrl).post('/auth/logout-all');
  expect(reply.status).toBe(401);
});

test('a user lists their own live sessions and ends one; someone else\'s is not found', async () => {
  const phone = new HttpClient(t.baseUrl);
  const { email, login } = await registerAndLogin(phone);
  const laptop = new HttpClient(t.baseUrl);
  const laptopLogin = await laptop.post('/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': 'Laptop/1.0' } });

  const listed = await phone.get('/auth/sessions');
  expect(listed.status).toBe(200);
  expect(listed.body.sessions).toHaveLength(2);
  const mine = listed.body.sessions.find((session: { current: boolean }) => session.current);
  expect(mine.id).toBe(login.body.session.id);
  const other = listed.body.sessions.find((session: { current: boolean }) => !session.current);
  expect(other).toMatchObject({ id: laptopLogin.body.session.id, userAgent: 'Laptop/1.0', ip: '127.0.0.1' });

  const stranger = new HttpClient(t.baseUrl);
  await registerAndLogin(stranger);
  const foreign = await stranger.delete(`/auth/sessions/${other.id}`);
  expect(foreign.status).toBe(404);
  expect(foreign.body.error).toBe('session_not_found');
  expect((await t.prisma.session.findUniqueOrThrow({ where: { id: other.id } })).revokedAt).toBeNull();

  const ended = await phone.delete(`/auth/sessions/${other.id}`);
  expect(ended.status).toBe(204);
  expect(ended.setCookies).toHaveLength(0);
  expect((await laptop.get('/auth/me')).body.error).toBe('session_revoked');
  expect((await phone.get('/auth/sessions')).body.sessions).toHaveLength(1);

  const self = await phone.delete(`/auth/sessions/${mine.id}`);
  expect(self.status).toBe(204);
  expectCleared(self.setCookies);
});

test('ending a session by an id that is not a UUID is a 400 naming the field', async () => {
  const client = new HttpClient(t.baseUrl);
  await registerAndLogin(client);
  const reply = await client.delete('/auth/sessions/not-a-uuid');
  expect(reply.status).toBe(400);
  expect(reply.body).toMatchObject({ error: 'invalid_request', details: [{ field: 'id', reason: expect.any(String) }] });
});
