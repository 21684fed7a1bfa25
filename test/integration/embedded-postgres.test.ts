import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../../src/database/database-connection.js';
import { EmbeddedDatabaseBusy, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrate, readMigrations } from '../../src/database/migrator.js';
import { PGLITE_TIMEOUT_MS } from '../helpers/database.js';

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

test('the embedded database migrates, keeps its data, and opens in one process at a time', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
  dirs.push(dataDir);
  const lock = join(dataDir, 'pglite.lock');
  const migrations = readMigrations(MIGRATIONS_DIR);

  const owner = await startEmbeddedPostgres(dataDir, 0);
  expect((await migrate(owner.url, migrations)).applied).toHaveLength(migrations.length);
  // A second PGlite on the folder would corrupt it: refused, even from this process.
  await expect(startEmbeddedPostgres(dataDir, 0)).rejects.toBeInstanceOf(EmbeddedDatabaseBusy);
  expect(await count(owner.url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toBe(migrations.length);
  await owner.stop();
  expect(existsSync(lock)).toBe(false);

  // Held by another live process (pid 1 always is): refused, naming it.
  writeFileSync(lock, JSON.stringify({ pid: 1 }));
  await expect(startEmbeddedPostgres(dataDir, 0)).rejects.toThrow(/open in process 1\b/);

  // Left by a dead process, or by an earlier life of our own pid: taken over; the data survived.
  for (const pid of [2 ** 22 + 12345, process.pid]) {
    writeFileSync(lock, JSON.stringify({ pid }));
    const again = await startEmbeddedPostgres(dataDir, 0);
    try {
      expect((await migrate(again.url, migrations)).applied).toEqual([]);
    } finally {
      await again.stop();
    }
  }
}, PGLITE_TIMEOUT_MS);
