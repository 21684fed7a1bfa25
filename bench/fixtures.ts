// Data the benchmark needs, written straight to PostgreSQL so that preparing
// a million rows takes seconds, not the hours that a million logins would.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidV7 } from 'uuid';

/** A refresh token ready to present: its cookie value, and its ids for the pg ceiling. */
export interface FreshToken {
  cookie: string;
  tokenId: string;
  sessionId: string;
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

/**
 * `count` live sessions of one user, one unused refresh token each (distinct
 * sessions, so that rotations do not queue on one session row), with
 * time-ordered ids as the service makes them (common/random.ts): random ones
 * would scatter the rotations' index inserts as the service's never do.
 */
export async function insertFreshTokens(pool: pg.Pool, userId: string, count: number): Promise<FreshToken[]> {
  const now = new Date();
  const idle = new Date(now.getTime() + 14 * 86400_000);
  const absolute = new Date(now.getTime() + 30 * 86400_000);
  const tokens: FreshToken[] = [];
  for (let offset = 0; offset < count; offset += 5000) {
    const batch = Math.min(5000, count - offset);
    const sessionIds: string[] = [];
    const tokenIds: string[] = [];
    const hashes: Buffer[] = [];
    for (let i = 0; i < batch; i++) {
      const sessionId = uuidV7();
      const tokenId = uuidV7();
      const secret = randomBytes(32);
      sessionIds.push(sessionId);
      tokenIds.push(tokenId);
      hashes.push(createHash('sha256').update(secret).digest());
      tokens.push({ cookie: `${tokenId}.${secret.toString('base64url')}`, tokenId, sessionId });
    }
    await pool.query(
      `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at)
       SELECT s, $2::uuid, $3, $3, $4, $5 FROM unnest($1::uuid[]) AS s`,
      [sessionIds, userId, now, idle, absolute],
    );
    await pool.query(
      `INSERT INTO refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
       SELECT t, s, h, $4, $5 FROM unnest($1::uuid[], $2::uuid[], $3::bytea[]) AS x(t, s, h)`,
      [tokenIds, sessionIds, hashes, now, idle],
    );
  }
  return tokens;
}

/** Pads refresh_tokens up to `target` rows with used tokens of ended sessions, as a long-running service accumulates. */
export async function fillRefreshTokens(
  pool: pg.Pool,
  userId: string,
  target: number,
  onProgress?: (rows: number) => void,
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM refresh_tokens');
  let have = rows[0].n;
  const perSession = 10;
  while (have < target) {
    const sessions = Math.ceil(Math.min(100_000, target - have) / perSession);
    await pool.query(
      `WITH s AS (
         INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoke_reason)
         SELECT gen_random_uuid(), $1::uuid, now() - interval '1 day', now(), now() + interval '1 day', now() + interval '2 days', now(), 'logout'
         FROM generate_series(1, $2)
         RETURNING id)
       INSERT INTO refresh_tokens (id, session_id, secret_hash, created_at, used_at, revoked_at, expires_at)
       SELECT gen_random_uuid(), s.id, sha256(gen_random_uuid()::text::bytea), now(), now(), now(), now() + interval '1 day'
       FROM s, generate_series(1, $3)`,
      [userId, sessions, perSession],
    );
    have += sessions * perSession;
    onProgress?.(have);
  }
  await pool.query('ANALYZE sessions; ANALYZE refresh_tokens');
  return have;
}

/** Accounts that all have the same password, with a hash made the way the service makes one. */
export async function insertUsers(pool: pg.Pool, emails: string[], passwordHash: string): Promise<void> {
  await pool.query(
    `INSERT INTO users (id, email, password_hash, created_at, updated_at)
     SELECT gen_random_uuid(), e, $2, now(), now() FROM unnest($1::text[]) AS e`,
    [emails, passwordHash],
  );
}
