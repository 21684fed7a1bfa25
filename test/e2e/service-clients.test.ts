import { jest } from '@jest/globals';
import { SignJWT } from 'jose';
import { RevokedSessionsRepository } from '../../src/sessions/revoked-sessions.repository.js';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { basicAuthorization, TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { HttpClient } from '../helpers/http-client.js';
import { registerAndLogin, uniqueEmail } from '../helpers/users.js';

/**
 * What other backend services call with a service credential: RFC 7662
 * introspection and the revocation feed; and the JWKS they cache.
 */
const FEED_READER = { clientId: 'feed-reader', secret: 'feed-reader-secret-0123456789abcdef-01234' };
const INTROSPECTOR = { clientId: 'introspector', secret: 'introspector-secret-0123456789abcdef-0123' };
const ADMIN = { id: 'ops', client: { ip: null, userAgent: null, origin: 'http' } } as const;

// Passport keeps one strategy per name per process, so an e2e file runs one app at a time.
let t: TestApp;

const service = () => new HttpClient(t.baseUrl, { origin: null, csrf: false });

function introspect(token: string, authorization: string | null = basicAuthorization(TEST_SERVICE_CLIENT), body = `token=${encodeURIComponent(token)}`) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (authorization) headers.authorization = authorization;
  return service().request('POST', '/oauth/introspect', undefined, { rawBody: body, headers });
}

function poll(query = '', authorization = basicAuthorization(TEST_SERVICE_CLIENT)) {
  return service().get(`/.well-known/revoked-sessions${query}`, { headers: { authorization } });
}

async function signedIn() {
  const client = new HttpClient(t.baseUrl);
  const { userId, login } = await registerAndLogin(client, uniqueEmail('svc'));
  return { client, userId, sessionId: login.body.session.id as string, token: client.cookieValue('__Host-access')! };
}

describe('on the default configuration', () => {
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SERVICE_CREDENTIALS: [
          `${TEST_SERVICE_CLIENT.clientId}:introspect+revocations:${TEST_SERVICE_CLIENT.secret}`,
          `${FEED_READER.clientId}:revocations:${FEED_READER.secret}`,
          `${INTROSPECTOR.clientId}:introspect:${INTROSPECTOR.secret}`,
        ].join(','),
      },
      captureLogs: true,
    });
  });
  afterAll(() => t?.close());

  describe('introspection (RFC 7662)', () => {
    test('a live token of a live session: active, with its claims and the roles as stored now', async () => {
      const { userId, sessionId, token } = await signedIn();
      const reply = await introspect(token);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.body).toEqual({
        active: true,
        token_type: 'Bearer',
        client_id: 'example-api',
        sub: userId,
        sid: sessionId,
        jti: expect.any(String),
        iss: 'https://auth.example.test',
        aud: 'example-api',
        iat: expect.any(Number),
        exp: expect.any(Number),
        roles: [],
      });
    });

    test('anything else is {"active": false} and nothing more: expired, revoked, withdrawn key, garbage, a refresh token', async () => {
      const expiring = await signedIn();
      t.clock.advanceSeconds(601);
      const expired = await introspect(expiring.token);
      t.clock.advanceSeconds(-601);

      const loggedOut = await signedIn();
      expect((await loggedOut.client.post('/auth/logout')).status).toBe(204);

      const leaked = await signedIn();
      const keys = t.module.get(SigningKeysService);
      const leakedKid = keys.signingKey().kid;
      await keys.rotate(ADMIN, true);
      await keys.withdraw(leakedKid, ADMIN);

      const refresh = (await signedIn()).client.cookieValue('__Secure-refresh')!;
      const forged = await new SignJWT({ sub: leaked.userId }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keys.signingKey().kid }).sign(new Uint8Array(32));

      for (const reply of [expired, await introspect(loggedOut.token), await introspect(leaked.token), await introspect('garbage'), await introspect(refresh), await introspect(forged)]) {
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ active: false });
      }
    });

    test('without a credential, or with a wrong one: 401 invalid_client with a Basic challenge, logged without the secret', async () => {
      const { token } = await signedIn();
      const attempts = [
        null,
        basicAuthorization({ clientId: TEST_SERVICE_CLIENT.clientId, secret: 'wrong-secret-0123456789abcdef-0123456789' }),
        basicAuthorization({ clientId: 'nobody', secret: TEST_SERVICE_CLIENT.secret }),
        'Basic not-base64!',
        `Bearer ${token}`,
      ];
      for (const authorization of attempts) {
        const reply = await introspect(token, authorization);
        expect(reply.status).toBe(401);
        expect(reply.body.error).toBe('invalid_client');
        expect(reply.headers.get('www-authenticate')).toBe('Basic realm="service clients", charset="UTF-8"');
      }
      const refusals = t.logs.filter((line) => line.includes('service_client_refused'));
      expect(refusals.length).toBeGreaterThanOrEqual(attempts.length);
      expect(refusals.some((line) => line.includes('"clientId":"nobody"'))).toBe(true);
      expect(t.logs.join('\n')).not.toContain('wrong-secret');
    });

    test('a credential without the introspect scope: 403 insufficient_scope', async () => {
      const reply = await introspect('x', basicAuthorization(FEED_READER));
      expect(reply.status).toBe(403);
      expect(reply.body.error).toBe('insufficient_scope');
    });

    test('bad input is a 400 that says which field: no token, a token sent twice, an unknown parameter', async () => {
      expect((await introspect('', undefined, 'token_type_hint=access_token')).body.details).toContainEqual({ field: 'token', reason: expect.any(String) });
      expect((await introspect('', undefined, 'token=a&token=b')).body).toMatchObject({ error: 'invalid_request', details: [{ field: 'token', reason: 'is sent more than once' }] });
      expect((await introspect('', undefined, 'token=a&client_secret=x')).body.details).toContainEqual({ field: 'client_secret', reason: 'is not an accepted field' });
    });

    test('a form from a foreign origin is refused (CSRF), and no other route takes a form body', async () => {
      const crossSite = await new HttpClient(t.baseUrl, { origin: 'https://evil.example' }).request('POST', '/oauth/introspect', undefined, {
        rawBody: 'token=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(TEST_SERVICE_CLIENT) },
      });
      expect(crossSite.body.error).toBe('csrf_rejected');
      const login = await new HttpClient(t.baseUrl).request('POST', '/auth/login', undefined, {
        rawBody: 'email=a%40example.test&password=whatever-whatever',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(login.status).toBe(415);
      expect(login.body.error).toBe('unsupported_media_type');
    });
  });

  describe('the revocation feed', () => {
    test('needs a credential with the revocations scope', async () => {
      expect((await service().get('/.well-known/revoked-sessions')).status).toBe(401);
      const introspector = await poll('', basicAuthorization(INTROSPECTOR));
      expect(introspector.status).toBe(403);
      expect(introspector.body.error).toBe('insufficient_scope');
      const reader = await poll('', basicAuthorization(FEED_READER));
      expect(reader.status).toBe(200);
      expect(reader.headers.get('cache-control')).toBe('no-store');
    });

    test('lists sessions revoked since a point in time, within the access-token lifetime; polls overlap by 30 s', async () => {
      const first = await poll();
      expect(first.body).toMatchObject({ revoked: expect.any(Array), next: expect.any(String), complete: true, windowSeconds: 600 + 120 });

      const { client, sessionId } = await signedIn();
      t.clock.advance(10);
      await client.post('/auth/logout');
      // The feed answers from a snapshot at most a second old.
      t.clock.advance(1000);

      const next = await poll(`?since=${encodeURIComponent(first.body.next)}`);
      expect(next.body.revoked.map((entry: { sid: string }) => entry.sid)).toContain(sessionId);
      const again = await poll(`?since=${encodeURIComponent(next.body.next)}`);
      expect(again.body.revoked.map((entry: { sid: string }) => entry.sid)).toContain(sessionId);
      t.clock.advanceSeconds(31);
      const stillOverlapping = await poll(`?since=${encodeURIComponent(again.body.next)}`);
      t.clock.advanceSeconds(1);
      const later = await poll(`?since=${encodeURIComponent(stillOverlapping.body.next)}`);
      expect(later.body.revoked.map((entry: { sid: string }) => entry.sid)).not.toContain(sessionId);

      t.clock.advanceSeconds(721);
      const expired = await poll();
      expect(expired.body.revoked.map((entry: { sid: string }) => entry.sid)).not.toContain(sessionId);
      t.clock.advanceSeconds(-721 - 32);
    });

    test('many pollers, each with its own cursor, cost one query per second', async () => {
      const reads = jest.spyOn(t.module.get(RevokedSessionsRepository), 'listRevokedSince');
      t.clock.advanceSeconds(2);
      const cursors = Array.from({ length: 20 }, (_, index) => new Date(t.clock.now().getTime() - index * 1000).toISOString());
      const replies = await Promise.all(cursors.map((since) => poll(`?since=${encodeURIComponent(since)}`)));
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
      expect(reads).toHaveBeenCalledTimes(1);
      t.clock.advance(1000);
      await Promise.all(cursors.map((since) => poll(`?since=${encodeURIComponent(since)}`)));
      expect(reads).toHaveBeenCalledTimes(2);
      reads.mockRestore();
    });

    test('a bad `since` is a 400', async () => {
      const reply = await poll('?since=yesterday');
      expect(reply.status).toBe(400);
      expect(reply.body.details).toContainEqual({ field: 'since', reason: expect.any(String) });
    });
  });

  describe('the JWKS', () => {
    test('a strong ETag, 304 to a matching If-None-Match, and the cache lifetimes in Cache-Control', async () => {
      const first = await service().get('/.well-known/jwks.json');
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toContain('application/jwk-set+json');
      expect(first.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=60');
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const again = await service().get('/.well-known/jwks.json', { headers: { 'if-none-match': ifNoneMatch } });
        expect(again.status).toBe(304);
        expect(again.text).toBe('');
        expect(again.headers.get('etag')).toBe(etag);
      }
      expect((await service().get('/.well-known/jwks.json', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);

      await t.module.get(SigningKeysService).rotate(ADMIN, false);
      const changed = await service().get('/.well-known/jwks.json', { headers: { 'if-none-match': etag } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      expect(changed.body.keys).toHaveLength(first.body.keys.length + 1);
    });
  });
});

describe('on configurations of their own (one app at a time)', () => {
  afterEach(() => t?.close());

  test('introspection is rate limited per credential: one client spending its allowance leaves the other its own', async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_SERVICE_CLIENT: '3',
        SERVICE_CREDENTIALS: `${TEST_SERVICE_CLIENT.clientId}:introspect+revocations:${TEST_SERVICE_CLIENT.secret},other:introspect:${FEED_READER.secret}`,
      },
    });
    for (let i = 0; i < 3; i++) expect((await introspect('x')).body).toEqual({ active: false });
    const limited = await introspect('x');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await introspect('x', basicAuthorization({ clientId: 'other', secret: FEED_READER.secret }))).status).toBe(200);
    // Wrong secrets under a client's id are refused before counting: nobody can spend another client's allowance.
    const other = basicAuthorization({ clientId: 'other', secret: 'wrong-secret-0123456789abcdef-0123456789' });
    for (let i = 0; i < 5; i++) expect((await introspect('x', other)).status).toBe(401);
    expect((await introspect('x', basicAuthorization({ clientId: 'other', secret: FEED_READER.secret }))).status).toBe(200);
  });

  test('with no SERVICE_CREDENTIALS both routes answer 401 to everyone', async () => {
    t = await startTestApp({ env: { SERVICE_CREDENTIALS: '' } });
    expect((await introspect('x')).status).toBe(401);
    expect((await poll()).status).toBe(401);
  });
});
