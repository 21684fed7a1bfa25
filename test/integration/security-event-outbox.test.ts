import { AUDIT_EVENT } from '../../src/audit/audit-entry.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { PushDelivery } from '../../src/shared-signals/push-delivery.service.js';
import { EVENT_TYPE } from '../../src/shared-signals/security-events.js';
import { StreamsService } from '../../src/shared-signals/streams.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { ControllableRandom } from '../helpers/controllable-random.js';
import { eventually } from '../helpers/eventually.js';
import { PUSH, PushEndpoint } from '../helpers/ssf-receiver.js';
import { PASSWORD, TEST_CLIENT, uniqueEmail } from '../helpers/users.js';

/** The outbox against a real PostgreSQL: written with the revocation or not at all, addressed exactly once per stream, pushed once per instance pair. */
const client = TEST_CLIENT;
const random = new ControllableRandom();
let t: TestContext;

beforeAll(async () => {
  t = await startTestContext({ random });
});
afterAll(() => t?.close());

async function signedIn(count = 1) {
  const email = uniqueEmail('outbox');
  await t.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
  return Promise.all(Array.from({ length: count }, () => t.module.get(SignInService).login(email, PASSWORD, client)));
}

async function eventsFor(streamId: string, sessionId: string) {
  const rows = await t.prisma.ssfEvent.findMany({ where: { streamId, eventType: EVENT_TYPE.sessionRevoked } });
  return rows.filter((row) => (row.claims as { sub_id: { session: { id: string } } }).sub_id.session.id === sessionId);
}

test('an event cannot be lost: when writing it fails, the revocation rolls back with it', async () => {
  const stream = await t.module.get(StreamsService).create('outbox-receiver', {});
  const [login] = await signedIn();
  random.failNextUuidWith(new Error('the outbox write fails'));
  await expect(t.module.get(SessionsService).logout({ refreshToken: login!.refreshToken }, client)).rejects.toThrow('the outbox write fails');
  const session = await t.prisma.session.findUniqueOrThrow({ where: { id: login!.session.id } });
  expect(session.revokedAt).toBeNull();
  expect(await t.prisma.auditEvent.count({ where: { sessionId: login!.session.id, type: AUDIT_EVENT.logout } })).toBe(0);

  await t.module.get(SessionsService).logout({ refreshToken: login!.refreshToken }, client);
  expect(await eventsFor(stream.stream_id, login!.session.id)).toHaveLength(1);
  await t.module.get(StreamsService).delete('outbox-receiver', stream.stream_id);
});

test('a revocation is addressed to every stream that asked for the event and is not disabled, and to no other', async () => {
  const streams = t.module.get(StreamsService);
  const asked = await streams.create('a', {});
  const paused = await streams.create('b', {});
  await streams.setStatus('b', paused.stream_id, 'paused', undefined);
  const disabled = await streams.create('c', {});
  await streams.setStatus('c', disabled.stream_id, 'disabled', undefined);
  const other = await streams.create('d', { events_requested: [EVENT_TYPE.credentialChange] });

  const [login] = await signedIn();
  await t.module.get(SessionsService).logout({ refreshToken: login!.refreshToken }, client);
  expect(await eventsFor(asked.stream_id, login!.session.id)).toHaveLength(1);
  expect(await eventsFor(paused.stream_id, login!.session.id)).toHaveLength(1);
  expect(await eventsFor(disabled.stream_id, login!.session.id)).toHaveLength(0);
  expect(await eventsFor(other.stream_id, login!.session.id)).toHaveLength(0);
  const [row] = await eventsFor(asked.stream_id, login!.session.id);
  expect(row!.claims).toMatchObject({ aud: 'a', iss: t.config.tokens.issuer });
  for (const [owner, stream] of [['a', asked], ['b', paused], ['c', disabled], ['d', other]] as const) await streams.delete(owner, stream.stream_id);
});

test('a stream created while revocations commit gets each of them exactly once: from the revocation, or from its own backfill', async () => {
  const sessions = t.module.get(SessionsService);
  const seen = { backfilled: 0, addressed: 0 };
  // Each round races one creation against 16 logouts, with one logout certainly before the creation (backfilled) and one certainly after (addressed).
  for (let round = 0; round < 3; round++) {
    const [early, late, ...racing] = await signedIn(18);
    await sessions.logout({ refreshToken: early!.refreshToken }, client);
    const before = await t.prisma.session.count({ where: { revokedAt: { not: null } } });
    const logouts = racing.map((login) => sessions.logout({ refreshToken: login.refreshToken }, client));
    await eventually(async () => (await t.prisma.session.count({ where: { revokedAt: { not: null } } })) > before, 'a racing revocation is written', 10_000);
    const stream = await t.module.get(StreamsService).create(`racer-${round}`, {});
    await Promise.all(logouts);
    await sessions.logout({ refreshToken: late!.refreshToken }, client);
    const written = await t.prisma.ssfEvent.findMany({ where: { streamId: stream.stream_id } });
    const paths = new Map<string, 'backfilled' | 'addressed'>();
    for (const login of [early!, late!, ...racing]) {
      const events = await eventsFor(stream.stream_id, login.session.id);
      expect([login.session.id, events.length]).toEqual([login.session.id, 1]);
      const txn = (events[0]!.claims as { txn: string }).txn;
      // Everything the backfill wrote shares its one txn, with sessions of earlier tests and rounds; a logout's own write is alone in its txn.
      const path = written.filter((row) => (row.claims as { txn: string }).txn === txn).length > 1 ? 'backfilled' : 'addressed';
      paths.set(login.session.id, path);
      seen[path] += 1;
    }
    expect([paths.get(early!.session.id), paths.get(late!.session.id)]).toEqual(['backfilled', 'addressed']);
    await t.module.get(StreamsService).delete(`racer-${round}`, stream.stream_id);
  }
  expect(seen.backfilled).toBeGreaterThan(0);
  expect(seen.addressed).toBeGreaterThan(0);
});

test('two instances pushing at once push each event once', async () => {
  const endpoint = await new PushEndpoint().start();
  const second = await startTestContext({ database: t.database });
  try {
    const stream = await t.module.get(StreamsService).create('pushed', { delivery: { method: PUSH, endpoint_url: endpoint.url } });
    const logins = await signedIn(30);
    await t.module.get(SessionsService).logoutAll(logins[0]!.user.id, client);
    const workers = [t.module.get(PushDelivery), second.module.get(PushDelivery)];
    await Promise.all([...workers.map((worker) => worker.deliverDue()), ...workers.map((worker) => worker.deliverDue())]);
    await Promise.all(workers.map((worker) => worker.deliverDue()));
    // The stream's backfill (the sessions earlier tests revoked) and the 30 of logout-all, each pushed once.
    const written = await t.prisma.ssfEvent.findMany({ where: { streamId: stream.stream_id }, select: { jti: true, deliveredAt: true } });
    expect(written.length).toBeGreaterThanOrEqual(30);
    const jtis = endpoint.requests.map((request) => request.jti);
    expect(jtis.sort()).toEqual(written.map((row) => row.jti).sort());
    expect(written.every((row) => row.deliveredAt !== null)).toBe(true);
    await t.module.get(StreamsService).delete('pushed', stream.stream_id);
  } finally {
    await second.close();
    await endpoint.stop();
  }
});
