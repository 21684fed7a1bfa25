import pg from 'pg';
import { ConfigError } from '../../src/config/load-config.js';
import { READS_TIMES_AS_UTC } from '../../src/database/server-settings.js';
import { SqlPool } from '../../src/database/sql-pool.js';
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

test('the check asks about the times the service uses: a zone that was UTC in 2000 but is not now fails it', async () => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const verdicts: Record<string, boolean> = {};
    for (const zone of ['UTC', 'Etc/UTC', 'GMT', 'Europe/London', 'Africa/Casablanca', 'America/New_York']) {
      await client.query(`SELECT set_config('TimeZone', $1, false)`, [zone]);
      verdicts[zone] = (await client.query<{ utc: boolean }>(`SELECT (${READS_TIMES_AS_UTC}) AS utc`)).rows[0]!.utc;
    }
    expect(verdicts).toEqual({ UTC: true, 'Etc/UTC': true, GMT: true, 'Europe/London': false, 'Africa/Casablanca': false, 'America/New_York': false });
  } finally {
    await client.end();
  }
});

test('options of its own in DATABASE_URL are kept, and do not drop the time zone', async () => {
  const url = new URL(database.url);
  url.searchParams.set('options', '-c search_path=public,pg_catalog');
  const t = await startTestContext({ database, env: { DATABASE_URL: url.toString() } });
  try {
    const { rows } = await t.module.get(SqlPool).query<{ zone: string; path: string }>(
      `SELECT current_setting('TimeZone') AS zone, current_setting('search_path') AS path`,
    );
    expect(rows[0]).toEqual({ zone: 'UTC', path: 'public,pg_catalog' });
  } finally {
    await t.close();
  }
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
  expect((error as ConfigError).message).toContain('RECONNECT');
});

describe('behind a pooler, once the role reads times as UTC in this database', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`DO $$ BEGIN EXECUTE format('ALTER ROLE %I IN DATABASE %I SET timezone = %L', current_user, current_database(), 'UTC'); END $$`);
    } finally {
      await admin.end();
    }
  });

  test('it starts, and statements outside and inside its transactions read UTC', async () => {
    const t = await startTestContext({ database, env: { DATABASE_POOLER: 'transaction', DATABASE_DIRECT_URL: database.url } });
    try {
      const pool = t.module.get(SqlPool);
      const single = await pool.query<{ zone: string }>(`SELECT current_setting('TimeZone') AS zone`);
      const inTransaction = await pool.transaction((client) => client.query<{ zone: string }>(`SELECT current_setting('TimeZone') AS zone`));
      expect([single.rows[0]!.zone, inTransaction.rows[0]!.zone]).toEqual(['UTC', 'UTC']);
    } finally {
      await t.close();
    }
  });
});
