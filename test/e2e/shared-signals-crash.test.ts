import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { HttpClient } from '../helpers/http-client.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { eventually } from '../helpers/eventually.js';
import { POLL, PUSH, PushEndpoint, receiverCredentials, revokedSession, SESSION_REVOKED, TestReceiver } from '../helpers/ssf-receiver.js';
import { registerAndLogin } from '../helpers/users.js';

/**
 * Nothing lost: the built service is killed (SIGKILL) after a logout has
 * committed and while the push of its event hangs; the event is in the
 * outbox, and the next instance delivers it, by push (after three more
 * failures: on the fourth attempt) and by poll, with one jti throughout.
 */
const ISSUER = 'https://auth.example.test';
const ENV = {
  SERVICE_CREDENTIALS: receiverCredentials(''),
  SSF_PUSH_TIMEOUT_MS: '1000',
  SSF_PUSH_RETRY_BASE_MS: '100',
};

let database: TestDatabase;
let endpoint: PushEndpoint;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  endpoint = await new PushEndpoint().start();
});
afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  await endpoint?.stop();
  await database?.drop();
});

async function start(): Promise<ServiceProcess> {
  const service = await startServiceProcess(database.url, ENV);
  processes.push(service);
  return service;
}

test('a revocation committed just before a crash is delivered after the restart, by push and by poll, with the same jti', async () => {
  const first = await start();
  const receiver = new TestReceiver(first.url, ISSUER);
  const pushed = await receiver.createStream({ delivery: { method: PUSH, endpoint_url: endpoint.url }, events_requested: [SESSION_REVOKED] });
  const polled = await receiver.createStream({ delivery: { method: POLL }, events_requested: [SESSION_REVOKED] });
  expect([pushed.status, polled.status]).toEqual([201, 201]);

  const client = new HttpClient(first.url);
  const { login } = await registerAndLogin(client);
  const sessionId = login.body.session.id as string;
  // The first push hangs until the process dies; the next two fail; the fourth is accepted.
  endpoint.respondWith('hang', 'fail', 'fail');
  expect((await client.post('/auth/logout')).status).toBe(204);
  await eventually(() => endpoint.requests.length === 1);
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  const second = await start();
  const restarted = new TestReceiver(second.url, ISSUER);
  // The claim of the dead instance lapses (twice SSF_PUSH_TIMEOUT_MS, plus 5 s), then attempts 2 to 4 follow with backoff.
  await eventually(() => endpoint.requests.length === 4, 'four deliveries', 45_000);
  const jtis = new Set(endpoint.requests.map((request) => request.jti));
  expect(jtis.size).toBe(1);
  expect(revokedSession(await restarted.verifySet(endpoint.requests[3]!.body))).toBe(sessionId);

  const { sets } = await restarted.receive(polled.body.delivery.endpoint_url);
  expect(sets.map(revokedSession)).toEqual([sessionId]);
  expect(jtis.has(sets[0]!.jti)).toBe(false);

  // The fourth answer is recorded: four attempts, one of them by the instance that died.
  const [jti] = [...jtis];
  const row = await eventually(async () => {
    const { rows } = await query<{ attempts: number; delivered: boolean }>(
      'SELECT attempts, delivered_at IS NOT NULL AS delivered FROM ssf_events WHERE jti = $1',
      [jti],
    );
    return rows[0]?.delivered && rows[0];
  });
  expect(row.attempts).toBe(4);
  expect(endpoint.requests).toHaveLength(4);
});

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await client.query<T>(sql, values);
  } finally {
    await client.end();
  }
}
