import { jest } from '@jest/globals';
import { NotificationListener } from '../../src/database/notification-listener.js';
import { CHANNEL } from '../../src/database/notifications.js';
import { SqlPool } from '../../src/database/sql-pool.js';
import { EventWaiters } from '../../src/shared-signals/event-waiters.js';
import { SecurityEventsRepository } from '../../src/shared-signals/security-events.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { eventually } from '../helpers/eventually.js';
import { HttpClient } from '../helpers/http-client.js';
import {
  CREDENTIAL_CHANGE,
  OTHER_RECEIVER,
  POLL,
  RECEIVER,
  receiverCredentials,
  revokedSession,
  SESSION_REVOKED,
  TestReceiver,
  VERIFICATION,
  type VerifiedSet,
} from '../helpers/ssf-receiver.js';
import { registerAndLogin, TEST_OPERATOR } from '../helpers/users.js';

/**
 * A receiver written from SSF 1.0 and RFC 8936 follows the auth service by
 * poll: discovery, a stream, a verification event, then a session-revoked
 * event for each way a session ends, acknowledged by jti.
 */
let t: TestApp;
let receiver: TestReceiver;
let stream: { stream_id: string; delivery: { endpoint_url: string } };

beforeAll(async () => {
  t = await startTestApp({
    env: { SERVICE_CREDENTIALS: receiverCredentials(`${TEST_SERVICE_CLIENT.clientId}:introspect:${TEST_SERVICE_CLIENT.secret}`), SSF_POLL_MAX_WAIT_SECONDS: '10' },
  });
  receiver = new TestReceiver(t.baseUrl, t.config.tokens.issuer);
  const created = await receiver.createStream({ delivery: { method: POLL }, events_requested: [SESSION_REVOKED, CREDENTIAL_CHANGE, 'urn:example:unknown'], description: 'e2e' });
  expect(created.status).toBe(201);
  stream = created.body;
});
afterAll(() => t?.close());

/** Polls until nothing waits, acknowledging everything it verified; returns the SETs. */
async function drain(): Promise<VerifiedSet[]> {
  const received: VerifiedSet[] = [];
  let ack: string[] = [];
  for (;;) {
    const { sets } = await receiver.receive(stream.delivery.endpoint_url, { returnImmediately: true, ack });
    if (sets.length === 0) return received;
    received.push(...sets);
    ack = sets.map((set) => set.jti);
  }
}

async function signIn() {
  const client = new HttpClient(t.baseUrl);
  const { login, userId, email } = await registerAndLogin(client);
  return { client, userId, email, sessionId: login.body.session.id as string };
}

test('the metadata names the issuer, the JWKS, both delivery methods, the endpoints and HTTP Basic', async () => {
  const metadata = await receiver.metadata();
  expect(metadata).toEqual({
    spec_version: '1_0',
    issuer: t.config.tokens.issuer,
    jwks_uri: `${t.config.tokens.issuer}/.well-known/jwks.json`,
    delivery_methods_supported: ['urn:ietf:rfc:8935', POLL],
    configuration_endpoint: `${t.config.tokens.issuer}/ssf/stream`,
    status_endpoint: `${t.config.tokens.issuer}/ssf/status`,
    verification_endpoint: `${t.config.tokens.issuer}/ssf/verify`,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:7617' }],
    default_subjects: 'ALL',
  });
});

test('a new stream says what it will deliver, and its poll endpoint is the transmitter\'s', () => {
  expect(stream).toMatchObject({
    iss: t.config.tokens.issuer,
    aud: RECEIVER.clientId,
    delivery: { method: POLL, endpoint_url: `${t.config.tokens.issuer}/ssf/poll/${stream.stream_id}` },
    events_requested: [SESSION_REVOKED, CREDENTIAL_CHANGE, 'urn:example:unknown'],
    events_delivered: [SESSION_REVOKED, CREDENTIAL_CHANGE],
    min_verification_interval: 15,
    description: 'e2e',
  });
});

test('a verification event carries the state and names the stream; within the minimum interval a second request gets 429', async () => {
  await drain();
  expect((await receiver.verify(stream.stream_id, 'state-1')).status).toBe(204);
  const again = await receiver.verify(stream.stream_id, 'state-2');
  expect(again.status).toBe(429);
  expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  const [set, ...rest] = await drain();
  expect(rest).toEqual([]);
  expect(set).toMatchObject({ type: VERIFICATION, event: { state: 'state-1' }, payload: { sub_id: { format: 'opaque', id: stream.stream_id } } });
  expect(set!.header).toMatchObject({ typ: 'secevent+jwt', alg: 'ES256' });
  t.clock.advance(15_000);
  expect((await receiver.verify(stream.stream_id)).status).toBe(204);
  expect((await drain()).map((each) => each.event)).toEqual([{}]);
});

test('logout, reuse detection, an admin revocation and a password change each send session-revoked for the right session, with the reason', async () => {
  await drain();
  const loggedOut = await signIn();
  expect((await loggedOut.client.post('/auth/logout')).status).toBe(204);

  const stolen = await signIn();
  const oldRefresh = stolen.client.cookieValue('__Secure-refresh')!;
  expect((await stolen.client.post('/auth/refresh')).status).toBe(200);
  t.clock.advance(11_000);
  stolen.client.setCookie('__Secure-refresh', oldRefresh, '/auth');
  expect((await stolen.client.post('/auth/refresh')).body.error).toBe('refresh_token_reused');

  const admin = await signIn();
  await t.module.get(UsersService).changeRole(admin.email, 'admin', true, TEST_OPERATOR);
  const victim = await signIn();
  expect((await admin.client.post(`/admin/sessions/${victim.sessionId}/revoke`)).status).toBe(200);

  // A password change through its route ends the user's other sessions and keeps the one that made it.
  const changer = await signIn();
  const second = new HttpClient(t.baseUrl);
  const secondLogin = await second.post('/auth/login', { email: changer.email, password: 'correct horse battery staple' });
  expect((await changer.client.post('/auth/password', { currentPassword: 'correct horse battery staple', newPassword: 'a new and longer passphrase' })).status).toBe(200);

  const sets = await drain();
  const revoked = (sessionId: string) => sets.find((set) => revokedSession(set) === sessionId);
  expect(revoked(loggedOut.sessionId)?.event).toMatchObject({ initiating_entity: 'user', reason_admin: { en: 'logout' } });
  expect(revoked(stolen.sessionId)?.event).toMatchObject({ initiating_entity: 'policy', reason_admin: { en: 'refresh_token_reused' } });
  expect(revoked(victim.sessionId)?.event).toMatchObject({ initiating_entity: 'admin', reason_admin: { en: 'admin' } });
  expect(revoked(changer.sessionId)).toBeUndefined();
  for (const sessionId of [secondLogin.body.session.id as string]) {
    expect(revoked(sessionId)?.event).toMatchObject({ initiating_entity: 'user', reason_admin: { en: 'password_changed' } });
    expect(revoked(sessionId)?.payload.sub_id).toEqual({
      format: 'complex',
      user: { format: 'iss_sub', iss: t.config.tokens.issuer, sub: changer.userId },
      session: { format: 'opaque', id: sessionId },
    });
  }
  const credentialChange = sets.filter((set) => set.type === CREDENTIAL_CHANGE);
  expect(credentialChange).toHaveLength(1);
  expect(credentialChange[0]!.payload.sub_id).toEqual({ format: 'iss_sub', iss: t.config.tokens.issuer, sub: changer.userId });
  expect(credentialChange[0]!.event).toMatchObject({ credential_type: 'password', change_type: 'update' });
  // One cause, one txn: the password change's session-revoked and credential-change events share it.
  expect(new Set(sets.filter((set) => set.payload.sub_id.user?.sub === changer.userId || set.payload.sub_id.sub === changer.userId).map((set) => set.payload.txn)).size).toBe(1);
  expect(sets).toHaveLength(5);
  expect(new Set(sets.map((set) => set.jti)).size).toBe(5);
});

test('unacknowledged events come again with the same jti; acknowledged ones never; maxEvents pages with moreAvailable', async () => {
  await drain();
  const users = [await signIn(), await signIn(), await signIn()];
  for (const user of users) await user.client.post('/auth/logout');

  const first = await receiver.receive(stream.delivery.endpoint_url, { returnImmediately: true, maxEvents: 2 });
  expect(first.sets).toHaveLength(2);
  expect(first.moreAvailable).toBe(true);
  const again = await receiver.receive(stream.delivery.endpoint_url, { returnImmediately: true, maxEvents: 2 });
  expect(again.sets.map((set) => set.jti)).toEqual(first.sets.map((set) => set.jti));

  const rest = await receiver.receive(stream.delivery.endpoint_url, { returnImmediately: true, maxEvents: 10, ack: first.sets.map((set) => set.jti) });
  expect(rest.sets.map(revokedSession)).toEqual([users[2]!.sessionId]);
  expect(rest.moreAvailable).toBe(false);

  // An error report ends delivery too (RFC 8936 §2.4.4); maxEvents 0 only acknowledges.
  const ended = await receiver.poll(stream.delivery.endpoint_url, { maxEvents: 0, setErrs: { [rest.sets[0]!.jti]: { err: 'invalid_request', description: 'test' } } });
  expect(ended.body).toEqual({ sets: {}, moreAvailable: false });
  expect(await drain()).toEqual([]);
});

test('a long poll waits for the next event and answers as soon as it is written, holding no database connection meanwhile', async () => {
  await drain();
  const user = await signIn();
  const waiting = receiver.receive(stream.delivery.endpoint_url, { maxEvents: 10 });
  await eventually(() => t.module.get(EventWaiters).isWaiting(stream.stream_id));
  const pool = t.module.get(SqlPool);
  expect(pool.totalCount - pool.idleCount).toBe(0);
  await user.client.post('/auth/logout');
  const { sets } = await waiting;
  expect(sets.map(revokedSession)).toEqual([user.sessionId]);
  await drain();
});

test("an event written between the poll's empty look and its wait still wakes it", async () => {
  await drain();
  const user = await signIn();
  const outbox = t.module.get(SecurityEventsRepository);
  const look = outbox.waitingForPoll.bind(outbox);
  let looked!: () => void;
  const lookedOnce = new Promise<void>((resolve) => (looked = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  jest.spyOn(outbox, 'waitingForPoll').mockImplementationOnce(async (...args) => {
    const events = await look(...args);
    looked();
    await held;
    return events;
  });
  // Registered after the poll's own handler: when this one runs, the poll's has run too.
  const notified = new Promise<void>((resolve) => t.module.get(NotificationListener).on(CHANNEL.securityEvents, () => resolve()));

  const waiting = receiver.receive(stream.delivery.endpoint_url, { maxEvents: 10 });
  await lookedOnce;
  await user.client.post('/auth/logout');
  await notified;
  release();
  // The poll would otherwise sit out its 10 s wait and find the event only then.
  let timer: NodeJS.Timeout | undefined;
  const answer = await Promise.race([waiting, new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 5000)))]);
  clearTimeout(timer);
  expect(answer === 'still waiting' ? answer : answer.sets.map(revokedSession)).toEqual([user.sessionId]);
  await drain();
});

test('a paused stream holds events and hands them out once enabled; a disabled one drops them', async () => {
  await drain();
  const status = await receiver.metadata().then((metadata) => metadata.status_endpoint as string);
  const set = (value: string) => receiver.request('POST', status, { stream_id: stream.stream_id, status: value, reason: 'maintenance' });
  expect((await set('paused')).body).toEqual({ stream_id: stream.stream_id, status: 'paused', reason: 'maintenance' });
  const held = await signIn();
  await held.client.post('/auth/logout');
  expect((await receiver.receive(stream.delivery.endpoint_url)).sets).toEqual([]);
  expect((await set('enabled')).body.status).toBe('enabled');
  expect((await drain()).map(revokedSession)).toEqual([held.sessionId]);

  await set('disabled');
  const dropped = await signIn();
  await dropped.client.post('/auth/logout');
  expect((await receiver.request('GET', `${status}?stream_id=${stream.stream_id}`)).body.status).toBe('disabled');
  await set('enabled');
  expect(await drain()).toEqual([]);
});

describe('isolation and credentials', () => {
  let other: TestReceiver;
  beforeAll(() => {
    other = new TestReceiver(t.baseUrl, t.config.tokens.issuer, OTHER_RECEIVER);
  });

  test('another receiver cannot read, change, delete, poll, verify or see the status of this stream: 404, as for no stream', async () => {
    const metadata = await receiver.metadata();
    const id = stream.stream_id;
    const answers = [
      await other.request('GET', `${metadata.configuration_endpoint}?stream_id=${id}`),
      await other.request('PATCH', metadata.configuration_endpoint, { stream_id: id, description: 'mine now' }),
      await other.request('PUT', metadata.configuration_endpoint, { stream_id: id }),
      await other.request('DELETE', `${metadata.configuration_endpoint}?stream_id=${id}`),
      await other.request('GET', `${metadata.status_endpoint}?stream_id=${id}`),
      await other.request('POST', metadata.status_endpoint, { stream_id: id, status: 'disabled' }),
      await other.request('POST', metadata.verification_endpoint, { stream_id: id }),
      await other.poll(stream.delivery.endpoint_url, { returnImmediately: true }),
    ];
    expect(answers.map((answer) => [answer.status, answer.body?.error])).toEqual(Array(answers.length).fill([404, 'stream_not_found']));
    expect((await other.request('GET', metadata.configuration_endpoint)).body).toEqual([]);
    expect((await receiver.request('GET', `${metadata.configuration_endpoint}?stream_id=${id}`)).body.description).toBe('e2e');
  });

  test('a wrong secret or no credential gets 401 with a Basic challenge; a credential without the ssf scope gets 403', async () => {
    const metadata = await receiver.metadata();
    const wrong = await receiver.request('POST', metadata.configuration_endpoint, {}, { clientId: RECEIVER.clientId, secret: 'x'.repeat(40) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await receiver.request('POST', stream.delivery.endpoint_url, { returnImmediately: true }, null)).status).toBe(401);
    const unscoped = await receiver.request('GET', metadata.configuration_endpoint, undefined, TEST_SERVICE_CLIENT);
    expect(unscoped.status).toBe(403);
    expect(unscoped.body.error).toBe('insufficient_scope');
  });
});

describe('stream management', () => {
  test('PATCH changes what it names; repeated transmitter-supplied properties must match; PUT clears what it leaves out; DELETE ends the stream', async () => {
    const created = (await receiver.createStream({ description: 'temporary' })).body;
    expect(created.delivery.method).toBe(POLL);
    expect(created.events_requested).toEqual([SESSION_REVOKED, CREDENTIAL_CHANGE]);
    const endpoint = (await receiver.metadata()).configuration_endpoint;

    const patched = await receiver.request('PATCH', endpoint, { ...created, events_requested: [SESSION_REVOKED] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'temporary', events_delivered: [SESSION_REVOKED] });

    const wrongIssuer = await receiver.request('PATCH', endpoint, { stream_id: created.stream_id, iss: 'https://elsewhere.example' });
    expect(wrongIssuer.status).toBe(400);
    expect(wrongIssuer.body.details).toEqual([{ field: 'iss', reason: expect.any(String) }]);

    const replaced = await receiver.request('PUT', endpoint, { stream_id: created.stream_id, delivery: { method: POLL } });
    expect(replaced.body.events_requested).toEqual([]);
    expect(replaced.body).not.toHaveProperty('description');

    expect((await receiver.request('DELETE', `${endpoint}?stream_id=${created.stream_id}`)).status).toBe(204);
    expect((await receiver.request('GET', `${endpoint}?stream_id=${created.stream_id}`)).status).toBe(404);
    expect((await receiver.request('DELETE', `${endpoint}?stream_id=not-a-stream`)).status).toBe(404);
  });

  test('bad input is a 400 naming the field and creates nothing', async () => {
    const endpoint = (await receiver.metadata()).configuration_endpoint;
    const before = (await receiver.request('GET', endpoint)).body.length;
    for (const body of [
      { delivery: { method: 'urn:example:carrier-pigeon' } },
      { delivery: { method: POLL, endpoint_url: 'https://receiver.example/mine' } },
      { events_requested: 'all' },
      { surprise: true },
      { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://receiver.example/x', authorization_header: 'Bearer a\r\nX-Evil: 1' } },
    ]) {
      const answer = await receiver.request('POST', endpoint, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
    }
    expect((await receiver.request('GET', endpoint)).body).toHaveLength(before);
  });

  test('a new stream first gets the sessions revoked while their tokens may still be in use', async () => {
    const user = await signIn();
    await user.client.post('/auth/logout');
    const late = (await receiver.createStream({})).body;
    const { sets } = await receiver.receive(late.delivery.endpoint_url);
    expect(sets.map(revokedSession)).toContain(user.sessionId);
    await receiver.request('DELETE', `${(await receiver.metadata()).configuration_endpoint}?stream_id=${late.stream_id}`);
  });
});
