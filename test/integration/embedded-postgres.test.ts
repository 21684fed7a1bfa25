import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../../src/database/database-connection.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrate, readMigrations } from '../../src/database/migrator.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(sql);
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

test('the embedded database migrates, has one owner, lets a second process connect, and keeps its data', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
  dirs.push(dataDir);
  const owner = await startEmbeddedPostgres(dataDir, 0);
  expect(owner.owned).toBe(true);
  const migrations = readMigrations(MIGRATIONS_DIR);
  expect((await migrate(owner.url, migrations)).applied).toHaveLength(migrations.length);

  // A second start on the same folder (the CLI while the server runs) must not open it again.
  const guest = await startEmbeddedPostgres(dataDir, 0);
  expect(guest).toMatchObject({ owned: false, url: owner.url });
  expect(await count(guest.url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toBe(migrations.length);
  await guest.stop();
  expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);

  await owner.stop();
  expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);

  // A lock left by a process that died is taken over; the data survived.
  writeFileSync(join(dataDir, 'pglite.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, url: 'postgresql://nowhere' }));
  const again = await startEmbeddedPostgres(dataDir, 0);
  try {
    expect(again.owned).toBe(true);
    expect((await migrate(again.url, migrations)).applied).toEqual([]);
  } finally {
    await again.stop();
  }
});
