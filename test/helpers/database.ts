import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../../src/database/database-connection.js';
import { migrate, readMigrations } from '../../src/database/migrator.js';

/**
 * A fresh database per test file on the local PostgreSQL server, so that
 * files run in parallel without sharing rows. TEST_DATABASE_URL points at a
 * server database that may create others (default: the local server).
 */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `authtest_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    url: urlFor(name),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const database = await createEmptyDatabase();
  await migrate(database.url, readMigrations(MIGRATIONS_DIR));
  return database;
}

/**
 * PGlite (the embedded database) compiles its WebAssembly and runs initdb on
 * every start, all on the CPU: 20–30 s alone here, and several times that
 * while the other test files load both cores.
 */
export const PGLITE_TIMEOUT_MS = 180_000;
