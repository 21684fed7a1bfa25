import { createHash } from 'node:crypto';
import pg from 'pg';
import { AUDIT_EVENT } from '../../src/audit/audit-entry.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { basicAuthorization, TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { ControllableRandom } from '../helpers/controllable-random.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { HttpClient, parseSetCookie, type Reply } from '../helpers/http-client.js';
import { TEST_OPERATOR } from '../helpers/users.js';

// A full scenario with every log line captured: register, login (right and
// wrong password), introspection and the revocation feed (right and wrong
// service credential), refresh, a grace replay, a reuse detection, logout,
// logout-all, admin revocations, three forced 500s (a throwing Random in a
// rotation, and the database refusing a registration and a rotation) and a
// database outage. Then: every line is JSON, none holds a secret, request
// lines carry the request's id, and the 500s are logged as unhandled errors
// without their SQL parameters while the answers show nothing of them.
//
// PostgreSQL is reached through a FaultProxy (cut for the outage), with a
// password in the URL (one the local server, trusting local connections,
// ignores), so that a connection error that printed its URL would show it.

const ALICE_PASSWORD = 'alice-Password-8c1f0e2a';
const WRONG_PASSWORD = 'wrong-Password-5d7b9c31';
const ADMIN_PASSWORD = 'admin-Password-4a6e2f90';
const CAROL_PASSWORD = 'carol-Password-71b3d5e8';
const DATABASE_PASSWORD = 'database-Password-93e1c7a4';
const WRONG_SERVICE_SECRET = 'wrong-service-secret-0c2e4a6b8d';
/** Registrations of emails starting with this are refused by a CHECK constraint added for the test. */
const REFUSED_EMAIL_PREFIX = 'refused-by-check';

let database: TestDatabase;
let proxy: FaultProxy;
let random: ControllableRandom;
let t: TestApp;

/** Every exchange of the scenario, in order. */
const replies: Array<{ label: string; reply: Reply }> = [];
/** Everything that must never reach a log line. */
const secrets = new Map<string, string>();

function remember(label: string, value: string | undefined): void {
  if (value) secrets.set(value, label);
}

/** Records the answer and every token, cookie and Set-Cookie line it carries. */
function record(label: string, reply: Reply): Reply {
  replies.push({ label, reply });
  for (const line of reply.setCookies) {
    const cookie = parseSetCookie(line);
    if (!cookie.value) continue;
    remember(`Set-Cookie of ${label}`, line);
    remember(`cookie ${cookie.name} of ${label}`, cookie.value);
    if (cookie.name === t.config.cookies.accessName) {
      cookie.value.split('.').forEach((part, index) => remember(`access token part ${index + 1} of ${label}`, part));
    }
    if (cookie.name === t.config.cookies.refreshName) {
      const secret = cookie.value.split('.')[1];
      remember(`refresh secret of ${label}`, secret);
      // The stored hash of the secret is a SQL parameter of every rotation (bytea, hex in PostgreSQL's text form).
      remember(`refresh secret hash of ${label}`, createHash('sha256').update(Buffer.from(secret!, 'base64url')).digest('hex'));
    }
  }
  return reply;
}

async function databaseSql(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function login(client: HttpClient, email: string, password: string, label: string): Promise<Reply> {
  const reply = record(label, await client.post('/auth/login', { email, password }));
  if (reply.status !== 200) throw new Error(`${label}: ${reply.status} ${reply.text}`);
  return reply;
}

async function scenario(): Promise<void> {
  const alice = new HttpClient(t.baseUrl);
  const aliceEmail = 'alice@log-secrecy.example.test';
  record('register alice', await alice.post('/auth/register', { email: aliceEmail, password: ALICE_PASSWORD }));
  const first = await login(alice, aliceEmail, ALICE_PASSWORD, 'login alice');
  record('me with the cookie', await alice.get('/auth/me'));
  const access = alice.cookieValue(t.config.cookies.accessName)!;
  remember('Authorization header', `Bearer ${access}`);
  record('me with a Bearer header', await alice.get('/auth/me', { withCookies: false, headers: { authorization: `Bearer ${access}` } }));
  record('login with a wrong password', await new HttpClient(t.baseUrl).post('/auth/login', { email: aliceEmail, password: WRONG_PASSWORD }));

  // Other services: introspection and the revocation feed with a service credential, and a wrong one.
  const service = { headers: { authorization: basicAuthorization(TEST_SERVICE_CLIENT) } };
  record('introspection', await new HttpClient(t.baseUrl).post('/oauth/introspect', { token: access }, service));
  record('revocation feed', await new HttpClient(t.baseUrl).get('/.well-known/revoked-sessions', service));
  const wrongSecret = { headers: { authorization: basicAuthorization({ ...TEST_SERVICE_CLIENT, secret: WRONG_SERVICE_SECRET }) } };
  record('revocation feed with a wrong secret', await new HttpClient(t.baseUrl).get('/.well-known/revoked-sessions', wrongSecret));
  expect(replies.slice(-3).map(({ reply }) => reply.status)).toEqual([200, 200, 401]);

  // Rotation, a replay of the parent inside the grace window, and the same replay after it (reuse).
  const parent = alice.cookieValue(t.config.cookies.refreshName)!;
  record('refresh', await alice.post('/auth/refresh'));
  const replayer = new HttpClient(t.baseUrl);
  replayer.setCookie(t.config.cookies.refreshName, parent, '/auth');
  record('grace replay', await replayer.post('/auth/refresh'));
  t.clock.advance(11_000);
  const thief = new HttpClient(t.baseUrl);
  thief.setCookie(t.config.cookies.refreshName, parent, '/auth');
  record('reuse', await thief.post('/auth/refresh'));

  const leaving = new HttpClient(t.baseUrl);
  await login(leaving, aliceEmail, ALICE_PASSWORD, 'login before logout');
  record('logout', await leaving.post('/auth/logout'));
  const everywhere = new HttpClient(t.baseUrl);
  await login(everywhere, aliceEmail, ALICE_PASSWORD, 'login before logout-all');
  await login(new HttpClient(t.baseUrl), aliceEmail, ALICE_PASSWORD, 'login again before logout-all');
  record('logout-all', await everywhere.post('/auth/logout-all'));

  const admin = new HttpClient(t.baseUrl);
  const adminEmail = 'admin@log-secrecy.example.test';
  record('register admin', await admin.post('/auth/register', { email: adminEmail, password: ADMIN_PASSWORD }));
  await t.module.get(UsersService).changeRole(adminEmail, 'admin', true, TEST_OPERATOR);
  await login(admin, adminEmail, ADMIN_PASSWORD, 'login admin');
  const revokedByAdmin = await login(new HttpClient(t.baseUrl), aliceEmail, ALICE_PASSWORD, 'login before the admin revocation');
  record('admin revokes a session', await admin.post(`/admin/sessions/${revokedByAdmin.body.session.id}/revoke`));
  await login(new HttpClient(t.baseUrl), aliceEmail, ALICE_PASSWORD, 'login before the admin revokes all');
  record("admin revokes a user's sessions", await admin.post(`/admin/users/${first.body.user.id}/revoke-sessions`));

  // Forced 500s: randomness failing in the middle of a rotation, then the database refusing writes it never refused before.
  const unlucky = new HttpClient(t.baseUrl);
  await login(unlucky, aliceEmail, ALICE_PASSWORD, 'login before the failing rotation');
  random.failNextUuidWith(new Error('the random source failed'));
  record('500: random fails mid-rotation', await unlucky.post('/auth/refresh'));

  await databaseSql(`ALTER TABLE users ADD CONSTRAINT test_refused_emails CHECK (email NOT LIKE '${REFUSED_EMAIL_PREFIX}%') NOT VALID`);
  record(
    '500: the database refuses a registration',
    await new HttpClient(t.baseUrl).post('/auth/register', { email: `${REFUSED_EMAIL_PREFIX}-carol@example.test`, password: CAROL_PASSWORD }),
  );
  await databaseSql('ALTER TABLE users DROP CONSTRAINT test_refused_emails');

  const refusedRotation = new HttpClient(t.baseUrl);
  await login(refusedRotation, aliceEmail, ALICE_PASSWORD, 'login before the refused rotation');
  await databaseSql('ALTER TABLE refresh_tokens ADD CONSTRAINT test_no_children CHECK (parent_id IS NULL) NOT VALID');
  record('500: the database refuses a rotation', await refusedRotation.post('/auth/refresh'));
  await databaseSql('ALTER TABLE refresh_tokens DROP CONSTRAINT test_no_children');

  // The outage: the link to PostgreSQL cut, then restored.
  const during = new HttpClient(t.baseUrl);
  await login(during, aliceEmail, ALICE_PASSWORD, 'login before the outage');
  proxy.cut();
  record('outage: refresh', await during.post('/auth/refresh'));
  record('outage: login', await new HttpClient(t.baseUrl).post('/auth/login', { email: aliceEmail, password: ALICE_PASSWORD }));
  record('outage: me', await during.get('/auth/me'));
  record('outage: health', await during.get('/health'));
  proxy.restore();
  for (let attempt = 0; attempt < 20; attempt++) {
    const reply = record('after the outage: refresh', await during.post('/auth/refresh'));
    if (reply.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await new FaultProxy({ host: target.hostname, port: Number(target.port) }).start();
  const viaProxy = new URL(proxy.urlFor(database.url));
  viaProxy.password ||= DATABASE_PASSWORD;
  random = new ControllableRandom();
  t = await startTestApp({
    captureLogs: true,
    random,
    database: { url: viaProxy.toString(), drop: async () => {} },
    env: {
      DATABASE_QUERY_TIMEOUT_MS: '1500',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_POOL_SIZE: '4',
      SESSION_CHECK_CACHE_MS: '0',
      REFRESH_GRACE_SECONDS: '10',
    },
  });
  for (const [label, value] of [
    ['a password', ALICE_PASSWORD],
    ['a wrong password', WRONG_PASSWORD],
    ["the admin's password", ADMIN_PASSWORD],
    ['a refused password', CAROL_PASSWORD],
    ['the database password', decodeURIComponent(viaProxy.password)],
    ['the refresh pepper', t.config.sessions.refreshPepper],
    ['the key-encryption secret', t.config.tokens.keyEncryptionSecret],
    ["a service client's secret", TEST_SERVICE_CLIENT.secret],
    ["a service client's Basic credential", basicAuthorization(TEST_SERVICE_CLIENT).slice('Basic '.length)],
    ['a wrong service secret', WRONG_SERVICE_SECRET],
  ] as const) {
    remember(label, value);
  }
  await scenario();
  await everyRequestLogged();
}, 120_000);

/** `request completed` is written once the answer has gone out, so it may land after the client has read it. */
async function everyRequestLogged(): Promise<void> {
  const ids = replies.map(({ reply }) => reply.headers.get('x-request-id'));
  for (let attempt = 0; attempt < 500; attempt++) {
    const logged = new Set(t.logs.filter((line) => line.includes('"request completed"')).map((line) => (JSON.parse(line) as { requestId?: string }).requestId));
    if (ids.every((id) => logged.has(id ?? undefined))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await database?.drop();
});

interface LogLine {
  level?: string;
  time?: string;
  msg?: string;
  event?: string;
  requestId?: string;
  status?: number;
  err?: { type?: string; message?: string; stack?: string };
  [key: string]: unknown;
}

const parsed = () => t.logs.map((line) => JSON.parse(line) as LogLine);
const idOf = (label: string) => {
  const found = replies.filter((entry) => entry.label === label);
  if (found.length !== 1) throw new Error(`${found.length} replies labelled ${label}`);
  return found[0]!.reply.headers.get('x-request-id')!;
};
const FORCED_500 = ['500: random fails mid-rotation', '500: the database refuses a registration', '500: the database refuses a rotation'];
/** SQL parameters as PostgreSQL and the drivers print them: a failing row, an argon2 hash, bytea in hex. */
const SQL_PARAMETERS = /Failing row contains|\$argon2(id|i|d)\$|\\\\x[0-9a-f]{16,}/i;

test('every line is one JSON object with a level, a time and a message', () => {
  expect(t.logs.length).toBeGreaterThan(40);
  const broken = t.logs.filter((line) => {
    try {
      const entry = JSON.parse(line) as unknown;
      return entry === null || typeof entry !== 'object' || Array.isArray(entry);
    } catch {
      return true;
    }
  });
  expect(broken).toEqual([]);
  expect(parsed().filter((entry) => !entry.level || !entry.time || typeof entry.msg !== 'string')).toEqual([]);
});

test('no line holds a password, a token or any part of an access token, a refresh secret, the pepper, the key-encryption secret or a cookie', () => {
  expect(secrets.size).toBeGreaterThan(30);
  const leaks: string[] = [];
  for (const [index, line] of t.logs.entries()) {
    for (const [secret, label] of secrets) {
      if (line.includes(secret)) leaks.push(`line ${index} holds ${label}: ${line.slice(0, 300)}`);
    }
  }
  expect(leaks).toEqual([]);
});

test('the forced 500s answer nothing but the error shape: no stack, no SQL, no cause', () => {
  for (const label of FORCED_500) {
    const { reply } = replies.find((entry) => entry.label === label)!;
    expect({ label, status: reply.status, body: reply.body }).toEqual({
      label,
      status: 500,
      body: { error: 'internal_error', message: 'Something went wrong on our side.' },
    });
    expect(reply.text).not.toMatch(/stack|\bat |SELECT|INSERT|constraint|violates|prisma|random source|23514/i);
  }
});

test('each forced 500 is logged once as an unhandled error, with its request id and a stack', () => {
  const unhandled = parsed().filter((entry) => entry.msg === 'unhandled error');
  expect(unhandled.map((entry) => entry.requestId).sort()).toEqual(FORCED_500.map(idOf).sort());
  for (const entry of unhandled) {
    expect(entry).toMatchObject({ level: 'error', err: { type: expect.any(String), message: expect.any(String), stack: expect.any(String) } });
  }
});

test('no line holds the SQL parameters of a refused statement (a failing row, a password hash, a secret hash, the email)', () => {
  const leaks = t.logs.flatMap((line) => {
    const at = line.search(SQL_PARAMETERS);
    const index = at >= 0 ? at : line.indexOf(`${REFUSED_EMAIL_PREFIX}-carol`);
    if (index < 0) return [];
    const entry = JSON.parse(line) as LogLine;
    return [`${entry.msg} (${entry.err?.type}, request ${entry.requestId}): …${line.slice(Math.max(0, index - 200), index + 200)}…`];
  });
  expect(leaks).toEqual([]);
});

test('the outage answered 503 in the error shape with Retry-After, and the service recovered', () => {
  const outage = replies.filter((entry) => entry.label.startsWith('outage: '));
  expect(outage).toHaveLength(4);
  for (const { label, reply } of outage) {
    expect({ label, status: reply.status, error: reply.body?.error, message: typeof reply.body?.message }).toEqual({
      label,
      status: 503,
      error: label === 'outage: health' ? 'database_unavailable' : 'service_unavailable',
      message: 'string',
    });
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  expect(replies.at(-1)).toMatchObject({ label: 'after the outage: refresh', reply: { status: 200 } });
});

test("the outage's connection failures are logged without the driver's connection object (parameters, cancel key)", () => {
  const failures = parsed().filter((entry) => entry.err && /ECONN|terminated|connect/i.test(entry.err.message ?? ''));
  expect(failures.length).toBeGreaterThan(0);
  const internals = failures.flatMap((entry) => {
    const line = JSON.stringify(entry);
    const held = ['client', 'connectionParameters', 'secretKey', 'processID', '_activeQuery', '_queryQueue'].filter((key) => line.includes(`"${key}":`));
    return held.length > 0 ? [`${entry.msg} (request ${entry.requestId}) holds ${held.join(', ')}`] : [];
  });
  expect(internals).toEqual([]);
});

test('every request is logged once as completed with its id and status, and the events it caused carry that id', () => {
  const lines = parsed();
  for (const { label, reply } of replies) {
    const completed = lines.filter((entry) => entry.msg === 'request completed' && entry.requestId === reply.headers.get('x-request-id'));
    expect({ label, completed: completed.map((entry) => entry.status) }).toEqual({ label, completed: [reply.status] });
  }
  const logins = replies.filter((entry) => entry.label.startsWith('login') && entry.reply.status === 200).map((entry) => entry.label);
  const expected: Record<string, string[]> = {
    user_registered: ['register alice', 'register admin'],
    [AUDIT_EVENT.login]: logins,
    login_failed: ['login with a wrong password'],
    service_client_refused: ['revocation feed with a wrong secret'],
    refresh_replayed: ['grace replay'],
    [AUDIT_EVENT.reuse]: ['reuse'],
    [AUDIT_EVENT.logout]: ['logout'],
    [AUDIT_EVENT.logoutAll]: ['logout-all'],
    [AUDIT_EVENT.adminRevokeSession]: ['admin revokes a session'],
    [AUDIT_EVENT.adminRevokeUser]: ["admin revokes a user's sessions"],
  };
  for (const [event, labels] of Object.entries(expected)) {
    const ids = lines.filter((entry) => entry.event === event).map((entry) => entry.requestId);
    expect({ event, ids: ids.sort() }).toEqual({ event, ids: labels.map(idOf).sort() });
  }
});

test('no line is attributed to a request that had already been answered', () => {
  const lines = parsed();
  const completedAt = new Map<string, number>();
  lines.forEach((entry, index) => {
    if (entry.msg === 'request completed' && entry.requestId) completedAt.set(entry.requestId, index);
  });
  const late = lines
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry, index }) => entry.requestId !== undefined && index > (completedAt.get(entry.requestId) ?? Infinity))
    .map(({ entry, index }) => `line ${index} says ${entry.requestId}, answered at line ${completedAt.get(entry.requestId!)}: ${entry.msg}`);
  expect(late).toEqual([]);
  // Every id in the log is one the service answered with.
  const known = new Set(replies.map((entry) => entry.reply.headers.get('x-request-id')));
  expect(lines.filter((entry) => entry.requestId !== undefined && !known.has(entry.requestId)).map((entry) => entry.msg)).toEqual([]);
});
