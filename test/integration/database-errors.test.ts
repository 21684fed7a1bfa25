import pg from 'pg';
import { mapError, PG_POOL_TIMEOUT_MESSAGE } from '../../src/common/error-mapper.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// pg-pool reports "no free connection in time" by message alone (no code):
// these tests pin that message against the real pool, so that an upgrade
// that rewords it fails here instead of turning busy pools into 500s.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

test('waiting too long for a pooled connection is a 503 service_busy with Retry-After, not a 500', async () => {
  const pool = new pg.Pool({ connectionString: database.url, max: 1, connectionTimeoutMillis: 50 });
  const held = await pool.connect();
  try {
    const error = await pool.connect().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect((error as Error).message).toBe(PG_POOL_TIMEOUT_MESSAGE);
    expect(mapError(error)).toMatchObject({ status: 503, body: { error: 'service_busy' }, retryAfterSeconds: 1, unexpected: false });
  } finally {
    held.release();
    await pool.end();
  }
});
