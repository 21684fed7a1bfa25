import { AppError } from '../../src/common/app-error.js';
import { SessionCheckCache } from '../../src/sessions/session-check-cache.js';
import { SessionCheck } from '../../src/sessions/session-check.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { PASSWORD, uniqueEmail, TEST_CLIENT } from '../helpers/users.js';

// Two instances on one database, as in a deployment behind a load balancer.
// (Services, not HTTP: passport keeps one strategy per name per process.)
let database: TestDatabase;
let a: TestContext;
let b: TestContext;
const client = TEST_CLIENT;

beforeAll(async () => {
  database = await createTestDatabase();
  a = await startTestContext({ database, env: { SESSION_CHECK_CACHE_MS: '1000' } });
  b = await startTestContext({ database, env: { SESSION_CHECK_CACHE_MS: '1000' } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

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

test('a logout is refused at once on the instance that made it, and on another once its check cache lapses', async () => {
  const issued = await loginOn(a);
  expect(await check(a, issued)).toBe('active');
  expect(await check(b, issued)).toBe('active');

  await a.module.get(SessionsService).logout({ refreshToken: issued.refreshToken }, client);
  expect(await check(a, issued)).toBe('session_revoked');
  expect(await check(b, issued)).toBe('active');
  b.clock.advance(1001);
  expect(await check(b, issued)).toBe('session_revoked');
});

test('a check that races a revocation does not put the session back in the cache', async () => {
  const issued = await loginOn(a);
  const sessions = a.module.get(SessionsService);
  await Promise.all([sessions.logout({ refreshToken: issued.refreshToken }, client), check(a, issued)]);
  expect(await check(a, issued)).toBe('session_revoked');
});

test('a positive answer read before a revocation and remembered after it is not kept', async () => {
  const issued = await loginOn(a);
  const owner = { id: issued.user.id, email: issued.user.email, roles: [], createdAt: new Date() };
  const stale = { userId: issued.user.id, idleExpiresAt: issued.session.idleExpiresAt, absoluteExpiresAt: issued.session.absoluteExpiresAt, user: owner };
  const cache = a.module.get(SessionCheckCache);
  cache.forgetSession(issued.session.id);
  cache.remember(issued.session.id, stale);
  expect(cache.get(issued.session.id)).toBeUndefined();
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
