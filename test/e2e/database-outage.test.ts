import pg from 'pg';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { HttpClient, type Reply } from '../helpers/http-client.js';
import { registerAndLogin } from '../helpers/users.js';

// The service reaches PostgreSQL through a proxy the test controls, and the
// link is cut, stalled and its backends terminated under a refresh burst.
// Every answer must be a success or a 503 in the error shape with
// Retry-After; afterwards every session must still work (no false reuse).
let database: TestDatabase;
let proxy: FaultProxy;
let t: TestApp;

const QUERY_TIMEOUT_MS = 1500;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await new FaultProxy({ host: target.hostname, port: Number(target.port) }).start();
  t = await startTestApp({
    database: { url: proxy.urlFor(database.url), drop: async () => {} },
    env: {
      DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_POOL_SIZE: '4',
      SESSION_CHECK_CACHE_MS: '0',
    },
  });
});
afterEach(() => proxy.restore());
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await database?.drop();
});

function expectSuccessOr503(reply: Reply, success: number): void {
  if (reply.status === success) return;
  expect({ status: reply.status, body: reply.body }).toEqual({
    status: 503,
    body: { error: expect.stringMatching(/^service_(unavailable|busy)$/), message: expect.any(String) },
  });
  expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
}

async function users(count: number): Promise<HttpClient[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new HttpClient(t.baseUrl);
      await registerAndLogin(client);
      return client;
    }),
  );
}

/** Refreshes each client until one attempt succeeds; a 503 leaves its cookies alone, so the retry replays the same token. */
async function refreshUntilOk(client: HttpClient): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const reply = await client.post('/auth/refresh');
    if (reply.status === 200) return;
    expectSuccessOr503(reply, 200);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('refresh never recovered');
}

async function expectEverySessionAlive(clients: HttpClient[]): Promise<void> {
  for (const client of clients) await refreshUntilOk(client);
  for (const client of clients) expect((await client.get('/auth/me')).status).toBe(200);
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ count: string }>('SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL');
    expect(Number(rows[0]!.count)).toBe(0);
  } finally {
    await admin.end();
  }
}

test('the link cut under a refresh burst: only 200s and 503s, health says not ready, then everything recovers without a restart', async () => {
  const clients = await users(8);
  const burst = Promise.all(clients.map(async (client) => {
    const replies: Reply[] = [];
    for (let i = 0; i < 6; i++) replies.push(await client.post('/auth/refresh'));
    return replies;
  }));
  await new Promise((resolve) => setTimeout(resolve, 30));
  proxy.cut();
  const health = await new HttpClient(t.baseUrl).get('/health');
  expect(health.status).toBe(503);
  expect(health.body.error).toBe('database_unavailable');
  for (const reply of (await burst).flat()) expectSuccessOr503(reply, 200);

  const during = await clients[0]!.post('/auth/refresh');
  expect(during.status).toBe(503);
  expect(during.body.error).toBe('service_unavailable');

  proxy.restore();
  expect((await new HttpClient(t.baseUrl).get('/health')).status).toBe(200);
  await expectEverySessionAlive(clients);
});

test('a stalled link: requests give up within the client-side timeout instead of hanging, and recover', async () => {
  const clients = await users(3);
  proxy.stall();
  const started = Date.now();
  const replies = await Promise.all(clients.map((client) => client.post('/auth/refresh')));
  const elapsed = Date.now() - started;
  for (const reply of replies) expect(reply.status).toBe(503);
  expect(elapsed).toBeLessThan(QUERY_TIMEOUT_MS * 3);

  const health = await new HttpClient(t.baseUrl).get('/health');
  expect(health.status).toBe(503);

  proxy.restore();
  await expectEverySessionAlive(clients);
});

test("the service's backends terminated by an admin under load: no crash, only 200s and 503s, then recovery", async () => {
  const clients = await users(6);
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const burst = Promise.all(clients.map(async (client) => {
      const replies: Reply[] = [];
      for (let i = 0; i < 5; i++) replies.push(await client.post('/auth/refresh'));
      return replies;
    }));
    for (let i = 0; i < 3; i++) {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const reply of (await burst).flat()) expectSuccessOr503(reply, 200);
  } finally {
    await admin.end();
  }
  await expectEverySessionAlive(clients);
});
