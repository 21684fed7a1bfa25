import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

describe('logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
  });
  afterAll(() => t?.close());

  test('are one JSON object per line, carry a request id, and never a password, token, secret or cookie', async () => {
    const client = new HttpClient(t.baseUrl);
    const { email } = await registerAndLogin(client);
    const secrets = new Set<string>([PASSWORD, t.config.sessions.refreshPepper, t.config.tokens.keyEncryptionSecret]);
    const remember = () => {
      for (const cookie of client.cookies.values()) secrets.add(cookie.value);
    };
    remember();
    await client.get('/auth/me');
    await client.post('/auth/refresh');
    remember();
    await client.post('/auth/login', { email, password: 'a wrong password' });
    await client.post('/auth/logout');
    await client.post('/auth/login', { email: 'broken', password: PASSWORD });

    expect(t.logs.length).toBeGreaterThan(5);
    const parsed = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = parsed.filter((entry) => entry.msg === 'request completed');
    expect(completed.length).toBeGreaterThanOrEqual(7);
    for (const entry of completed) {
      expect(entry.requestId).toEqual(expect.any(String));
      expect(entry).toMatchObject({ level: 'info', method: expect.any(String), status: expect.any(Number) });
    }
    // Service-level events logged while handling a request carry its id too.
    const started = parsed.find((entry) => entry.event === 'login_succeeded');
    expect(started?.requestId).toEqual(expect.any(String));

    const everything = t.logs.join('\n');
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
    }
    const refreshToken = [...secrets].find((value) => /^[0-9a-f-]{36}\./.test(value))!;
    expect(everything).not.toContain(refreshToken.split('.')[1]);
  });

  test('a caller-supplied X-Request-Id is echoed and logged; a hostile one is replaced', async () => {
    const client = new HttpClient(t.baseUrl);
    const kept = await client.get('/health', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(t.logs.some((line) => line.includes('"requestId":"trace-abc-123"'))).toBe(true);

    const hostile = await client.get('/health', { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('redaction catches a secret that slips into a logged object', async () => {
    const { createRootLogger } = await import('../../src/common/logger.js');
    const lines: string[] = [];
    const { Writable } = await import('node:stream');
    const logger = createRootLogger('info', new Writable({ write(chunk, _e, cb) { lines.push(chunk.toString()); cb(); } }));
    logger.info({ password: 'p4ss', nested: { token: 't0k', cookie: 'c00k' }, headers: { authorization: 'Bearer x', 'set-cookie': 'a=b' } }, 'oops');
    const text = lines.join('');
    for (const value of ['p4ss', 't0k', 'c00k', 'Bearer x', 'a=b']) expect(text).not.toContain(value);
    expect(text).toContain('[redacted]');
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_LOGIN_PER_ACCOUNT: '3', RATE_LIMIT_LOGIN_PER_IP: '100', RATE_LIMIT_REGISTER_PER_IP: '5' } });
  });
  afterAll(() => t?.close());

  test('login attempts per account are limited with 429 and Retry-After; other accounts are unaffected', async () => {
    const client = new HttpClient(t.baseUrl);
    const { email } = await registerAndLogin(client);
    await client.post('/auth/login', { email, password: 'wrong password 1' });
    await client.post('/auth/login', { email: email.toUpperCase(), password: 'wrong password 2' });
    const blocked = await client.post('/auth/login', { email, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.setCookies).toHaveLength(0);

    const other = new HttpClient(t.baseUrl);
    await registerAndLogin(other);
    expect((await other.get('/auth/me')).status).toBe(200);
  });

  test('registration is limited per IP', async () => {
    const client = new HttpClient(t.baseUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await client.post('/auth/register', { email: `limit${i}.${Date.now()}@example.test`, password: PASSWORD })).status);
    }
    expect(statuses).toContain(429);
  });
});
