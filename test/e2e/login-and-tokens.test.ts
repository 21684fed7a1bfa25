import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient, parseSetCookie } from '../helpers/http-client.js';
import { registerAndLogin } from '../helpers/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

function cookieLine(lines: string[], name: string) {
  const line = lines.find((entry) => entry.startsWith(`${name}=`));
  if (!line) throw new Error(`no Set-Cookie for ${name} in ${JSON.stringify(lines)}`);
  return parseSetCookie(line);
}

describe('login', () => {
  test('sets both cookies with exactly the attributes of DESIGN.md and no token in the body', async () => {
    const client = new HttpClient(t.baseUrl);
    const { login } = await registerAndLogin(client);

    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.setCookies).toHaveLength(2);

    const access = cookieLine(login.setCookies, '__Host-access');
    expect(access.attributes).toEqual({ 'max-age': '600', path: '/', httponly: true, secure: true, samesite: 'Lax' });

    const refresh = cookieLine(login.setCookies, '__Secure-refresh');
    expect(refresh.attributes).toEqual({
      'max-age': String(30 * 24 * 3600),
      path: '/auth',
      httponly: true,
      secure: true,
      samesite: 'Strict',
    });
    expect(refresh.value).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

    expect(login.text).not.toContain(access.value);
    expect(login.text).not.toContain(refresh.value);
    expect(login.body).toMatchObject({
      user: { email: expect.any(String), roles: [] },
      session: { id: expect.any(String), idleExpiresAt: expect.any(String), absoluteExpiresAt: expect.any(String) },
      accessTokenExpiresAt: expect.any(String),
    });
  });

  test('/auth/me answers with the access cookie, and with a Bearer header alone', async () => {
    const client = new HttpClient(t.baseUrl);
    const { email, userId } = await registerAndLogin(client);

    const withCookie = await client.get('/auth/me');
    expect(withCookie.status).toBe(200);
    expect(withCookie.body.user).toMatchObject({ id: userId, email });

    const bearer = new HttpClient(t.baseUrl);
    const withBearer = await bearer.get('/auth/me', {
      headers: { authorization: `Bearer ${client.cookieValue('__Host-access')}` },
    });
    expect(withBearer.status).toBe(200);
    expect(withBearer.body.sessionId).toBe(withCookie.body.sessionId);
  });

  test('the same wrong-credentials answer for an unknown email and a wrong password', async () => {
    const client = new HttpClient(t.baseUrl);
    const { email } = await registerAndLogin(client);
    const wrongPassword = await client.post('/auth/login', { email, password: 'not the password' });
    const unknownEmail = await client.post('/auth/login', { email: `nobody-${email}`, password: 'not the password' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body).toEqual(unknownEmail.body);
    expect(wrongPassword.body.error).toBe('invalid_credentials');
  });

  test('email is normalised: a differently-cased login finds the account, a second registration is refused', async () => {
    const client = new HttpClient(t.baseUrl);
    const { email } = await registerAndLogin(client);
    const upper = ` ${email.toUpperCase()} `;
    expect((await client.post('/auth/login', { email: upper, password: 'correct horse battery staple' })).status).toBe(200);
    const again = await client.post('/auth/register', { email: email.toUpperCase(), password: 'another long password' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('email_taken');
    expect(await t.prisma.user.count({ where: { email } })).toBe(1);
  });

  test('a new login never continues the session a client already holds', async () => {
    const client = new HttpClient(t.baseUrl);
    const { email, login } = await registerAndLogin(client);
    const second = await client.post('/auth/login', { email, password: 'correct horse battery staple' });
    expect(second.body.session.id).not.toBe(login.body.session.id);
  });
});

describe('access token', () => {
  test('header and claims follow RFC 9068 and verify with the JWKS key in an independent library', async () => {
    const client = new HttpClient(t.baseUrl);
    const { userId, login } = await registerAndLogin(client);
    const token = client.cookieValue('__Host-access')!;

    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });

    const jwksReply = await client.get('/.well-known/jwks.json');
    expect(jwksReply.status).toBe(200);
    expect(jwksReply.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(jwksReply.body.keys.map((key: { kid: string }) => key.kid)).toContain(header.kid);
    for (const key of jwksReply.body.keys) {
      expect(key).not.toHaveProperty('d');
    }

    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwksReply.body), {
      issuer: t.config.tokens.issuer,
      audience: t.config.tokens.audience,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: t.clock.now(),
    });
    expect(protectedHeader.kid).toBe(header.kid);
    expect(payload).toMatchObject({ sub: userId, sid: login.body.session.id, roles: [], email_verified: false });
    expect(typeof payload.jti).toBe('string');
    const lifetime = payload.exp! - payload.iat!;
    expect(lifetime).toBe(600);
    // email_verified says whether, never which address.
    expect(JSON.stringify(payload)).not.toMatch(/password|"email"|@/);
  });

  test('each access token has its own jti', async () => {
    const client = new HttpClient(t.baseUrl);
    await registerAndLogin(client);
    const first = client.cookieValue('__Host-access')!;
    await client.post('/auth/refresh');
    const second = client.cookieValue('__Host-access')!;
    const jti = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    expect(jti(first)).not.toBe(jti(second));
  });
});
