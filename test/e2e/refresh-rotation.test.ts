import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient, parseSetCookie } from '../helpers/http-client.js';
import { registerAndLogin } from '../helpers/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { REFRESH_GRACE_SECONDS: '10', SESSION_IDLE_TTL_SECONDS: '3600', SESSION_ABSOLUTE_TTL_SECONDS: '7200' },
  });
});
afterAll(() => t?.close());
afterEach(() => t.clock.reset());

const REFRESH = '__Secure-refresh';

function tokenId(cookie: string): string {
  return cookie.split('.')[0]!;
}

function refreshCookieOf(setCookies: string[]): string | undefined {
  const line = setCookies.find((entry) => entry.startsWith(`${REFRESH}=`));
  return line ? parseSetCookie(line).value : undefined;
}

/** A second party holding a copy of a refresh token (a stolen cookie, another tab). */
function holderOf(token: string): HttpClient {
  const other = new HttpClient(t.baseUrl);
  other.setCookie(REFRESH, token, '/auth');
  return other;
}

async function loggedIn() {
  const client = new HttpClient(t.baseUrl);
  const { userId, login } = await registerAndLogin(client);
  return { client, userId, sessionId: login.body.session.id as string };
}

describe('rotation', () => {
  test('each refresh uses the old token once, issues a working child, and grows the chain by one row', async () => {
    const { client, sessionId } = await loggedIn();
    const first = client.cookieValue(REFRESH)!;

    const reply = await client.post('/auth/refresh');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const second = client.cookieValue(REFRESH)!;
    expect(second).not.toBe(first);
    expect(reply.body.session.id).toBe(sessionId);

    const firstRow = await t.prisma.refreshToken.findUniqueOrThrow({ where: { id: tokenId(first) } });
    const secondRow = await t.prisma.refreshToken.findUniqueOrThrow({ where: { id: tokenId(second) } });
    expect(firstRow.usedAt).not.toBeNull();
    expect(secondRow).toMatchObject({ parentId: firstRow.id, sessionId, usedAt: null, revokedAt: null });
    expect(Buffer.from(secondRow.secretHash).toString('base64url')).not.toBe(second.split('.')[1]);

    t.clock.advanceSeconds(60);
    expect((await client.post('/auth/refresh')).status).toBe(200);
    t.clock.advanceSeconds(60);
    expect((await client.post('/auth/refresh')).status).toBe(200);
    expect(await t.prisma.refreshToken.count({ where: { sessionId } })).toBe(4);
    expect(await t.prisma.refreshToken.count({ where: { sessionId, usedAt: null } })).toBe(1);
    expect((await client.get('/auth/me')).status).toBe(200);
  });

  test('a refresh extends the idle expiry but never the absolute one', async () => {
    const { client, sessionId } = await loggedIn();
    const before = await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    t.clock.advanceSeconds(600);
    const reply = await client.post('/auth/refresh');
    const after = await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(after.idleExpiresAt.getTime()).toBe(before.idleExpiresAt.getTime() + 600_000);
    expect(after.absoluteExpiresAt).toEqual(before.absoluteExpiresAt);
    expect(reply.body.session.absoluteExpiresAt).toBe(before.absoluteExpiresAt.toISOString());
    const refresh = parseSetCookie(reply.setCookies.find((line) => line.startsWith(REFRESH))!);
    expect(refresh.attributes['max-age']).toBe(String(7200 - 600));
  });
});

describe('concurrent refreshes with one token (many tabs, lost responses)', () => {
  test('20 at once: all 200 with the identical new refresh cookie, exactly one child, session alive', async () => {
    const { client, sessionId } = await loggedIn();
    const token = client.cookieValue(REFRESH)!;

    const replies = await Promise.all(Array.from({ length: 20 }, () => holderOf(token).post('/auth/refresh')));

    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const children = new Set(replies.map((reply) => refreshCookieOf(reply.setCookies)));
    expect(children.size).toBe(1);
    const [child] = [...children];
    expect(child).not.toBe(token);

    const rows = await t.prisma.refreshToken.findMany({ where: { parentId: tokenId(token) } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(tokenId(child!));
    const session = await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.revokedAt).toBeNull();
    expect(await t.prisma.auditEvent.count({ where: { sessionId, type: 'refresh_token_reuse_detected' } })).toBe(0);

    expect((await holderOf(child!).post('/auth/refresh')).status).toBe(200);
  });
});

describe('replays', () => {
  test('inside the grace window a used token gets the same child back, not a sibling', async () => {
    const { client, sessionId } = await loggedIn();
    const token = client.cookieValue(REFRESH)!;
    const first = await holderOf(token).post('/auth/refresh');
    t.clock.advanceSeconds(9);
    const replay = await holderOf(token).post('/auth/refresh');
    expect(replay.status).toBe(200);
    expect(refreshCookieOf(replay.setCookies)).toBe(refreshCookieOf(first.setCookies));
    expect(await t.prisma.refreshToken.count({ where: { sessionId } })).toBe(2);
  });

  test('inside the grace window but after the child was itself used, the replay is reuse', async () => {
    const { client, sessionId } = await loggedIn();
    const token = client.cookieValue(REFRESH)!;
    await client.post('/auth/refresh');
    await client.post('/auth/refresh');
    const replay = await holderOf(token).post('/auth/refresh');
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('refresh_token_reused');
    expect((await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).not.toBeNull();
    const event = await t.prisma.auditEvent.findFirstOrThrow({ where: { sessionId, type: 'refresh_token_reuse_detected' } });
    expect(event.data).toMatchObject({ childPresented: true });
  });

  test("a used token replayed after its own expiry, while the session lives on, is still reuse", async () => {
    const { client, sessionId } = await loggedIn();
    const token = client.cookieValue(REFRESH)!;
    t.clock.advanceSeconds(600);
    expect((await client.post('/auth/refresh')).status).toBe(200);
    const child = client.cookieValue(REFRESH)!;
    // The first token expired at login + 3600 s; the refresh moved the session's idle end to 4200 s.
    t.clock.advanceSeconds(3100);
    const replay = await holderOf(token).post('/auth/refresh');
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('refresh_token_reused');
    expect((await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).revokeReason).toBe('refresh_token_reused');
    expect((await holderOf(child).post('/auth/refresh')).body.error).toBe('session_revoked');
  });

  test('after the grace window a replay revokes the whole family, for good', async () => {
    const { client, sessionId, userId } = await loggedIn();
    const stolen = client.cookieValue(REFRESH)!;
    await client.post('/auth/refresh');
    const child = client.cookieValue(REFRESH)!;
    const accessOfChild = client.cookieValue('__Host-access')!;

    t.clock.advanceSeconds(11);
    const attacker = holderOf(stolen);
    const reuse = await attacker.post('/auth/refresh', undefined, { headers: { 'user-agent': 'stolen-cookie-agent/1.0' } });

    expect(reuse.status).toBe(401);
    expect(reuse.body).toEqual({ error: 'refresh_token_reused', message: expect.any(String) });
    for (const name of ['__Host-access', REFRESH]) {
      const cleared = parseSetCookie(reuse.setCookies.find((line) => line.startsWith(`${name}=`))!);
      expect(cleared.value).toBe('');
      expect(cleared.attributes['max-age']).toBe('0');
    }

    const session = await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokeReason).toBe('refresh_token_reused');
    const tokens = await t.prisma.refreshToken.findMany({ where: { sessionId } });
    expect(tokens.length).toBe(2);
    expect(tokens.every((row) => row.revokedAt !== null)).toBe(true);

    const events = await t.prisma.auditEvent.findMany({ where: { sessionId, type: 'refresh_token_reuse_detected' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId, sessionId, ip: '127.0.0.1', userAgent: 'stolen-cookie-agent/1.0' });
    // The child was never presented: ops read that as a probable lost answer rather than a race with a thief.
    expect(events[0]!.data).toMatchObject({ childPresented: false });

    const childReply = await holderOf(child).post('/auth/refresh');
    expect(childReply.status).toBe(401);
    expect(childReply.body.error).toBe('session_revoked');

    const me = await new HttpClient(t.baseUrl).get('/auth/me', { headers: { authorization: `Bearer ${accessOfChild}` } });
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('session_revoked');

    // Final: no later request, replayed or fresh, brings the family back.
    t.clock.advanceSeconds(3600 * 24);
    for (const token of [stolen, child, stolen]) {
      const later = await holderOf(token).post('/auth/refresh');
      expect(later.status).toBe(401);
      expect(['session_revoked', 'session_expired']).toContain(later.body.error);
    }
    expect((await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).toEqual(session.revokedAt);
    expect(await t.prisma.auditEvent.count({ where: { sessionId, type: 'refresh_token_reuse_detected' } })).toBe(1);
  });

  test('a token with a wrong secret or of unknown id changes nothing', async () => {
    const { client, sessionId } = await loggedIn();
    const token = client.cookieValue(REFRESH)!;
    const [id, secret] = token.split('.') as [string, string];
    const forged = `${id}.${secret.slice(0, -2)}${secret.endsWith('AA') ? 'BA' : 'AA'}`;
    for (const value of [forged, `${crypto.randomUUID()}.${secret}`, 'garbage', `${id}.`]) {
      const reply = await holderOf(value).post('/auth/refresh');
      expect(reply.status).toBe(401);
      expect(reply.body.error).toBe('invalid_refresh_token');
    }
    const row = await t.prisma.refreshToken.findUniqueOrThrow({ where: { id } });
    expect(row.usedAt).toBeNull();
    expect((await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).toBeNull();
    expect((await client.post('/auth/refresh')).status).toBe(200);
  });

  test('no refresh cookie at all: 401 invalid_refresh_token', async () => {
    const reply = await new HttpClient(t.baseUrl).post('/auth/refresh');
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_refresh_token');
  });
});

describe('expiry', () => {
  test('a session idle for longer than the idle lifetime is over', async () => {
    const { client, sessionId } = await loggedIn();
    t.clock.advanceSeconds(3601);
    const reply = await client.post('/auth/refresh');
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('session_expired');
    expect(reply.setCookies.some((line) => line.startsWith(`${REFRESH}=;`))).toBe(true);
    const row = await t.prisma.refreshToken.findFirstOrThrow({ where: { sessionId } });
    expect(row.usedAt).toBeNull();
  });

  test('refreshing keeps a session alive only up to its absolute lifetime', async () => {
    const { client } = await loggedIn();
    for (const step of [3000, 3000]) {
      t.clock.advanceSeconds(step);
      expect((await client.post('/auth/refresh')).status).toBe(200);
    }
    t.clock.advanceSeconds(1300);
    const reply = await client.post('/auth/refresh');
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('session_expired');
  });
});
