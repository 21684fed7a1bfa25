import { sign } from 'node:crypto';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { basicAuthorization, TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { HttpClient, parseSetCookie } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../helpers/users.js';

// One test per finding of the security review and the fuzzer (hardening issue).
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { NODE_ENV: 'test' } });
});
afterAll(() => t?.close());

describe('text that is not well-formed Unicode', () => {
  test('a lone surrogate in the email is a 400 naming the field, never a 500, and nothing is written', async () => {
    const client = new HttpClient(t.baseUrl);
    const before = await t.prisma.user.count();
    for (const path of ['/auth/register', '/auth/login']) {
      const reply = await client.request('POST', path, undefined, { rawBody: '{"email":"a\\ud800b@example.com","password":"correct horse battery"}' });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: 'invalid_request', details: [{ field: 'email', reason: expect.stringContaining('well-formed') }] });
    }
    expect(await t.prisma.user.count()).toBe(before);
  });

  test('in a key, in a password and in a query string too', async () => {
    const client = new HttpClient(t.baseUrl);
    const key = await client.request('POST', '/auth/login', undefined, { rawBody: '{"\\udfff":1}' });
    expect(key.status).toBe(400);
    const password = await client.request('POST', '/auth/login', undefined, { rawBody: '{"email":"x@example.com","password":"ab\\udc00cdefgh"}' });
    expect(password.body.details).toEqual([{ field: 'password', reason: expect.stringContaining('well-formed') }]);
    const query = await client.get(`/.well-known/revoked-sessions?since=${encodeURIComponent('2030')}%ED%A0%80`, {
      headers: { authorization: basicAuthorization(TEST_SERVICE_CLIENT) },
    });
    expect(query.status).toBe(400);
  });
});

describe('duplicated refresh cookies', () => {
  test('two refresh cookies (one planted on a narrower path): 401, neither is used, both paths are cleared', async () => {
    const victim = new HttpClient(t.baseUrl);
    const { login } = await registerAndLogin(victim);
    const attacker = new HttpClient(t.baseUrl);
    await registerAndLogin(attacker);
    const planted = attacker.cookieValue('__Secure-refresh')!;
    const own = victim.cookieValue('__Secure-refresh')!;

    const reply = await victim.post('/auth/refresh', undefined, { withCookies: false, headers: { cookie: `__Secure-refresh=${planted}; __Secure-refresh=${own}` } });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('ambiguous_refresh_cookie');
    const cleared = reply.setCookies.map(parseSetCookie).filter((cookie) => cookie.name === '__Secure-refresh');
    expect(cleared.map((cookie) => cookie.attributes.path).sort()).toEqual(['/auth', '/auth/refresh']);
    expect(cleared.every((cookie) => cookie.value === '' && cookie.attributes['max-age'] === '0')).toBe(true);

    // Neither token was rotated: each still works for its own holder.
    const tokens = await t.prisma.refreshToken.findMany({ where: { sessionId: login.body.session.id } });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.usedAt).toBeNull();
    const holder = new HttpClient(t.baseUrl);
    holder.setCookie('__Secure-refresh', own, '/auth');
    expect((await holder.post('/auth/refresh')).status).toBe(200);
  });

  test('logout with two refresh cookies is refused the same way and ends nothing', async () => {
    const client = new HttpClient(t.baseUrl);
    const { login } = await registerAndLogin(client);
    const own = client.cookieValue('__Secure-refresh')!;
    const reply = await client.post('/auth/logout', undefined, { withCookies: false, headers: { cookie: `__Secure-refresh=${own}; __Secure-refresh=${own}` } });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('ambiguous_refresh_cookie');
    expect((await t.prisma.session.findUniqueOrThrow({ where: { id: login.body.session.id } })).revokedAt).toBeNull();
  });
});

describe('tokens signed by our own key with odd headers or times', () => {
  async function ownKeyToken(overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown> }) {
    const client = new HttpClient(t.baseUrl);
    const { login, userId } = await registerAndLogin(client);
    const key = t.module.get(SigningKeysService).signingKey();
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const claims = {
      iss: t.config.tokens.issuer,
      aud: t.config.tokens.audience,
      sub: userId,
      sid: login.body.session.id,
      jti: crypto.randomUUID(),
      client_id: t.config.tokens.audience,
      roles: [],
      iat: now,
      exp: now + 300,
      ...overrides.claims,
    };
    // Signed by hand: jose (rightly) refuses to sign with a crit extension it does not know.
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...overrides.header })}.${encode(claims)}`;
    const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  async function me(token: string) {
    return new HttpClient(t.baseUrl).get('/auth/me', { headers: { authorization: `Bearer ${token}` } });
  }

  test('control: a plain token of ours passes', async () => {
    expect((await me(await ownKeyToken({}))).status).toBe(200);
  });

  test('an unknown crit header is refused', async () => {
    const reply = await me(await ownKeyToken({ header: { crit: ['exp-policy'], 'exp-policy': 1 } }));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_token');
  });

  test('iat a day in the future is refused', async () => {
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const reply = await me(await ownKeyToken({ claims: { iat: now + 86_400, exp: now + 86_400 + 300 } }));
    expect(reply.body.error).toBe('invalid_token');
  });

  test('exp a year ahead (a lifetime above the configured one) is refused', async () => {
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const reply = await me(await ownKeyToken({ claims: { exp: now + 365 * 86_400 } }));
    expect(reply.body.error).toBe('invalid_token');
  });
});

describe('security headers', () => {
  test('a JSON answer carries nosniff and a deny-all CSP, no framework banner, and no HSTS outside production', async () => {
    const reply = await new HttpClient(t.baseUrl).get('/.well-known/jwks.json');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(reply.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(reply.headers.get('x-powered-by')).toBeNull();
    expect(reply.headers.get('server')).toBeNull();
    expect(reply.headers.get('strict-transport-security')).toBeNull();
  });

  test('errors carry them too', async () => {
    const reply = await new HttpClient(t.baseUrl).post('/auth/login', { email: uniqueEmail(), password: PASSWORD });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
