import pg from 'pg';
import { AppError } from '../../src/common/app-error.js';
import { LISTENER_APPLICATION_NAME, NotificationListener } from '../../src/database/notification-listener.js';
import { PrismaService } from '../../src/database/prisma.service.js';
import { SessionCheckCache } from '../../src/sessions/session-check-cache.js';
import { SessionCheck } from '../../src/sessions/session-check.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { PASSWORD, TEST_CLIENT, TEST_OPERATOR, uniqueEmail } from '../helpers/users.js';

// Two instances on one database, as in a deployment behind a load balancer.
// (Services, not HTTP: passport keeps one strategy per name per process.)
let database: TestDatabase;
let a: TestContext;
let b: TestContext;
const client = TEST_CLIENT;

beforeAll(async () => {
  database = await createTestDatabase();
  a = await startTestContext({ database, env: { SESSION_CHECK_CACHE_MS: '60000' } });
  b = await startTestContext({ database, env: { SESSION_CHECK_CACHE_MS: '60000' } });
  await Promise.all([listening(a), listening(b)]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

async function listening(context: TestContext): Promise<void> {
  const listener = context.module.get(NotificationListener);
  await eventually(async () => listener.ticket().listening, 'the listener is up');
}

async function loginOn(context: TestContext) {
  const email = uniqueEmail();
  await context.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
  return context.module.get(SignInService).login(email, PASSWORD, client);
}

async function check(context: TestContext, issued: Awaited<ReturnType<typeof loginOn>>) {
  return context.module
    .get(SessionCheck)
    .activeSessionOwner(issued.session.id, issued.user.id)
    .then(
      () => 'active',
      (error: AppError) => error.code,
    );
}

test('a logout on one instance is refused on the other as soon as its notice arrives, long before the cache would lapse', async () => {
  const issued = await loginOn(a);
  expect(await check(a, issued)).toBe('active');
  expect(await check(b, issued)).toBe('active');

  await a.module.get(SessionsService).logout({ refreshToken: issued.refreshToken }, client);
  expect(await check(a, issued)).toBe('session_revoked');
  // The clock does not move: only the notice can end b's 60-second trust in its cached answer.
  await eventually(async () => (await check(b, issued)) === 'session_revoked', "b refuses the revoked session");
});

test("a role change reaches every instance's cached session checks", async () => {
  const email = uniqueEmail();
  await a.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
  const issued = await a.module.get(SignInService).login(email, PASSWORD, client);
  const roles = async () => (await b.module.get(SessionCheck).activeSessionOwner(issued.session.id, issued.user.id)).roles;
  expect(await roles()).toEqual([]);
  await a.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
  await eventually(async () => (await roles()).includes('admin'), 'b reads the new role');
});

test("a verified email reaches every instance's cached session checks", async () => {
  const issued = await loginOn(a);
  const verified = async () => (await b.module.get(SessionCheck).activeSessionOwner(issued.session.id, issued.user.id)).emailVerifiedAt !== null;
  expect(await verified()).toBe(false);
  await a.module.get(PrismaService).transaction((tx) => a.module.get(UsersRepository).markEmailVerified(tx, issued.user.id, new Date()));
  await eventually(verified, 'b reads the verified email');
});

test('a check that races a revocation does not put the session back in the cache', async () => {
  const issued = await loginOn(a);
  const sessions = a.module.get(SessionsService);
  await Promise.all([sessions.logout({ refreshToken: issued.refreshToken }, client), check(a, issued)]);
  expect(await check(a, issued)).toBe('session_revoked');
});

test('a positive answer read before a revocation and remembered after it is not kept', async () => {
  const issued = await loginOn(a);
  const owner = { id: issued.user.id, email: issued.user.email, roles: [], createdAt: new Date(), emailVerifiedAt: null };
  const stale = { userId: issued.user.id, idleExpiresAt: issued.session.idleExpiresAt, absoluteExpiresAt: issued.session.absoluteExpiresAt, user: owner };
  const cache = a.module.get(SessionCheckCache);
  cache.forgetSession(issued.session.id);
  cache.remember(issued.session.id, stale);
  expect(cache.get(issued.session.id)).toBeUndefined();
});

test('while the listener is down, answers are trusted for 1 s at most; when it is back, what was revoked meanwhile is forgotten', async () => {
  const before = await loginOn(a);
  const during = await loginOn(a);
  expect(await check(b, before)).toBe('active');

  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    // Kill b's listener (a's too: both have the same application name; a does not matter here).
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTENER_APPLICATION_NAME]);
  } finally {
    await admin.end();
  }
  await eventually(async () => !b.module.get(NotificationListener).ticket().listening, 'b notices that its listener is gone');

  // Read while the listener is down: trusted for 1 s only.
  expect(await check(b, during)).toBe('active');
  await a.module.get(SessionsService).logout({ refreshToken: during.refreshToken }, client);
  await a.module.get(SessionsService).logout({ refreshToken: before.refreshToken }, client);
  // `before` was cached with the long lifetime before the loss: the loss dropped it.
  expect(await check(b, before)).toBe('session_revoked');

  await listening(b);
  // Back: the revocation made while b could not hear it is forgotten without waiting for the 1 s.
  expect(await check(b, during)).toBe('session_revoked');
});

test('with the cache off every check reads the database', async () => {
  const strict = await startTestContext({ database, env: { SESSION_CHECK_CACHE_MS: '0' } });
  try {
    const issued = await loginOn(a);
    expect(await check(strict, issued)).toBe('active');
    await a.module.get(SessionsService).logout({ refreshToken: issued.refreshToken }, client);
    expect(await check(strict, issued)).toBe('session_revoked');
  } finally {
    await strict.close();
  }
});
