import { AUDIT_EVENT } from '../../src/audit/audit-entry.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { REVOKE_REASON, SessionRevoker } from '../../src/sessions/session-revoker.js';
import { PushDelivery } from '../../src/shared-signals/push-delivery.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { HttpClient } from '../helpers/http-client.js';
import { delta, parsePrometheus } from '../helpers/prometheus.js';
import {
  PUSH,
  PushEndpoint,
  RECEIVER,
  receiverCredentials,
  revokedSession,
  SESSION_REVOKED,
  TestReceiver,
  VERIFICATION,
} from '../helpers/ssf-receiver.js';
import { registerAndLogin, TEST_CLIENT, TEST_OPERATOR } from '../helpers/users.js';

/**
 * RFC 8935 push from the auth service to a receiver's endpoint on this
 * machine (loopback is allowed under NODE_ENV=test only): verification and
 * revocations pushed with the receiver's authorization, retries with
 * backoff on the test's clock, dead letters visible to ops and queued
 * again, and addresses the configuration does not allow refused.
 */
const MAX_ATTEMPTS = 4;
let t: TestApp;
let receiver: TestReceiver;
let endpoint: PushEndpoint;
let admin: HttpClient;
let streamId: string;

beforeAll(async () => {
  t = await startTestApp({
    env: { SERVICE_CREDENTIALS: receiverCredentials(''), SSF_PUSH_MAX_ATTEMPTS: String(MAX_ATTEMPTS), SSF_PUSH_RETRY_BASE_MS: '1000' },
  });
  receiver = new TestReceiver(t.baseUrl, t.config.tokens.issuer);
  endpoint = await new PushEndpoint().start();
  const created = await receiver.createStream({
    delivery: { method: PUSH, endpoint_url: endpoint.url, authorization_header: 'Bearer receiver-push-secret' },
    events_requested: [SESSION_REVOKED],
  });
  expect(created.status).toBe(201);
  streamId = created.body.stream_id;
  admin = new HttpClient(t.baseUrl);
  const { email } = await registerAndLogin(admin);
  await t.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
});
afterAll(async () => {
  await t?.close();
  await endpoint?.stop();
});

async function logout(): Promise<string> {
  const client = new HttpClient(t.baseUrl);
  const { login } = await registerAndLogin(client);
  await client.post('/auth/logout');
  return login.body.session.id as string;
}

/** Lets the attempt under way record its outcome (a round already running is joined). */
async function settle(): Promise<void> {
  await t.module.get(PushDelivery).deliverDue();
}

/** Moves the clock past the longest backoff after `attempts` failures, and waits for the worker to push once more. */
async function nextAttempt(attempts: number): Promise<void> {
  const pushed = endpoint.requests.length;
  t.clock.advance(1000 * 2 ** (attempts - 1) + 1);
  // A sweep that began before the clock moved may be joined first; the one after it sees the event due.
  await eventually(async () => {
    await settle();
    return endpoint.requests.length > pushed;
  });
  await settle();
}

test('the stream shows the receiver\'s endpoint but never its authorization', async () => {
  const read = await receiver.request('GET', `/ssf/stream?stream_id=${streamId}`);
  expect(read.body.delivery).toEqual({ method: PUSH, endpoint_url: endpoint.url });
  expect(JSON.stringify(read.body)).not.toContain('receiver-push-secret');
  const stored = await t.prisma.ssfStream.findUniqueOrThrow({ where: { id: streamId } });
  expect(Buffer.from(stored.authorizationCiphertext!).includes(Buffer.from('receiver-push-secret'))).toBe(false);
});

test('a verification event and a logout are pushed at once, as application/secevent+jwt with the receiver\'s authorization', async () => {
  const before = endpoint.requests.length;
  expect((await receiver.verify(streamId, 'push-state')).status).toBe(204);
  const sessionId = await logout();
  await eventually(() => endpoint.requests.length >= before + 2);
  const pushed = endpoint.requests.slice(before);
  for (const request of pushed) {
    expect(request.authorization).toBe('Bearer receiver-push-secret');
    expect(request.contentType).toBe('application/secevent+jwt');
  }
  const sets = await Promise.all(pushed.map((request) => receiver.verifySet(request.body)));
  expect(sets.find((set) => set.type === VERIFICATION)?.event).toEqual({ state: 'push-state' });
  expect(sets.map(revokedSession)).toContain(sessionId);
});

test('reuse detection, an admin revocation and a password change are pushed as session-revoked too, with their reasons', async () => {
  const before = endpoint.requests.length;
  const stolen = new HttpClient(t.baseUrl);
  const stolenLogin = (await registerAndLogin(stolen)).login;
  const oldRefresh = stolen.cookieValue('__Secure-refresh')!;
  await stolen.post('/auth/refresh');
  t.clock.advance(11_000);
  stolen.setCookie('__Secure-refresh', oldRefresh, '/auth');
  expect((await stolen.post('/auth/refresh')).body.error).toBe('refresh_token_reused');

  const victim = new HttpClient(t.baseUrl);
  const victimLogin = (await registerAndLogin(victim)).login;
  expect((await admin.post(`/admin/sessions/${victimLogin.body.session.id}/revoke`)).status).toBe(200);

  // The password-change flow is built elsewhere; it ends the sessions through the revoker, as here.
  const changer = new HttpClient(t.baseUrl);
  const changed = await registerAndLogin(changer);
  await t.module.get(SessionRevoker).revokeAllForUser(changed.userId, REVOKE_REASON.passwordChanged, {
    type: AUDIT_EVENT.passwordChanged,
    actor: changed.userId,
    client: TEST_CLIENT,
  });

  await eventually(() => endpoint.requests.length >= before + 3);
  await settle();
  const sets = await Promise.all(endpoint.requests.slice(before).map((request) => receiver.verifySet(request.body)));
  const reasonFor = (sessionId: string) => sets.find((set) => revokedSession(set) === sessionId)?.event.reason_admin.en;
  expect(reasonFor(stolenLogin.body.session.id)).toBe('refresh_token_reused');
  expect(reasonFor(victimLogin.body.session.id)).toBe('admin');
  expect(reasonFor(changed.login.body.session.id)).toBe('password_changed');
  // This stream asked for session-revoked only: no credential-change comes.
  expect(sets.every((set) => set.type === SESSION_REVOKED)).toBe(true);
});

test('a receiver that fails three times receives the event on the fourth attempt, every time with the same jti', async () => {
  endpoint.respondWith('fail', 'fail', 'fail');
  const before = endpoint.requests.length;
  const sessionId = await logout();
  await eventually(() => endpoint.requests.length === before + 1);
  for (let attempts = 1; attempts <= 3; attempts++) {
    await settle();
    // Not due again before its backoff (at least half of 1 s × 2^(attempts-1)): the worker pushes nothing.
    await settle();
    expect(endpoint.requests.length).toBe(before + attempts);
    await nextAttempt(attempts);
    expect(endpoint.requests.length).toBe(before + attempts + 1);
  }
  const attempts = endpoint.requests.slice(before);
  expect(new Set(attempts.map((request) => request.jti)).size).toBe(1);
  expect(revokedSession(await receiver.verifySet(attempts[3]!.body))).toBe(sessionId);
  const event = await t.prisma.ssfEvent.findUniqueOrThrow({ where: { jti: attempts[0]!.jti } });
  expect(event).toMatchObject({ attempts: 4, deadAt: null, nextAttemptAt: null });
  expect(event.deliveredAt).not.toBeNull();
});

test('after SSF_PUSH_MAX_ATTEMPTS failures an event is dead-lettered, listed for ops, and delivered once queued again', async () => {
  endpoint.respondWith(...Array<'fail'>(MAX_ATTEMPTS).fill('fail'));
  const before = endpoint.requests.length;
  const scrape = async () => parsePrometheus((await t.module.get(Metrics).exposition()).body);
  const countsBefore = await scrape();
  const sessionId = await logout();
  await eventually(() => endpoint.requests.length === before + 1);
  await settle();
  for (let attempts = 1; attempts < MAX_ATTEMPTS; attempts++) await nextAttempt(attempts);
  expect(endpoint.requests.length).toBe(before + MAX_ATTEMPTS);
  t.clock.advance(60 * 60 * 1000);
  await settle();
  await settle();
  expect(endpoint.requests.length).toBe(before + MAX_ATTEMPTS);
  const countsAfter = await scrape();
  expect(delta(countsBefore, countsAfter, 'auth_ssf_push_attempts_total{outcome="failed"}')).toBe(MAX_ATTEMPTS - 1);
  expect(delta(countsBefore, countsAfter, 'auth_ssf_push_attempts_total{outcome="dead_lettered"}')).toBe(1);

  const streams = await admin.get('/admin/ssf/streams');
  expect(streams.body.streams).toEqual([
    expect.objectContaining({ streamId, clientId: RECEIVER.clientId, delivery: 'push', endpointUrl: endpoint.url, waiting: 0, deadLettered: 1 }),
  ]);
  const dead = await admin.get(`/admin/ssf/streams/${streamId}/dead-letters`);
  expect(dead.body.events).toEqual([
    expect.objectContaining({ eventType: SESSION_REVOKED, attempts: MAX_ATTEMPTS, lastError: 'HTTP 503 temporarily_unavailable' }),
  ]);

  const retried = await admin.post(`/admin/ssf/streams/${streamId}/dead-letters/retry`);
  expect(retried.body).toEqual({ streamId, requeued: 1 });
  await eventually(() => endpoint.requests.length === before + MAX_ATTEMPTS + 1);
  await settle();
  const last = endpoint.requests.at(-1)!;
  expect(last.jti).toBe(dead.body.events[0].jti);
  expect(revokedSession(await receiver.verifySet(last.body))).toBe(sessionId);
  expect((await admin.get('/admin/ssf/streams')).body.streams[0]).toMatchObject({ waiting: 0, deadLettered: 0 });
  const audit = await admin.get('/admin/audit?type=security_events_requeued');
  expect(audit.body.events).toHaveLength(1);
});

test('a paused push stream holds its events and pushes them when enabled again', async () => {
  await receiver.request('POST', '/ssf/status', { stream_id: streamId, status: 'paused' });
  const before = endpoint.requests.length;
  const sessionId = await logout();
  await settle();
  await settle();
  expect(endpoint.requests.length).toBe(before);
  await receiver.request('POST', '/ssf/status', { stream_id: streamId, status: 'enabled' });
  await eventually(async () => {
    await settle();
    return endpoint.requests.length > before;
  });
  expect(revokedSession(await receiver.verifySet(endpoint.requests.at(-1)!.body))).toBe(sessionId);
});

test('a push endpoint the configuration does not allow is refused when the stream is created or changed, naming the field', async () => {
  const refused = [
    'http://10.1.2.3/events',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/events',
    'http://[fd00::1]/events',
    'http://[::ffff:192.168.1.1]/events',
    'http://0.0.0.0/events',
    'http://224.0.0.1/events',
    'ftp://receiver.example/events',
    'http://user:password@127.0.0.1/events',
    'not a url',
  ];
  for (const endpointUrl of refused) {
    const answer = await receiver.createStream({ delivery: { method: PUSH, endpoint_url: endpointUrl } });
    expect([endpointUrl, answer.status, answer.body.details?.[0]?.field]).toEqual([endpointUrl, 400, 'delivery.endpoint_url']);
  }
  const changed = await receiver.request('PATCH', '/ssf/stream', { stream_id: streamId, delivery: { method: PUSH, endpoint_url: 'http://10.0.0.1/' } });
  expect(changed.status).toBe(400);
  expect((await receiver.request('GET', `/ssf/stream?stream_id=${streamId}`)).body.delivery.endpoint_url).toBe(endpoint.url);
  expect(await t.prisma.ssfStream.count()).toBe(1);
});
