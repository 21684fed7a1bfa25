import { Test } from '@nestjs/testing';
import { mapError } from '../../src/common/error-mapper.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseConnection } from '../../src/database/database-connection.js';
import { isConnectionLost, PG_POOL_TIMEOUT_MESSAGE } from '../../src/database/database-errors.js';
import { SqlPool } from '../../src/database/sql-pool.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { FaultProxy } from '../helpers/fault-proxy.js';

// The pool against a real server behind a proxy the test controls. pg and
// pg-pool report several of these failures by message alone (no code): the
// tests pin those messages, so that an upgrade that rewords one fails here
// instead of turning an outage into 500s.
let database: TestDatabase;
let proxy: FaultProxy;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await new FaultProxy({ host: target.hostname, port: Number(target.port) }).start();
});
afterEach(() => proxy.restore());
afterAll(async () => {
  await proxy?.close();
  await database?.drop();
});

async function poolFor(env: Record<string, string>): Promise<{ pool: SqlPool; close: () => Promise<void> }> {
  const config: AppConfig = testConfig(proxy.urlFor(database.url), env);
  const module = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config)],
    providers: [{ provide: DatabaseConnection, useValue: { url: proxy.urlFor(database.url), embedded: false, close: async () => {} } }, SqlPool],
  }).compile();
  const pool = module.get(SqlPool);
  return { pool, close: () => pool.end() };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

test('waiting too long for a pooled connection: the pinned pg-pool message, mapped to 503 service_busy', async () => {
  const { pool, close } = await poolFor({ DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '100' });
  const held = await pool.connect();
  try {
    const error = await rejection(pool.connect());
    expect((error as Error).message).toBe(PG_POOL_TIMEOUT_MESSAGE);
    expect(mapError(error)).toMatchObject({ status: 503, body: { error: 'service_busy' }, retryAfterSeconds: 1 });
  } finally {
    held.release();
    await close();
  }
});

test('a stalled link: the query gives up after DATABASE_QUERY_TIMEOUT_MS (pinned message) and maps to 503 service_unavailable', async () => {
  const { pool, close } = await poolFor({ DATABASE_QUERY_TIMEOUT_MS: '1000' });
  try {
    await pool.query('SELECT 1');
    proxy.stall();
    const started = Date.now();
    const error = await rejection(pool.query('SELECT 1'));
    expect(Date.now() - started).toBeLessThan(3000);
    expect((error as Error).message).toBe('Query read timeout');
    expect(isConnectionLost(error)).toBe(true);
    expect(mapError(error)).toMatchObject({ status: 503, body: { error: 'service_unavailable' }, retryAfterSeconds: 2 });
  } finally {
    proxy.restore();
    await close();
  }
});

test('a client handed back while its query is still in flight is dropped, not reused (Prisma releases such clients as healthy)', async () => {
  const { pool, close } = await poolFor({ DATABASE_QUERY_TIMEOUT_MS: '1000', DATABASE_POOL_SIZE: '2' });
  try {
    const client = await pool.connect();
    await client.query('SELECT 1');
    proxy.stall();
    await rejection(client.query('SELECT pg_sleep(0)'));
    expect(pool.totalCount).toBe(1);
    client.release();
    expect(pool.totalCount).toBe(0);
    proxy.restore();
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
  } finally {
    await close();
  }
});

test('a connection cut mid-checkout: the process survives, the error maps to 503, the pool recovers', async () => {
  const { pool, close } = await poolFor({});
  try {
    const client = await pool.connect();
    proxy.cut();
    const error = await rejection(client.query('SELECT pg_sleep(1)'));
    client.release(true);
    expect(isConnectionLost(error)).toBe(true);
    expect(mapError(error)).toMatchObject({ status: 503, body: { error: 'service_unavailable' } });
    const refused = await rejection(pool.query('SELECT 1'));
    expect(mapError(refused)).toMatchObject({ status: 503, body: { error: 'service_unavailable' } });
    proxy.restore();
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  } finally {
    await close();
  }
});
