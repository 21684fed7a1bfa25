import http from 'node:http';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { HttpClient } from '../helpers/http-client.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { registerAndLogin } from '../helpers/users.js';
import { TEST_ORIGIN } from '../helpers/config.js';

// SIGTERM to the built service, as an orchestrator sends it: requests in
// flight complete (with Connection: close), idle keep-alive sockets do not
// hold the process, nothing is half done, and the deadline is kept even
// when the database has stalled.
let database: TestDatabase;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(() => service?.stop());
afterAll(() => database?.drop());

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(agent: http.Agent, url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, url), { method, agent, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

async function loggedIn(url: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new HttpClient(url);
      await registerAndLogin(client);
      return `__Secure-refresh=${client.cookieValue('__Secure-refresh')}`;
    }),
  );
}

async function halfDoneRotations(): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ count: string }>(
      `SELECT count(*) FROM refresh_tokens t WHERE t.used_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM refresh_tokens c WHERE c.parent_id = t.id)`,
    );
    return Number(rows[0]!.count);
  } finally {
    await admin.end();
  }
}

test('SIGTERM with refreshes in flight and idle keep-alive sockets: every accepted request is answered, then a clean exit well inside the deadline', async () => {
  service = await startServiceProcess(database.url, { SHUTDOWN_TIMEOUT_SECONDS: '10' });
  const cookies = await loggedIn(service.url, 12);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 24 });
  // Open sockets first, so every refresh below rides a connection the server has accepted; half stay idle.
  await Promise.all(Array.from({ length: 24 }, () => send(agent, service!.url, 'GET', '/health')));

  const refreshes = cookies.map((cookie) =>
    send(agent, service!.url, 'POST', '/auth/refresh', { cookie, origin: TEST_ORIGIN, 'x-requested-with': 'fetch' }),
  );
  await new Promise((resolve) => setTimeout(resolve, 5));
  const signalled = Date.now();
  service.child.kill('SIGTERM');

  const replies = await Promise.all(refreshes);
  for (const reply of replies) {
    if (reply.status === 200) continue;
    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.body)).toEqual({ error: 'service_unavailable', message: expect.any(String) });
    expect(reply.headers['retry-after']).toBeDefined();
    expect(reply.headers.connection).toBe('close');
  }
  const { code } = await service.exited;
  expect(code).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(5000);
  expect(service.logs.some((entry) => entry.msg === 'shut down cleanly')).toBe(true);
  expect(await halfDoneRotations()).toBe(0);
  agent.destroy();
});

test('SIGTERM while the database has stalled: the process still exits at the deadline', async () => {
  const target = new URL(database.url);
  const proxy = await new FaultProxy({ host: target.hostname, port: Number(target.port) }).start();
  try {
    service = await startServiceProcess(proxy.urlFor(database.url), { SHUTDOWN_TIMEOUT_SECONDS: '2', DATABASE_QUERY_TIMEOUT_MS: '60000' });
    const cookies = await loggedIn(service.url, 2);
    proxy.stall();
    const hanging = cookies.map((cookie) =>
      fetch(new URL('/auth/refresh', service!.url), { method: 'POST', headers: { cookie, origin: TEST_ORIGIN, 'x-requested-with': 'fetch' } }).catch(
        (error: unknown) => error,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    const elapsed = Date.now() - signalled;
    expect(code).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(4500);
    expect(service.logs.some((entry) => String(entry.msg).includes('deadline passed'))).toBe(true);
    await Promise.all(hanging);
  } finally {
    await proxy.close();
  }
});
