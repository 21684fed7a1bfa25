import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, without the
 * schema-engine binary that cannot be downloaded offline: pending folders in
 * name order, each in its own transaction, recorded in Prisma's own
 * `_prisma_migrations` table (checksum = SHA-256 hex of migration.sql), so that
 * `prisma migrate status` agrees wherever the engine exists.
 */

/** The advisory-lock key Prisma Migrate itself takes, so the two never run at once. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export function readMigrations(directory: string): Migration[] {
  return readdirSync(directory)
    .filter((entry) => statSync(join(directory, entry)).isDirectory())
    .sort()
    .map((name) => {
      const sql = readFileSync(join(directory, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function migrate(
  connectionString: string,
  migrations: Migration[],
  onProgress: (message: string, fields?: Record<string, unknown>) => void = () => {},
): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const applied: string[] = [];
  let reportedUnknown = false;
  try {
    // One migration per transaction, each under Prisma Migrate's lock taken for
    // that transaction only: correct through a pooler in transaction mode too,
    // where a session-level lock would stay behind on a shared server connection.
    await inLockedTransaction(client, () => client.query(CREATE_MIGRATIONS_TABLE));
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
        const { rows } = await client.query<AppliedRow>(
          'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
        );
        const { pending, unknown } = plan(migrations, rows);
        if (unknown.length > 0 && !reportedUnknown) {
          reportedUnknown = true;
          onProgress('the database has migrations that this build does not know', { unknown });
        }
        const next = pending[0];
        if (!next) {
          await client.query('COMMIT');
          return { applied, alreadyApplied: migrations.length - applied.length };
        }
        onProgress('applying migration', { migration: next.name, step: applied.length + 1, of: applied.length + pending.length });
        try {
          await client.query(next.sql);
        } catch (error) {
          throw new MigrationError(`migration ${next.name} failed: ${(error as Error).message}`, { cause: error });
        }
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
          [randomUUID(), next.checksum, next.name],
        );
        await client.query('COMMIT');
        applied.push(next.name);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    await client.end();
  }
}

async function inLockedTransaction(client: pg.Client, work: () => Promise<unknown>): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** What is left to apply, in order; refuses a history this build cannot continue. */
function plan(migrations: Migration[], rows: AppliedRow[]): { pending: Migration[]; unknown: string[] } {
  const recorded = new Map(rows.map((row) => [row.migration_name, row]));
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const row = recorded.get(migration.name);
    if (!row) {
      pending.push(migration);
    } else if (!row.finished_at) {
      throw new MigrationError(
        `migration ${migration.name} started earlier and did not finish; inspect the database, then mark it rolled back in _prisma_migrations`,
      );
    } else if (row.checksum !== migration.checksum) {
      throw new MigrationError(`migration ${migration.name} was changed after it was applied (checksum mismatch)`);
    }
  }
  const known = new Set(migrations.map((migration) => migration.name));
  return { pending, unknown: rows.filter((row) => !known.has(row.migration_name)).map((row) => row.migration_name) };
}
