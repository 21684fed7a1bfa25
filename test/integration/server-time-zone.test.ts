import pg from 'pg';
import { ConfigError } from '../../src/config/load-config.js';
import { SessionsRepository } from '../../src/sessions/sessions.repository.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { PASSWORD, TEST_CLIENT, uniqueEmail } from '../helpers/users.js';

// A server whose default zone is not UTC: Prisma's pg adapter sends times
// without an offset, so without the service's own setting every time it
// wrote or compared would move by the zone's offset (five hours here).
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    await admin.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'America/New_York'); END $$`);
  } finally {
    await admin.end();
  }
});
afterAll(() => database?.drop());

describe('on a direct connection the service asks for UTC itself', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext({ database });
  });
  afterAll(() => t?.close());

  test('times written through Prisma, raw SQL and pg are the clock\'s, and listings compare them right', async () => {
    const email = uniqueEmail();
    const user = await t.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
    const issued = await t.module.get(SignInService).login(email, PASSWORD, TEST_CLIENT);
    await t.module.get(SignInService).refresh(issued.refreshToken, TEST_CLIENT);
    const now = t.clock.now();

    const owner = await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(owner.createdAt).toEqual(now);
    const session = await t.prisma.session.findUniqueOrThrow({ where: { id: issued.session.id } });
    expect(session.createdAt).toEqual(now);
    expect(session.idleExpiresAt).toEqual(issued.session.idleExpiresAt);
    const tokens = await t.prisma.refreshToken.findMany({ where: { sessionId: session.id }, orderBy: { createdAt: 'asc' } });
    expect(tokens.map((token) => token.createdAt)).toEqual([now, now]);

    // Live at the clock's now, ended an hour after its absolute expiry: off by five hours, one of these would be wrong.
    const live = await t.module.get(SessionsRepository).listSessions({ userId: user.id, status: 'active', limit: 10 }, now);
    expect(live.map((listed) => listed.id)).toEqual([session.id]);
    const later = new Date(session.absoluteExpiresAt.getTime() + 3600_000);
    expect(await t.module.get(SessionsRepository).listSessions({ userId: user.id, status: 'active', limit: 10 }, later)).toEqual([]);
  });
});

test('behind a pooler, where it cannot, it refuses to start and names the fix', async () => {
  const starting = startTestContext({ database, env: { DATABASE_POOLER: 'transaction', DATABASE_DIRECT_URL: database.url } });
  const error = await starting.then(
    async (started) => {
      await started.close();
      return undefined;
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toContain('time zone is America/New_York');
  expect((error as ConfigError).message).toContain(`SET timezone = 'UTC'`);
});
