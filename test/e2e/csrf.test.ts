import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_ORIGIN } from '../helpers/config.js';
import { HttpClient } from '../helpers/http-client.js';
import { registerAndLogin, uniqueEmail, PASSWORD } from '../helpers/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

async function victim() {
  const client = new HttpClient(t.baseUrl);
  const { userId } = await registerAndLogin(client);
  return { client, userId };
}

async function liveSessions(userId: string) {
  return t.prisma.session.count({ where: { userId, revokedAt: null } });
}

describe('cookie-authenticated state changes', () => {
  test.each([
    ['a foreign Origin', { origin: 'https://evil.example', 'x-requested-with': 'fetch' }],
    ['no custom header', { origin: TEST_ORIGIN, 'x-requested-with': '' }],
    ['neither Origin nor Referer', { origin: '', 'x-requested-with': 'fetch' }],
    ['a foreign Referer and no Origin', { origin: '', referer: 'https://evil.example/page', 'x-requested-with': 'fetch' }],
    ['the null Origin of a sandboxed frame', { origin: 'null', 'x-requested-with': 'fetch' }],
  ])('from %s get 403 csrf_rejected and change nothing', async (_name, headers) => {
    const { client, userId } = await victim();
    const cleaned = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ''));
    const bare = new HttpClient(t.baseUrl, { origin: null, csrf: false });
    for (const [name, cookie] of client.cookies) bare.setCookie(name, cookie.value, cookie.path);

    for (const path of ['/auth/logout-all', '/auth/logout', '/auth/refresh']) {
      const reply = await bare.post(path, undefined, { headers: cleaned });
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ error: 'csrf_rejected', message: expect.any(String) });
      expect(reply.setCookies).toHaveLength(0);
    }
    expect(await liveSessions(userId)).toBe(1);
    expect(await t.prisma.refreshToken.count({ where: { session: { userId }, usedAt: { not: null } } })).toBe(0);
  });

  test('an allowed Referer stands in for a missing Origin', async () => {
    const { client, userId } = await victim();
    const bare = new HttpClient(t.baseUrl, { origin: null });
    for (const [name, cookie] of client.cookies) bare.setCookie(name, cookie.value, cookie.path);
    const reply = await bare.post('/auth/logout-all', undefined, { headers: { referer: `${TEST_ORIGIN}/settings` } });
    expect(reply.status).toBe(204);
    expect(await liveSessions(userId)).toBe(0);
  });

  test('Bearer-authenticated requests are exempt', async () => {
    const { client, userId } = await victim();
    const service = new HttpClient(t.baseUrl, { origin: null, csrf: false });
    const reply = await service.post('/auth/logout-all', undefined, {
      headers: { authorization: `Bearer ${client.cookieValue('__Host-access')}` },
    });
    expect(reply.status).toBe(204);
    expect(await liveSessions(userId)).toBe(0);
  });

  test('reads are not state changes: GET needs no header', async () => {
    const { client } = await victim();
    const bare = new HttpClient(t.baseUrl, { origin: null, csrf: false });
    for (const [name, cookie] of client.cookies) bare.setCookie(name, cookie.value, cookie.path);
    expect((await bare.get('/auth/me')).status).toBe(200);
  });
});

describe('public routes that take no cookie', () => {
  test('login from a foreign Origin is refused (login CSRF)', async () => {
    const email = uniqueEmail();
    await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    const evil = new HttpClient(t.baseUrl, { origin: 'https://evil.example' });
    const reply = await evil.post('/auth/login', { email, password: PASSWORD });
    expect(reply.status).toBe(403);
    expect(reply.body.error).toBe('csrf_rejected');
    expect(reply.setCookies).toHaveLength(0);
  });

  test('a non-browser client without Origin may register and log in', async () => {
    const email = uniqueEmail();
    const cli = new HttpClient(t.baseUrl, { origin: null, csrf: false });
    expect((await cli.post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
    expect((await cli.post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });
});

describe('CORS', () => {
  test('a preflight from the allowed origin may send credentials and the CSRF header', async () => {
    const response = await fetch(`${t.baseUrl}/auth/refresh`, {
      method: 'OPTIONS',
      headers: {
        origin: TEST_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-requested-with,content-type',
      },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/x-requested-with/i);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a foreign origin gets no CORS grant', async () => {
    const response = await fetch(`${t.baseUrl}/auth/me`, { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
