import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, TEST_CLIENT, TEST_OPERATOR, uniqueEmail } from '../helpers/users.js';

let t: TestApp;
let admin: HttpClient;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp({ env: { REFRESH_GRACE_SECONDS: '10' } });
  admin = new HttpClient(t.baseUrl);
  const { email, userId } = await registerAndLogin(admin);
  await t.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
  adminId = userId;
});
afterAll(() => t?.close());

const eventsOf = async (query: string) => (await admin.get(`/admin/audit?${query}&limit=500`)).body.events as Array<Record<string, any>>;

describe('audit events', () => {
  test('register, login, refresh, grace replay, logout and logout-all are each recorded once, by the user, from http', async () => {
    const user = new HttpClient(t.baseUrl);
    const { userId, login } = await registerAndLogin(user);
    const sessionId = login.body.session.id;
    const first = user.cookieValue('__Secure-refresh')!;
    await user.post('/auth/refresh', undefined, { headers: { 'user-agent': 'Tab/1.0' } });
    const replay = new HttpClient(t.baseUrl);
    replay.setCookie('__Secure-refresh', first, '/auth');
    expect((await replay.post('/auth/refresh')).status).toBe(200);
    await user.post('/auth/logout');
    const again = new HttpClient(t.baseUrl);
    await again.post('/auth/login', { email: login.body.user.email, password: PASSWORD });
    await again.post('/auth/logout-all');

    const types = (await eventsOf(`userId=${userId}`)).map((event) => event.type).reverse();
    expect(types).toEqual([
      'user_registered',
      'login_succeeded',
      'session_refreshed',
      'refresh_replayed',
      'session_revoked_by_user',
      'login_succeeded',
      'all_sessions_revoked_by_user',
    ]);
    const refreshed = (await eventsOf(`userId=${userId}&type=session_refreshed`))[0]!;
    expect(refreshed).toMatchObject({ actor: userId, origin: 'http', sessionId, ip: '127.0.0.1', userAgent: 'Tab/1.0', data: { tokenId: expect.any(String), childId: expect.any(String) } });
  });

  test('failed logins are recorded without the password, at most 5 per account per 10 minutes; the next event says how many were left out', async () => {
    const { userId, login } = await registerAndLogin(new HttpClient(t.baseUrl));
    const email = login.body.user.email;
    for (let i = 0; i < 8; i++) {
      expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: `guess-number-${i}` })).status).toBe(401);
    }
    let failures = await eventsOf(`userId=${userId}&type=login_failed`);
    expect(failures).toHaveLength(5);
    expect(failures[0]).toMatchObject({ actor: 'anonymous', origin: 'http', userId, ip: '127.0.0.1', data: { reason: 'wrong_password', suppressedBefore: 0 } });
    expect(JSON.stringify(failures)).not.toContain('guess-number');

    t.clock.advanceSeconds(10 * 60);
    await new HttpClient(t.baseUrl).post('/auth/login', { email, password: 'guess-number-9' });
    failures = await eventsOf(`userId=${userId}&type=login_failed`);
    expect(failures).toHaveLength(6);
    expect(failures[0]!.data).toEqual({ reason: 'wrong_password', suppressedBefore: 3 });

    const unknown = uniqueEmail('nobody');
    await new HttpClient(t.baseUrl).post('/auth/login', { email: unknown, password: 'typed-into-the-wrong-box' });
    const anonymous = (await eventsOf('type=login_failed')).find((event) => event.userId === null)!;
    expect(anonymous.data.reason).toBe('unknown_account');
    expect(JSON.stringify(anonymous)).not.toContain(unknown);
  });

  test('admin revocations carry the acting admin, IP, user agent and the reason; the CLI origin and operator are kept apart', async () => {
    const { userId, login } = await registerAndLogin(new HttpClient(t.baseUrl));
    const sessionId = login.body.session.id;
    const reply = await admin.post(`/admin/sessions/${sessionId}/revoke`, { reason: 'phone lost' }, { headers: { 'user-agent': 'ops-console/2.0' } });
    expect(reply.body).toEqual({ sessionId, revoked: true });
    expect((await eventsOf(`sessionId=${sessionId}&type=session_revoked_by_admin`))[0]).toMatchObject({
      actor: adminId,
      origin: 'http',
      ip: '127.0.0.1',
      userAgent: 'ops-console/2.0',
      data: { reason: 'phone lost' },
    });
    await t.module.get(UsersService).changeRole(login.body.user.email, 'support', true, TEST_OPERATOR);
    expect((await eventsOf(`userId=${userId}&type=user_role_granted`))[0]).toMatchObject({
      actor: 'test-operator',
      origin: 'cli',
      ip: null,
      data: { role: 'support', roles: ['support'] },
    });
    const tooLong = await admin.post(`/admin/users/${userId}/revoke-sessions`, { reason: 'x'.repeat(501) });
    expect(tooLong.status).toBe(400);
  });

  test('the audit trail filters by time range: from inclusive, to exclusive', async () => {
    const start = t.clock.now();
    const { userId } = await registerAndLogin(new HttpClient(t.baseUrl));
    t.clock.advanceSeconds(60);
    const middle = t.clock.now();
    await admin.post(`/admin/users/${userId}/revoke-sessions`, { reason: 'range test' });
    const all = await eventsOf(`userId=${userId}&from=${start.toISOString()}`);
    expect(all.map((event) => event.type)).toEqual(['all_sessions_revoked_by_admin', 'login_succeeded', 'user_registered']);
    expect((await eventsOf(`userId=${userId}&to=${middle.toISOString()}`)).map((event) => event.type)).toEqual(['login_succeeded', 'user_registered']);
    expect((await eventsOf(`userId=${userId}&from=${middle.toISOString()}`)).map((event) => event.type)).toEqual(['all_sessions_revoked_by_admin']);
    expect((await admin.get('/admin/audit?from=yesterday')).status).toBe(400);
  });
});

describe('admin API additions', () => {
  test('GET /admin/users finds by email prefix, in pages; wildcards are literal; bad cursors are 400', async () => {
    const users = t.module.get(UsersService);
    const tag = `pfx${Date.now()}`;
    for (const name of ['ann', 'bob', 'cat']) await users.register(`${tag}.${name}@example.test`, PASSWORD, TEST_CLIENT);
    await users.register(`${tag}x_other@example.test`, PASSWORD, TEST_CLIENT);

    const firstPage = await admin.get(`/admin/users?email=${tag.toUpperCase()}.&limit=2`);
    expect(firstPage.body.users.map((user: { email: string }) => user.email)).toEqual([`${tag}.ann@example.test`, `${tag}.bob@example.test`]);
    const secondPage = await admin.get(`/admin/users?email=${tag}.&limit=2&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body).toEqual({ users: [expect.objectContaining({ email: `${tag}.cat@example.test`, roles: [] })], nextCursor: null });
    // `_` would match any character in LIKE: here it matches only itself.
    expect((await admin.get(`/admin/users?email=${tag}_`)).body.users).toEqual([]);
    expect((await admin.get(`/admin/users?email=${tag}x_`)).body.users).toHaveLength(1);
    expect((await admin.get('/admin/users?cursor=not-a-cursor')).status).toBe(400);
    expect((await new HttpClient(t.baseUrl).get('/admin/users')).status).toBe(401);
  });

  test("a user's sessions show state, rotation counts and last-used times", async () => {
    const client = new HttpClient(t.baseUrl);
    const { userId, login } = await registerAndLogin(client);
    t.clock.advanceSeconds(5);
    await client.post('/auth/refresh');
    t.clock.advanceSeconds(5);
    await client.post('/auth/refresh');
    const [session] = (await admin.get(`/admin/sessions?userId=${userId}&status=all`)).body.sessions;
    expect(session).toMatchObject({ id: login.body.session.id, state: 'active', rotations: 2, lastUsedAt: t.clock.now().toISOString() });
    await admin.post(`/admin/sessions/${session.id}/revoke`, { reason: 'test' });
    const [ended] = (await admin.get(`/admin/sessions?userId=${userId}&status=ended`)).body.sessions;
    expect(ended).toMatchObject({ state: 'revoked', revokeReason: 'admin', rotations: 2 });
  });
});
