import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../helpers/users.js';

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

describe('login limits per (account, IP) and per account, with the defaults', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Empty values fall back to the schema's defaults; one trusted proxy lets each test client name its address.
    t = await startTestApp({ env: { TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_IP: '', RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '', RATE_LIMIT_LOGIN_PER_ACCOUNT: '' } });
  });
  afterAll(() => t?.close());

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  test('wrong passwords from one IP slow that IP down but do not lock the owner out', async () => {
    const email = uniqueEmail();
    await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    const guesser = new HttpClient(t.baseUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await guesser.post('/auth/login', { email, password: `guess number ${i}` }, from('198.51.100.7'))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Even the right password waits out the window from that address...
    expect((await guesser.post('/auth/login', { email, password: PASSWORD }, from('198.51.100.7'))).status).toBe(429);
    // ...while the owner, elsewhere, signs in.
    expect((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: PASSWORD }, from('203.0.113.9'))).status).toBe(200);
  });

  test('look-alike spellings of the account share its (account, IP) bucket', async () => {
    const email = uniqueEmail();
    await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    const wide = email.replace(/[a-z]/g, (character) => String.fromCodePoint(character.codePointAt(0)! + 0xfee0));
    const spellings = [email, email.toUpperCase(), ` ${email}`, wide, wide.toUpperCase(), email];
    const statuses: number[] = [];
    for (const spelling of spellings) {
      statuses.push((await new HttpClient(t.baseUrl).post('/auth/login', { email: spelling, password: 'a wrong password' }, from('198.51.100.8'))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  test('a run spread over many IPs is capped per account (50 attempts per window by default)', async () => {
    const email = uniqueEmail();
    await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    const statuses: number[] = [];
    for (let host = 1; host <= 11; host++) {
      for (let i = 0; i < 5; i++) {
        statuses.push((await new HttpClient(t.baseUrl).post('/auth/login', { email, password: 'a wrong password' }, from(`192.0.2.${host}`))).status);
      }
    }
    expect(statuses.slice(0, 50).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
  });
});
