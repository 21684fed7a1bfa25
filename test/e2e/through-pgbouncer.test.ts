import { PrismaService } from '../../src/database/prisma.service.js';
import { SqlPool } from '../../src/database/sql-pool.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { HttpClient } from '../helpers/http-client.js';
import { TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { infrastructureAvailable, type PgBouncer, startPgBouncer } from '../helpers/infrastructure.js';
import { eventually } from '../helpers/eventually.js';
import { PUSH, PushEndpoint, revokedSession, TestReceiver } from '../helpers/ssf-receiver.js';
import { registerAndLogin, TEST_OPERATOR } from '../helpers/users.js';

// The core of the contract a second time, with DATABASE_URL going through
// Debian's PgBouncer in transaction mode (LISTEN and migrations use the
// direct URL), and the server-side timeouts checked where the pooler keeps
// them: in each transaction.
const available = infrastructureAvailable('pgbouncer');
const describeIf = available ? describe : describe.skip;

describeIf('through PgBouncer in transaction mode', () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    bouncer = await startPgBouncer({ host: target.hostname, port: Number(target.port) });
    t = await startTestApp({
      database: { url: bouncer.urlFor(database.url), drop: async () => {} },
      env: { DATABASE_POOLER: 'transaction', DATABASE_DIRECT_URL: database.url, REFRESH_GRACE_SECONDS: '10' },
    });
  });
  afterAll(async () => {
    await t?.close();
    bouncer?.stop();
    await database?.drop();
  });

  test('login, then 20 concurrent refreshes of one token: one child, one identical answer for all', async () => {
    const client = new HttpClient(t.baseUrl);
    const { login } = await registerAndLogin(client);
    const token = client.cookieValue('__Secure-refresh')!;
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => {
        const holder = new HttpClient(t.baseUrl);
        holder.setCookie('__Secure-refresh', token, '/auth');
        return holder.post('/auth/refresh').then((reply) => ({ reply, child: holder.cookieValue('__Secure-refresh') }));
      }),
    );
    expect(replies.map(({ reply }) => reply.status)).toEqual(Array(20).fill(200));
    expect(new Set(replies.map(({ child }) => child)).size).toBe(1);
    expect(await t.prisma.refreshToken.count({ where: { sessionId: login.body.session.id } })).toBe(2);
  });

  test('a replay after the grace window revokes the family; logout and an admin revocation end sessions at once', async () => {
    const client = new HttpClient(t.baseUrl);
    const { login, email } = await registerAndLogin(client);
    const stolen = client.cookieValue('__Secure-refresh')!;
    expect((await client.post('/auth/refresh')).status).toBe(200);
    t.clock.advanceSeconds(11);
    const thief = new HttpClient(t.baseUrl);
    thief.setCookie('__Secure-refresh', stolen, '/auth');
    expect((await thief.post('/auth/refresh')).body.error).toBe('refresh_token_reused');
    expect((await client.get('/auth/me')).body.error).toBe('session_revoked');
    t.clock.reset();

    const other = new HttpClient(t.baseUrl);
    await other.post('/auth/login', { email, password: 'correct horse battery staple' });
    expect((await other.get('/auth/me')).status).toBe(200);
    expect((await other.post('/auth/logout')).status).toBe(204);
    expect((await other.get('/auth/me')).status).toBe(401);

    const admin = new HttpClient(t.baseUrl);
    const { email: adminEmail } = await registerAndLogin(admin);
    await t.module.get(UsersService).changeRole(adminEmail, 'admin', true, TEST_OPERATOR);
    const victim = new HttpClient(t.baseUrl);
    const { login: victimLogin } = await registerAndLogin(victim);
    expect((await victim.get('/auth/me')).status).toBe(200);
    const revoked = await admin.post(`/admin/sessions/${victimLogin.body.session.id}/revoke`);
    expect(revoked.body).toMatchObject({ revoked: true });
    expect((await victim.get('/auth/me')).status).toBe(401);
    expect(await t.prisma.session.count({ where: { id: login.body.session.id, revokeReason: 'refresh_token_reused' } })).toBe(1);
  });

  test('Shared Signals through the pooler: a long poll is woken by a logout\'s commit, and its push is claimed and delivered', async () => {
    const endpoint = await new PushEndpoint().start();
    try {
      const receiver = new TestReceiver(t.baseUrl, t.config.tokens.issuer, TEST_SERVICE_CLIENT);
      const polled = (await receiver.createStream({})).body;
      await receiver.createStream({ delivery: { method: PUSH, endpoint_url: endpoint.url } });
      const backlog = await receiver.receive(polled.delivery.endpoint_url);
      await receiver.poll(polled.delivery.endpoint_url, { maxEvents: 0, ack: backlog.sets.map((set) => set.jti) });
      const client = new HttpClient(t.baseUrl);
      const { login } = await registerAndLogin(client);
      const waiting = receiver.receive(polled.delivery.endpoint_url, { maxEvents: 10 });
      expect((await client.post('/auth/logout')).status).toBe(204);
      expect((await waiting).sets.map(revokedSession)).toEqual([login.body.session.id]);
      // The push stream's backfill (the sessions revoked earlier in this file) comes first; then the logout.
      const sessionOf = (body: string) => JSON.parse(Buffer.from(body.split('.')[1]!, 'base64url').toString()).sub_id?.session?.id;
      const pushed = await eventually(() => endpoint.requests.find((request) => sessionOf(request.body) === login.body.session.id));
      expect(revokedSession(await receiver.verifySet(pushed.body))).toBe(login.body.session.id);
    } finally {
      await endpoint.stop();
    }
  });

  test('the server-side timeouts and the UTC time zone hold inside every transaction the service opens through the pooler', async () => {
    const settings = "SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement, current_setting('TimeZone') AS zone";
    const viaPool = await t.module.get(SqlPool).transaction(async (client) => (await client.query(settings)).rows[0]);
    expect(viaPool).toEqual({ lock: '10s', statement: '15s', zone: 'UTC' });
    const viaPrisma = await t.module.get(PrismaService).transaction(async (tx) => (await tx.$queryRawUnsafe<unknown[]>(settings))[0]);
    expect(viaPrisma).toEqual({ lock: '10s', statement: '15s', zone: 'UTC' });
  });
});
