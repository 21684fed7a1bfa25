import { decodeProtectedHeader } from 'jose';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, TEST_OPERATOR } from '../helpers/users.js';

let t: TestApp;
let admin: HttpClient;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp({ env: { JWKS_MAX_AGE_SECONDS: '300', REFRESH_GRACE_SECONDS: '10' } });
  admin = new HttpClient(t.baseUrl);
  const { email, userId } = await registerAndLogin(admin);
  await t.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
  adminId = userId;
});
afterAll(() => t?.close());

async function someone() {
  const client = new HttpClient(t.baseUrl);
  const { userId, email, login } = await registerAndLogin(client);
  return { client, userId, email, sessionId: login.body.session.id as string };
}

describe('access', () => {
  test('without a token: 401; without the admin role: 403 insufficient_role; with it: 200', async () => {
    expect((await new HttpClient(t.baseUrl).get('/admin/sessions')).status).toBe(401);
    const { client } = await someone();
    for (const path of ['/admin/sessions', '/admin/audit', '/admin/keys']) {
      const reply = await client.get(path);
      expect(reply.status).toBe(403);
      expect(reply.body.error).toBe('insufficient_role');
    }
    expect((await client.post('/admin/keys/rotate', {})).status).toBe(403);
    expect((await admin.get('/admin/sessions')).status).toBe(200);
  });

  test('a role granted or revoked reaches the cached session check by its notice, without a new token', async () => {
    const { client, email } = await someone();
    expect((await client.get('/admin/keys')).status).toBe(403);
    // The clock stands still: the cached answer would be trusted for 30 s, and only the notice ends it.
    await t.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
    await eventually(async () => (await client.get('/admin/keys')).status === 200, 'the granted role is used', 5000);
    await t.module.get(UsersService).changeRole(email, 'admin', false, TEST_OPERATOR);
    await eventually(async () => (await client.get('/admin/keys')).status === 403, 'the revoked role is refused', 5000);
  });
});

describe('sessions', () => {
  test('lists a user\'s sessions page by page with a cursor', async () => {
    const { email, userId } = await someone();
    for (let i = 0; i < 4; i++) {
      t.clock.advance(1000);
      await new HttpClient(t.baseUrl).post('/auth/login', { email, password: PASSWORD });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/admin/sessions?userId=${userId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await admin.get(query);
      expect(page.status).toBe(200);
      seen.push(...page.body.sessions.map((session: { id: string; userId: string }) => {
        expect(session.userId).toBe(userId);
        return session.id;
      }));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  test('revoking one family ends it for its holder and is audited with the acting admin', async () => {
    const { client, userId, sessionId } = await someone();
    const reply = await admin.post(`/admin/sessions/${sessionId}/revoke`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ sessionId, revoked: true });
    expect((await client.post('/auth/refresh')).body.error).toBe('session_revoked');
    expect((await client.get('/auth/me')).status).toBe(401);
    const again = await admin.post(`/admin/sessions/${sessionId}/revoke`);
    expect(again.body.revoked).toBe(false);

    const audit = await admin.get(`/admin/audit?sessionId=${sessionId}&type=session_revoked_by_admin`);
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0]).toMatchObject({ userId, sessionId, actor: adminId, type: 'session_revoked_by_admin' });
  });

  test('a session id in upper case revokes the family and applies at once on this instance (its session-check cache too)', async () => {
    const { client, sessionId } = await someone();
    expect((await client.get('/auth/me')).status).toBe(200);
    const reply = await admin.post(`/admin/sessions/${sessionId.toUpperCase()}/revoke`);
    expect(reply.body).toEqual({ sessionId, revoked: true });
    const me = await client.get('/auth/me');
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('session_revoked');
  });

  test('revoking every family of a user', async () => {
    const { email, userId } = await someone();
    await new HttpClient(t.baseUrl).post('/auth/login', { email, password: PASSWORD });
    const reply = await admin.post(`/admin/users/${userId}/revoke-sessions`);
    expect(reply.body).toEqual({ userId, revoked: 2 });
    expect(await t.prisma.session.count({ where: { userId, revokedAt: null } })).toBe(0);
  });

  test('an unknown session is 404, bad ids and queries are 400', async () => {
    expect((await admin.post(`/admin/sessions/${crypto.randomUUID()}/revoke`)).status).toBe(404);
    const farPast = Buffer.from(`-100000-01-01T00:00:00.000Z|${crypto.randomUUID()}`).toString('base64url');
    for (const path of [`/admin/sessions?cursor=${farPast}`, '/admin/sessions?limit=abc', '/admin/sessions?limit=0', '/admin/sessions?userId=nope', '/admin/sessions?cursor=garbage', '/admin/sessions?status=weird', '/admin/audit?cursor=x1', '/admin/sessions?extra=1']) {
      const reply = await admin.get(path);
      expect({ path, status: reply.status, error: reply.body.error }).toEqual({ path, status: 400, error: 'invalid_request' });
    }
    expect((await admin.post('/admin/sessions/not-a-uuid/revoke')).status).toBe(400);
  });
});

describe('audit trail', () => {
  test('shows a detected reuse with user, session, IP and user agent', async () => {
    const { client, sessionId, userId } = await someone();
    const stolen = client.cookieValue('__Secure-refresh')!;
    await client.post('/auth/refresh');
    t.clock.advanceSeconds(11);
    const thief = new HttpClient(t.baseUrl);
    thief.setCookie('__Secure-refresh', stolen, '/auth');
    await thief.post('/auth/refresh', undefined, { headers: { 'user-agent': 'thief/1.0' } });
    const reply = await admin.get(`/admin/audit?type=refresh_token_reuse_detected&userId=${userId}`);
    expect(reply.body.events).toEqual([
      expect.objectContaining({ type: 'refresh_token_reuse_detected', sessionId, userId, ip: '127.0.0.1', userAgent: 'thief/1.0', id: expect.any(String) }),
    ]);
  });
});

describe('signing keys', () => {
  test('two-phase rotation: stage, wait for caches, promote; the old key verifies until its tokens expire', async () => {
    const { client } = await someone();
    const oldToken = client.cookieValue('__Host-access')!;
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const staged = await admin.post('/admin/keys/rotate');
    expect(staged.status).toBe(200);
    expect(staged.body).toMatchObject({ action: 'staged', current: oldKid, next: expect.any(String) });
    const jwks = (await admin.get('/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
    expect(jwks).toEqual(expect.arrayContaining([oldKid, staged.body.next]));

    const early = await admin.post('/admin/keys/rotate', {});
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('key_not_ready');

    // A re-read (60 s), a whole JWKS cache lifetime (max-age 300 s, stale-while-revalidate 60 s) and a 60 s margin.
    t.clock.advanceSeconds(60 + 300 + 60 + 60 - 1);
    expect((await admin.post('/admin/keys/rotate', {})).body.error).toBe('key_not_ready');
    t.clock.advanceSeconds(1);
    const promoted = await admin.post('/admin/keys/rotate', {}, { headers: { 'user-agent': 'ops-console/1.0' } });
    expect(promoted.body).toMatchObject({ action: 'promoted', current: staged.body.next });
    const audit = await admin.get('/admin/audit?type=signing_key_promoted');
    expect(audit.body.events[0]).toMatchObject({
      actor: adminId,
      ip: '127.0.0.1',
      userAgent: 'ops-console/1.0',
      data: { kid: staged.body.next, force: false },
    });

    await client.post('/auth/refresh');
    expect(decodeProtectedHeader(client.cookieValue('__Host-access')!).kid).toBe(staged.body.next);
    const withOld = await new HttpClient(t.baseUrl).get('/auth/me', { headers: { authorization: `Bearer ${oldToken}` } });
    expect(withOld.status).toBe(200);

    const keys = (await admin.get('/admin/keys')).body.keys;
    expect(keys.find((key: { kid: string }) => key.kid === oldKid)).toMatchObject({ state: 'retired', publishUntil: expect.any(String) });

    t.clock.advanceSeconds(600 + 121);
    const later = (await admin.get('/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
    expect(later).not.toContain(oldKid);
    expect(later).toContain(staged.body.next);
  });

  test('withdrawing a key takes it out of the JWKS at once; the current key cannot be withdrawn', async () => {
    // The admin's own access token was signed by the key retired above, which has now aged out.
    expect((await admin.get('/admin/keys')).body.error).toBe('invalid_token');
    expect((await admin.post('/auth/refresh')).status).toBe(200);
    const current = (await admin.get('/admin/keys')).body.keys.find((key: { state: string }) => key.state === 'current').kid;
    const refused = await admin.post(`/admin/keys/${current}/withdraw`);
    expect(refused.status).toBe(409);

    const forced = await admin.post('/admin/keys/rotate', { force: true });
    expect(forced.body.action).toBe('promoted');
    const { client } = await someone();
    expect((await client.get('/auth/me')).status).toBe(200);

    const adminToken = admin.cookieValue('__Host-access')!;
    expect(decodeProtectedHeader(adminToken).kid).toBe(current);
    expect((await admin.post(`/admin/keys/${current}/withdraw`)).status).toBe(204);
    const kids = (await admin.get('/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
    expect(kids).not.toContain(current);
    // Tokens signed by a withdrawn key stop working at once, the admin's own included.
    expect((await admin.get('/admin/keys')).body.error).toBe('invalid_token');
    expect((await admin.post('/auth/refresh')).status).toBe(200);
    expect((await admin.post('/admin/keys/unknown-kid/withdraw')).status).toBe(404);
    expect((await admin.post('/admin/keys/rotate', { force: 'yes' })).status).toBe(400);
  });
});
