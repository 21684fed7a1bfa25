import http from 'node:http';
import pg from 'pg';
import { decodeProtectedHeader } from 'jose';
import { TEST_ORIGIN } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { eventually } from '../helpers/eventually.js';
import { HttpClient } from '../helpers/http-client.js';
import { type HaProxy, infrastructureAvailable, type PgBouncer, startHaProxy, startPgBouncer } from '../helpers/infrastructure.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

// Three instances of the built service on one database, through PgBouncer in
// transaction mode, behind HAProxy (round robin, X-Forwarded-For), as users
// run it. Everything below goes through the balancer unless it must reach
// one instance directly.
const available = infrastructureAvailable('pgbouncer') && infrastructureAvailable('haproxy');
const describeIf = available ? describe : describe.skip;

describeIf('three instances behind HAProxy and PgBouncer', () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let instances: ServiceProcess[] = [];
  let balancer: HaProxy;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    bouncer = await startPgBouncer({ host: target.hostname, port: Number(target.port) });
    instances = await Promise.all(
      Array.from({ length: 3 }, () =>
        startServiceProcess(bouncer.urlFor(database.url), {
          DATABASE_POOLER: 'transaction',
          DATABASE_DIRECT_URL: database.url,
          DATABASE_POOL_SIZE: '4',
          TRUST_PROXY: '127.0.0.1',
          RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '5',
          REFRESH_GRACE_SECONDS: '10',
        }),
      ),
    );
    balancer = await startHaProxy(instances.map((instance) => instance.url));
    // Every server must have passed its first health check before the balancer routes to it.
    let healthy = 0;
    for (let attempt = 0; attempt < 200 && healthy < instances.length * 2; attempt++) {
      healthy = (await new HttpClient(balancer.url).get('/health')).status === 200 ? healthy + 1 : 0;
      if (healthy === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    balancer?.stop();
    await Promise.all(instances.map((instance) => instance.stop()));
    bouncer?.stop();
    await database?.drop();
  });

  async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async function millisecondsUntil(condition: () => Promise<boolean>, what: string, deadlineMs = 5000): Promise<number> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return Date.now() - started;
  }

  /** A request from a given client address (127.0.0.x are all this machine), through the balancer. */
  function from(address: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: { error?: string } }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request(
        new URL(path, balancer.url),
        {
          method,
          localAddress: address,
          headers: { origin: TEST_ORIGIN, 'x-requested-with': 'fetch', ...(payload ? { 'content-type': 'application/json' } : {}) },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => resolve({ status: response.statusCode!, body: text ? JSON.parse(text) : {} }));
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  test('twenty concurrent refreshes of one token, spread over the three instances, give one child', async () => {
    const client = new HttpClient(balancer.url);
    const { login } = await registerAndLogin(client);
    const token = client.cookieValue('__Secure-refresh')!;
    const children = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const holder = new HttpClient(balancer.url);
        holder.setCookie('__Secure-refresh', token, '/auth');
        const reply = await holder.post('/auth/refresh');
        expect(reply.status).toBe(200);
        return holder.cookieValue('__Secure-refresh');
      }),
    );
    expect(new Set(children).size).toBe(1);
    const rows = await sql<{ count: string }>('SELECT count(*) FROM refresh_tokens WHERE session_id = $1', [login.body.session.id]);
    expect(Number(rows[0]!.count)).toBe(2);
  });

  test('a logout through one instance is refused by the other two at once, though each had the session cached', async () => {
    const client = new HttpClient(balancer.url);
    await registerAndLogin(client);
    const access = client.cookieValue('__Host-access')!;
    const me = (instance: ServiceProcess) => new HttpClient(instance.url).get('/auth/me', { headers: { authorization: `Bearer ${access}` } });
    for (const instance of instances) expect((await me(instance)).status).toBe(200);

    const [first, ...others] = instances;
    const holder = new HttpClient(first!.url);
    holder.setCookie('__Secure-refresh', client.cookieValue('__Secure-refresh')!, '/auth');
    expect((await holder.post('/auth/logout')).status).toBe(204);
    // The cached answers would be trusted for 30 s: only the notice can end them this soon.
    const waited = await Promise.all(others.map((instance) => millisecondsUntil(async () => (await me(instance)).status === 401, 'refused elsewhere', 2000)));
    console.info(`logout seen by the other instances after ${waited.join(' ms and ')} ms (polled every 5 ms)`);
  });

  test('login limits count per real client IP (X-Forwarded-For from HAProxy), across the instances', async () => {
    const { email } = await registerAndLogin(new HttpClient(balancer.url));
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await from('127.0.0.2', 'POST', '/auth/login', { email, password: 'wrong password' })).status);
    // Round robin spread those six over three instances; the shared count refused the sixth all the same.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await from('127.0.0.3', 'POST', '/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  test('a forced key rotation through one instance is used and published by all', async () => {
    const admin = new HttpClient(balancer.url);
    const { userId } = await registerAndLogin(admin);
    await sql("UPDATE users SET roles = '{admin}' WHERE id = $1", [userId]);
    await admin.post('/auth/refresh');
    const rotated = await admin.post('/admin/keys/rotate', { force: true });
    expect(rotated.body.action).toBe('promoted');
    const kid = rotated.body.current as string;
    // The new key is published by the first of the two steps and signs after the second: wait for each instance to sign with it.
    for (const instance of instances) {
      await eventually(async () => {
        const user = new HttpClient(instance.url);
        await registerAndLogin(user);
        return decodeProtectedHeader(user.cookieValue('__Host-access')!).kid === kid;
      }, 'the new key signs', 5000);
      const jwks = await new HttpClient(instance.url).get('/.well-known/jwks.json');
      expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toContain(kid);
    }
  });

  test('one instance killed in the middle of a refresh burst: reads are retried by the balancer, refreshes by their clients, no session is lost', async () => {
    const clients = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const client = new HttpClient(balancer.url);
        await registerAndLogin(client);
        return client;
      }),
    );
    const victim = instances[2]!;
    let killed = false;
    const failedReads: number[] = [];
    const burst = clients.map(async (client, index) => {
      for (let round = 0; round < 8; round++) {
        if (index === 0 && round === 2 && !killed) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
        // A refresh whose answer was lost is sent again, as the browser client does, inside the grace window.
        for (let attempt = 0; ; attempt++) {
          const reply = await client.post('/auth/refresh').catch(() => ({ status: 0 }));
          if (reply.status === 200) break;
          expect([0, 502, 503, 504]).toContain(reply.status);
          if (attempt === 5) throw new Error('refresh never recovered');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const me = await client.get('/auth/me');
        if (me.status !== 200) failedReads.push(me.status);
      }
    });
    await Promise.all(burst);
    expect(failedReads).toEqual([]);
    for (const client of clients) expect((await client.post('/auth/refresh')).status).toBe(200);
    const revoked = await sql<{ count: string }>('SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL AND revoke_reason = $1', ['refresh_token_reused']);
    expect(Number(revoked[0]!.count)).toBe(0);
  });
});
