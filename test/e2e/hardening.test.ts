import { connect } from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../helpers/users.js';

// Passport keeps one strategy per name per process, so an e2e file runs one app at a time.
let t: TestApp;

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('on the default configuration', () => {
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('JSON nested thousands of levels deep is a 400, not a 500', async () => {
    const deep = `{"email":"a@b.example","password":"long enough password","x":${'['.repeat(3000)}${']'.repeat(3000)}}`;
    const reply = await new HttpClient(t.baseUrl).request('POST', '/auth/login', undefined, { rawBody: deep, headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_request');
  });

  test('a malformed URL gets the error shape', async () => {
    const reply = await new HttpClient(t.baseUrl).get('/auth/%zz');
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_request', message: expect.any(String) });
    expect(reply.text).not.toContain('%zz');
  });

  test('a request Node cannot parse gets the error shape on the raw socket', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const answer = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({ error: 'invalid_request', message: expect.any(String) });
  });

  test('a refresh cookie sent with a stray Bearer header still needs the CSRF checks', async () => {
    const client = new HttpClient(t.baseUrl, { origin: null, csrf: false });
    const helper = new HttpClient(t.baseUrl);
    const email = uniqueEmail();
    await helper.post('/auth/register', { email, password: PASSWORD });
    const login = await helper.post('/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    for (const [name, cookie] of helper.cookies) client.setCookie(name, cookie.value, cookie.path);
    const reply = await client.post('/auth/refresh', undefined, { headers: { authorization: 'Bearer junk' } });
    expect(reply.status).toBe(403);
    expect(reply.body.error).toBe('csrf_rejected');
    expect(await t.prisma.refreshToken.count({ where: { sessionId: login.body.session.id, usedAt: { not: null } } })).toBe(0);
  });
});

describe('on configurations of their own (one app at a time)', () => {
  test('X-Forwarded-For is ignored unless TRUST_PROXY names the proxies: per-IP limits hold', async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_LOGIN_PER_IP: '3' } });
    try {
      const email = uniqueEmail();
      await new HttpClient(limited.baseUrl).post('/auth/register', { email, password: PASSWORD });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const reply = await new HttpClient(limited.baseUrl).post('/auth/login', { email, password: 'wrong password' }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
        statuses.push(reply.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  test('with TRUST_PROXY=1 the address the proxy appended is the client', async () => {
    const proxied = await startTestApp({ env: { TRUST_PROXY: '1' } });
    try {
      const client = new HttpClient(proxied.baseUrl);
      const email = uniqueEmail();
      await client.post('/auth/register', { email, password: PASSWORD });
      // A client's own X-Forwarded-For entry comes first; our one proxy appends the real address.
      const reply = await client.post('/auth/login', { email, password: PASSWORD }, { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.5' } });
      const session = await proxied.prisma.session.findUniqueOrThrow({ where: { id: reply.body.session.id } });
      expect(session.ip).toBe('203.0.113.5');
    } finally {
      await proxied.close();
    }
  });

  test('an access token never outlives the absolute end of its session', async () => {
    const short = await startTestApp({ env: { SESSION_IDLE_TTL_SECONDS: '300', SESSION_ABSOLUTE_TTL_SECONDS: '400' } });
    try {
      const client = new HttpClient(short.baseUrl);
      await registerAndLogin(client);
      short.clock.advanceSeconds(250);
      const reply = await client.post('/auth/refresh');
      const claims = JSON.parse(Buffer.from(client.cookieValue('__Host-access')!.split('.')[1]!, 'base64url').toString());
      expect(claims.exp * 1000).toBeLessThanOrEqual(new Date(reply.body.session.absoluteExpiresAt).getTime());
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(150);
    } finally {
      await short.close();
    }
  });
});
