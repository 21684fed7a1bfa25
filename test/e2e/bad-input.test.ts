import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../helpers/users.js';

let t: TestApp;
let authed: HttpClient;
beforeAll(async () => {
  t = await startTestApp();
  authed = new HttpClient(t.baseUrl);
  await registerAndLogin(authed);
});
afterAll(() => t?.close());

/** Row counts of every table: bad input must leave all of them as they were. */
async function snapshot() {
  const [users, sessions, tokens, usedTokens, revoked, audit] = await Promise.all([
    t.prisma.user.count(),
    t.prisma.session.count(),
    t.prisma.refreshToken.count(),
    t.prisma.refreshToken.count({ where: { usedAt: { not: null } } }),
    t.prisma.session.count({ where: { revokedAt: { not: null } } }),
    t.prisma.auditEvent.count(),
  ]);
  return { users, sessions, tokens, usedTokens, revoked, audit };
}

function expectErrorShape(body: unknown, status: number, code: string, actual: number, text: string) {
  expect({ status: actual, body }).toMatchObject({ status, body: { error: code, message: expect.any(String) } });
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|stack|prisma|SELECT|INSERT|node_modules/i);
}

const ROUTES_WITH_BODY = ['/auth/register', '/auth/login'];
const ALL_POST_ROUTES = ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/logout-all'];

describe.each(ROUTES_WITH_BODY)('%s', (path) => {
  const valid = () => ({ email: uniqueEmail(), password: PASSWORD });

  test.each([
    ['malformed JSON', '{"email": "a@b.example", "password": '],
    ['a JSON string', '"just a string"'],
    ['a JSON array', '[{"email":"a@b.example","password":"long enough password"}]'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['__proto__ pollution', '{"email":"a@b.example","password":"long enough password","__proto__":{"roles":["admin"]}}'],
  ])('%s: 400 invalid_request, nothing written', async (_name, rawBody) => {
    const before = await snapshot();
    const reply = await new HttpClient(t.baseUrl).request('POST', path, undefined, {
      rawBody,
      headers: { 'content-type': 'application/json' },
    });
    expectErrorShape(reply.body, 400, 'invalid_request', reply.status, reply.text);
    expect(await snapshot()).toEqual(before);
  });

  test.each([
    ['an empty body', undefined],
    ['an empty object', {}],
    ['a wrong type for email', { email: 12345, password: PASSWORD }],
    ['a wrong type for password', { email: 'x@example.test', password: ['a', 'b'] }],
    ['an unknown field', { email: 'x@example.test', password: PASSWORD, roles: ['admin'] }],
    ['a 10,000-character password', { email: 'x@example.test', password: 'p'.repeat(10_000) }],
    ['an email of 300 characters', { email: `${'a'.repeat(290)}@example.test`, password: PASSWORD }],
    ['a nested object for email', { email: { $ne: null }, password: PASSWORD }],
  ])('%s: 400 invalid_request naming the field, nothing written', async (_name, body) => {
    const before = await snapshot();
    const reply = await new HttpClient(t.baseUrl).post(path, body);
    expectErrorShape(reply.body, 400, 'invalid_request', reply.status, reply.text);
    expect(Array.isArray(reply.body.details)).toBe(true);
    expect(reply.text).not.toContain(PASSWORD);
    expect(await snapshot()).toEqual(before);
  });

  test('an unknown field is named in the answer', async () => {
    const reply = await new HttpClient(t.baseUrl).post(path, { ...valid(), isAdmin: true });
    expect(reply.body.details).toContainEqual({ field: 'isAdmin', reason: expect.any(String) });
  });

  test('a 1 MB body: 413 payload_too_large, nothing written', async () => {
    const before = await snapshot();
    const reply = await new HttpClient(t.baseUrl).post(path, { ...valid(), padding: 'x'.repeat(1024 * 1024) });
    expectErrorShape(reply.body, 413, 'payload_too_large', reply.status, reply.text);
    expect(await snapshot()).toEqual(before);
  });

  test.each([
    ['text/plain', 'email=a@b.example&password=xxxxxxxxxx'],
    ['application/x-www-form-urlencoded', 'email=a%40b.example&password=long+enough+password'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.example\r\n--x--'],
    ['application/xml', '<login/>'],
  ])('Content-Type %s: 415 unsupported_media_type', async (type, rawBody) => {
    const before = await snapshot();
    const reply = await new HttpClient(t.baseUrl).request('POST', path, undefined, { rawBody, headers: { 'content-type': type } });
    expectErrorShape(reply.body, 415, 'unsupported_media_type', reply.status, reply.text);
    expect(await snapshot()).toEqual(before);
  });
});

describe('odd Unicode never reaches a 500', () => {
  test.each([
    ['a lone surrogate in the password', '{"email":"odd1@example.test","password":"abc\\ud800defghij"}'],
    ['a NUL in the password', '{"email":"odd2@example.test","password":"abc\\u0000defghij"}'],
    ['right-to-left override in the email', '{"email":"odd3\\u202e@example.test","password":"long enough password"}'],
    ['a NUL in the email', '{"email":"odd4\\u0000@example.test","password":"long enough password"}'],
    ['emoji and combining marks', '{"email":"odd5@example.test","password":"🔑🔑🔑🔑 e\\u0301e\\u0301e\\u0301"}'],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('latin1')],
  ])('%s', async (_name, rawBody) => {
    for (const path of ROUTES_WITH_BODY) {
      const reply = await new HttpClient(t.baseUrl).request('POST', path, undefined, {
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBeGreaterThanOrEqual(200);
      expect(reply.status).toBeLessThan(500);
      if (reply.status >= 400) expect(reply.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
    }
  });

  test.each([
    ['right-to-left override', 'evil\u202egro.example@example.test'],
    ['zero-width joiner', 'ad\u200dmin@example.test'],
    ['zero-width space', 'ad\u200bmin@example.test'],
  ])('an email with a %s is refused: it would look like another address', async (_name, email) => {
    const reply = await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    expect(reply.status).toBe(400);
    expect(reply.body.details).toContainEqual({ field: 'email', reason: expect.stringContaining('invisible') });
  });

  test('a password normalised to NFC logs in whichever form it is typed in', async () => {
    const email = uniqueEmail();
    const composed = 'caf\u00e9 au lait 42';
    const decomposed = 'cafe\u0301 au lait 42';
    const client = new HttpClient(t.baseUrl);
    expect((await client.post('/auth/register', { email, password: composed })).status).toBe(201);
    expect((await client.post('/auth/login', { email, password: decomposed })).status).toBe(200);
  });
});

describe('routes without a body', () => {
  test.each(ALL_POST_ROUTES)('%s with malformed JSON is a 400, not a 500', async (path) => {
    const reply = await authed.request('POST', path, undefined, { rawBody: '{oops', headers: { 'content-type': 'application/json' } });
    expectErrorShape(reply.body, 400, 'invalid_request', reply.status, reply.text);
  });

  test('refresh with Content-Type: application/json and an empty body works like no body', async () => {
    const client = new HttpClient(t.baseUrl);
    await registerAndLogin(client);
    const reply = await client.request('POST', '/auth/refresh', undefined, { rawBody: '', headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(200);
  });
});

describe('unknown routes and methods', () => {
  test('an unknown path is a 404 in the error shape', async () => {
    const reply = await authed.get('/nope');
    expectErrorShape(reply.body, 404, 'not_found', reply.status, reply.text);
  });

  test('a wrong method on a known path is a 404 in the error shape', async () => {
    const reply = await authed.get('/auth/login');
    expectErrorShape(reply.body, 404, 'not_found', reply.status, reply.text);
  });

  test('a very long cookie header does not crash the server', async () => {
    const client = new HttpClient(t.baseUrl);
    client.setCookie('__Secure-refresh', 'x'.repeat(8000), '/auth');
    const reply = await client.post('/auth/refresh');
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_refresh_token');
  });
});
