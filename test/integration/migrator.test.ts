import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { MIGRATIONS_DIR } from '../../src/database/database-connection.js';
import { PrismaClient } from '../../src/database/generated/client.js';
import { migrate, MigrationError, readMigrations } from '../../src/database/migrator.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/database.js';

const migrations = readMigrations(MIGRATIONS_DIR);
const databases: TestDatabase[] = [];
async function emptyDatabase() {
  const database = await createEmptyDatabase();
  databases.push(database);
  return database;
}
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test('applies every migration to an empty database and records it as Prisma Migrate does', async () => {
  const { url } = await emptyDatabase();
  const result = await migrate(url, migrations);
  expect(result.applied).toEqual(migrations.map((migration) => migration.name));

  const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
    url,
    'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
  );
  expect(rows.map((row) => row.migration_name)).toEqual(migrations.map((migration) => migration.name));
  for (const [index, row] of rows.entries()) {
    expect(row.checksum).toBe(createHash('sha256').update(migrations[index]!.sql).digest('hex'));
    expect(row.finished_at).not.toBeNull();
    expect(row.applied_steps_count).toBe(1);
  }
});

test('is a no-op the second time', async () => {
  const { url } = await emptyDatabase();
  await migrate(url, migrations);
  const again = await migrate(url, migrations);
  expect(again).toEqual({ applied: [], alreadyApplied: migrations.length });
  const [{ count }] = await query<{ count: string }>(url, 'SELECT count(*) FROM _prisma_migrations');
  expect(Number(count)).toBe(migrations.length);
});

test('three migrators started at once do not collide: every migration is applied exactly once, in order', async () => {
  const { url } = await emptyDatabase();
  const results = await Promise.all([migrate(url, migrations), migrate(url, migrations), migrate(url, migrations)]);
  const applied = results.flatMap((result) => result.applied);
  expect(applied.sort()).toEqual(migrations.map((migration) => migration.name));
  const order = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM _prisma_migrations ORDER BY finished_at');
  expect(order.map((row) => row.migration_name)).toEqual(migrations.map((migration) => migration.name));
  const [{ count }] = await query<{ count: string }>(url, 'SELECT count(*) FROM _prisma_migrations');
  expect(Number(count)).toBe(migrations.length);
});

test('refuses a migration that was edited after it was applied', async () => {
  const { url } = await emptyDatabase();
  await migrate(url, migrations);
  const edited = migrations.map((migration, index) => (index === 0 ? { ...migration, checksum: 'f'.repeat(64) } : migration));
  await expect(migrate(url, edited)).rejects.toThrow(/changed after it was applied/);
});

test('a failing migration rolls back entirely and is not recorded', async () => {
  const { url } = await emptyDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  mkdirSync(join(dir, '20990101000000_broken'));
  writeFileSync(join(dir, '20990101000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();');
  await expect(migrate(url, readMigrations(dir))).rejects.toThrow(MigrationError);
  const tables = await query<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_name = 'half_done'");
  expect(tables).toHaveLength(0);
  const [{ count }] = await query<{ count: string }>(url, 'SELECT count(*) FROM _prisma_migrations');
  expect(Number(count)).toBe(0);
});

describe('the migrated database matches what the Prisma client expects', () => {
  let url: string;
  let prisma: PrismaClient;
  beforeAll(async () => {
    ({ url } = await emptyDatabase());
    await migrate(url, migrations);
    prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  });
  afterAll(() => prisma?.$disconnect());

  test('every model field of the client has its column, and every column a field', async () => {
    const dataModel = (prisma as unknown as { _runtimeDataModel: { models: Record<string, { dbName: string | null; fields: Array<{ name: string; kind: string; dbName?: string | null }> }> } })._runtimeDataModel;
    const columns = await query<{ table_name: string; column_name: string }>(
      url,
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'",
    );
    const actual = new Set(columns.map((column) => `${column.table_name}.${column.column_name}`));
    const expected = new Set<string>();
    for (const [name, model] of Object.entries(dataModel.models)) {
      for (const field of model.fields) {
        if (field.kind === 'scalar' || field.kind === 'enum') expected.add(`${model.dbName ?? name}.${field.dbName ?? field.name}`);
      }
    }
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  test('every model round-trips through the client', async () => {
    const now = new Date();
    const user = await prisma.user.create({
      data: { id: crypto.randomUUID(), email: 'roundtrip@example.test', passwordHash: 'h', roles: ['admin'], createdAt: now, updatedAt: now },
    });
    const session = await prisma.session.create({
      data: { id: crypto.randomUUID(), userId: user.id, createdAt: now, lastUsedAt: now, idleExpiresAt: now, absoluteExpiresAt: now, ip: '::1', userAgent: 'ua' },
    });
    const parent = await prisma.refreshToken.create({
      data: { id: crypto.randomUUID(), sessionId: session.id, secretHash: new Uint8Array(32), createdAt: now, expiresAt: now },
    });
    await prisma.refreshToken.create({
      data: { id: crypto.randomUUID(), sessionId: session.id, parentId: parent.id, secretHash: new Uint8Array(32), createdAt: now, expiresAt: now },
    });
    await prisma.signingKey.create({
      data: { kid: 'k', algorithm: 'ES256', publicJwk: { kty: 'EC' }, privateKeyCiphertext: new Uint8Array(8), state: 'retired', createdAt: now, publishUntil: now },
    });
    const event = await prisma.auditEvent.create({ data: { occurredAt: now, type: 't', userId: user.id, data: { a: 1 } } });
    expect(typeof event.id).toBe('bigint');
    const loaded = await prisma.refreshToken.findUniqueOrThrow({ where: { id: parent.id }, include: { child: true, session: { include: { user: true } } } });
    expect(loaded.child?.parentId).toBe(parent.id);
    expect(loaded.session.user.roles).toEqual(['admin']);
  });

  test('a token can have only one child, whatever the application does', async () => {
    const now = new Date();
    const user = await prisma.user.create({ data: { id: crypto.randomUUID(), email: 'onechild@example.test', passwordHash: 'h', createdAt: now, updatedAt: now } });
    const session = await prisma.session.create({ data: { id: crypto.randomUUID(), userId: user.id, createdAt: now, lastUsedAt: now, idleExpiresAt: now, absoluteExpiresAt: now } });
    const parent = await prisma.refreshToken.create({ data: { id: crypto.randomUUID(), sessionId: session.id, secretHash: new Uint8Array(32), createdAt: now, expiresAt: now } });
    const child = () => prisma.refreshToken.create({ data: { id: crypto.randomUUID(), sessionId: session.id, parentId: parent.id, secretHash: new Uint8Array(32), createdAt: now, expiresAt: now } });
    await child();
    await expect(child()).rejects.toMatchObject({ code: 'P2002' });
  });
});
