import { ActiveSessionsGauge } from '../../src/sessions/active-sessions-gauge.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { delta, parsePrometheus } from '../helpers/prometheus.js';
import { PASSWORD, registerAndLogin, TEST_OPERATOR, uniqueEmail } from '../helpers/users.js';

const TOKEN = 'metrics-scrape-token-7f3a9c1e5b2d4f6a8c0e';

async function scrape(t: TestApp): Promise<Map<string, number>> {
  const reply = await new HttpClient(t.baseUrl).get('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(reply.status).toBe(200);
  return parsePrometheus(reply.text);
}

describe('GET /metrics with a scripted scenario', () => {
  let t: TestApp;
  let admin: HttpClient;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: TOKEN, REFRESH_GRACE_SECONDS: '10', METRICS_ACTIVE_SESSIONS_INTERVAL_SECONDS: '0' } });
    admin = new HttpClient(t.baseUrl);
    const { email } = await registerAndLogin(admin);
    await t.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
  });
  afterAll(() => t?.close());

  test('is refused without the token (401), with a wrong one (401), and served as Prometheus text with it', async () => {
    const anonymous = await new HttpClient(t.baseUrl).get('/metrics');
    expect({ status: anonymous.status, error: anonymous.body.error }).toEqual({ status: 401, error: 'authentication_required' });
    const wrong = await new HttpClient(t.baseUrl).get('/metrics', { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
    expect({ status: wrong.status, error: wrong.body.error }).toEqual({ status: 401, error: 'invalid_token' });
    const withAccessToken = await admin.get('/metrics');
    expect(withAccessToken.status).toBe(401);
    const reply = await new HttpClient(t.baseUrl).get('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.text).toContain('# TYPE auth_logins_total counter');
  });

  test('register, login, two refreshes, a grace replay, a reuse and an admin revocation move each counter by exactly that', async () => {
    const before = await scrape(t);

    const user = new HttpClient(t.baseUrl);
    const { userId } = await registerAndLogin(user);
    const first = user.cookieValue('__Secure-refresh')!;
    expect((await user.post('/auth/refresh')).status).toBe(200);
    const second = user.cookieValue('__Secure-refresh')!;
    expect((await user.post('/auth/refresh')).status).toBe(200);
    // The second token again, inside the grace window: its child comes back.
    const replay = new HttpClient(t.baseUrl);
    replay.setCookie('__Secure-refresh', second, '/auth');
    expect((await replay.post('/auth/refresh')).status).toBe(200);
    // The first token after the grace window: reuse, the family is revoked.
    t.clock.advanceSeconds(11);
    const thief = new HttpClient(t.baseUrl);
    thief.setCookie('__Secure-refresh', first, '/auth');
    expect((await thief.post('/auth/refresh')).body.error).toBe('refresh_token_reused');
    // A second session of the user, revoked by an admin.
    const laptop = new HttpClient(t.baseUrl);
    const login = await laptop.post('/auth/login', { email: (await t.prisma.user.findUniqueOrThrow({ where: { id: userId } })).email, password: PASSWORD });
    expect((await admin.post(`/admin/sessions/${login.body.session.id}/revoke`, { reason: 'test' })).body.revoked).toBe(true);

    const after = await scrape(t);
    const moved = (series: string) => delta(before, after, series);
    expect({
      registrations: moved('auth_registrations_total'),
      loginSuccess: moved('auth_logins_total{outcome="success"}'),
      loginInvalid: moved('auth_logins_total{outcome="invalid_credentials"}'),
      rotated: moved('auth_refreshes_total{outcome="rotated"}'),
      graceReplay: moved('auth_refreshes_total{outcome="grace_replay"}'),
      reuse: moved('auth_refreshes_total{outcome="reuse_detected"}'),
      expired: moved('auth_refreshes_total{outcome="expired"}'),
      revoked: moved('auth_refreshes_total{outcome="revoked"}'),
      invalid: moved('auth_refreshes_total{outcome="invalid"}'),
      revokedByReuse: moved('auth_session_revocations_total{cause="reuse"}'),
      revokedByAdmin: moved('auth_session_revocations_total{cause="admin"}'),
      revokedByLogout: moved('auth_session_revocations_total{cause="logout"}'),
      refreshes2xx: moved('http_request_duration_seconds_count{method="POST",route="/auth/refresh",status_class="2xx"}'),
      refreshes4xx: moved('http_request_duration_seconds_count{method="POST",route="/auth/refresh",status_class="4xx"}'),
      adminRevocations2xx: moved('http_request_duration_seconds_count{method="POST",route="/admin/sessions/:id/revoke",status_class="2xx"}'),
    }).toEqual({
      registrations: 1,
      loginSuccess: 2,
      loginInvalid: 0,
      rotated: 2,
      graceReplay: 1,
      reuse: 1,
      expired: 0,
      revoked: 0,
      invalid: 0,
      revokedByReuse: 1,
      revokedByAdmin: 1,
      revokedByLogout: 0,
      refreshes2xx: 3,
      refreshes4xx: 1,
      adminRevocations2xx: 1,
    });
  });

  test('the gauges: active sessions (counted on its timer), the pool, the argon2 queue, the key age, the process', async () => {
    await t.module.get(ActiveSessionsGauge).refresh();
    const samples = await scrape(t);
    const live = await t.prisma.session.count({ where: { revokedAt: null, idleExpiresAt: { gt: t.clock.now() }, absoluteExpiresAt: { gt: t.clock.now() } } });
    expect(live).toBeGreaterThan(0);
    expect(samples.get('auth_active_sessions')).toBe(live);
    expect(samples.get('auth_password_hash_queue_depth')).toBe(0);
    expect(samples.get('auth_db_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(0);
    expect(samples.get('auth_db_pool_connections{state="waiting"}')).toBe(0);
    expect(samples.get('auth_signing_key_age_seconds')).toBeGreaterThanOrEqual(11);
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect([...samples.keys()].some((key) => key.startsWith('auth_password_hash_wait_seconds_bucket'))).toBe(true);
    // Unmatched paths are one series, never the caller's text.
    await new HttpClient(t.baseUrl).get('/no/such/path/12345');
    expect([...(await scrape(t)).keys()].some((key) => key.includes('12345'))).toBe(false);
  });
});

describe('logins refused by the queue and by the rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { METRICS_TOKEN: TOKEN, ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '0', ARGON2_MEMORY_KIB: '8192', RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '6' },
    });
  });
  afterAll(() => t?.close());

  test('each answer is counted once under its outcome: 401 invalid_credentials, 503 queue_full (and a hash rejection), 429 rate_limited', async () => {
    const email = uniqueEmail('metrics');
    expect((await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const before = await scrape(t);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => new HttpClient(t.baseUrl).post('/auth/login', { email, password: 'wrong password!' })),
    );
    const count = (status: number) => replies.filter((reply) => reply.status === status).length;
    expect(count(401) + count(503) + count(429)).toBe(10);
    expect(count(429)).toBe(4);
    expect(count(503)).toBeGreaterThan(0);
    const after = await scrape(t);
    expect({
      invalid: delta(before, after, 'auth_logins_total{outcome="invalid_credentials"}'),
      queueFull: delta(before, after, 'auth_logins_total{outcome="queue_full"}'),
      rateLimited: delta(before, after, 'auth_logins_total{outcome="rate_limited"}'),
      rejections: delta(before, after, 'auth_password_hash_rejections_total'),
    }).toEqual({ invalid: count(401), queueFull: count(503), rateLimited: count(429), rejections: count(503) });
  });
});
