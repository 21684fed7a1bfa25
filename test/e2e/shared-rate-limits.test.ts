import type { Redis } from 'ioredis';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { RateLimitStore } from '../../src/auth/rate-limit-store.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

// Rate limits shared by every instance: counted in PostgreSQL (or Redis with
// REDIS_URL), kept across restarts, and, when the store fails, counted per
// instance rather than not at all.
// Five attempts per (account, IP): the login of registerAndLogin is the first.
const LIMITS = { RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '5', RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000', RATE_LIMIT_LOGIN_PER_IP: '1000' };
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let database: TestDatabase;
const apps: TestApp[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(() => database?.drop());

async function instance(env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp({ database, env: { ...LIMITS, ...env }, captureLogs: true });
  apps.push(app);
  return app;
}

async function wrongPassword(app: TestApp, email: string): Promise<number> {
  return (await new HttpClient(app.baseUrl).post('/auth/login', { email, password: 'not the password' })).status;
}

async function someone(app: TestApp): Promise<string> {
  const { email } = await registerAndLogin(new HttpClient(app.baseUrl));
  return email;
}

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

test.each([
  ['PostgreSQL', {}],
  ['Redis', { REDIS_URL }],
])('wrong passwords alternating between two instances are counted once, in %s', async (_store, env) => {
  const [a, b] = [await instance(env), await instance(env)];
  const email = await someone(a);
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) statuses.push(await wrongPassword(attempt % 2 === 0 ? a : b, email));
  expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
});

test('the counts survive a restart', async () => {
  const first = await instance();
  const email = await someone(first);
  for (let attempt = 0; attempt < 4; attempt++) expect(await wrongPassword(first, email)).toBe(401);
  await apps.pop()!.close();
  const restarted = await instance();
  expect(await wrongPassword(restarted, email)).toBe(429);
});

test('refreshes are limited per instance, in memory: the shared store is not written on the refresh path', async () => {
  const [a, b] = [await instance({ RATE_LIMIT_REFRESH_PER_IP: '2' }), await instance({ RATE_LIMIT_REFRESH_PER_IP: '2' })];
  const refreshes = async (app: TestApp) => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await new HttpClient(app.baseUrl).post('/auth/refresh')).status);
    return statuses;
  };
  expect(await refreshes(a)).toEqual([401, 401, 429]);
  expect(await refreshes(b)).toEqual([401, 401, 429]);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    expect((await client.query("SELECT 1 FROM rate_limits WHERE key LIKE 'refresh-ip%'")).rowCount).toBe(0);
  } finally {
    await client.end();
  }
});

test('keys are stored hashed: no email or IP in the shared table', async () => {
  const app = await instance();
  const email = await someone(app);
  await wrongPassword(app, email);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>('SELECT key FROM rate_limits');
    expect(rows.length).toBeGreaterThan(0);
    for (const { key } of rows) {
      expect(key).not.toContain('@');
      expect(key).not.toContain('127.0.0.1');
    }
  } finally {
    await client.end();
  }
});

test('PostgreSQL store failing: limits still hold per instance, no 500, and the log says so', async () => {
  const app = await instance();
  const email = await someone(app);
  await sql('ALTER TABLE rate_limits RENAME TO rate_limits_away');
  try {
    // The instance's own count starts when the store fails, so five attempts pass before the limit.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push(await wrongPassword(app, email));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(app.logs.some((line) => line.includes('the rate-limit store failed'))).toBe(true);
  } finally {
    await sql('ALTER TABLE rate_limits_away RENAME TO rate_limits');
  }
});

test('Redis unreachable: limits still hold per instance, no 500', async () => {
  const app = await instance({ REDIS_URL: 'redis://127.0.0.1:1' });
  const email = await someone(app);
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) statuses.push(await wrongPassword(app, email));
  expect(statuses).toEqual([401, 401, 401, 401, 429]);
  const login = await new HttpClient(app.baseUrl).post('/auth/login', { email, password: PASSWORD });
  expect(login.status).toBe(429);

  // Closing the application stops the client's reconnecting too, which quit() alone does not while Redis is away
  // (a live timer after the close). Watched for ioredis's longest retry delay, 2 s.
  const redis = (app.module.get(RateLimitStore) as unknown as { redis: Redis }).redis;
  await Promise.all(apps.splice(0).map((closing) => closing.close()));
  let attemptsAfterClose = 0;
  redis.on('reconnecting', () => attemptsAfterClose++);
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  expect(attemptsAfterClose).toBe(0);
});

test('Redis that accepts connections and never answers: logins fall back at once, and closing does not wait for it', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const app = await instance({ REDIS_URL: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const email = await someone(app);
    expect(await wrongPassword(app, email)).toBe(401);
    const closing = Promise.all(apps.splice(0).map((each) => each.close())).then(() => 'closed');
    const stalled = new Promise((resolve) => setTimeout(resolve, 5_000).unref()).then(() => 'still closing after 5 s');
    expect(await Promise.race([closing, stalled])).toBe('closed');
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
