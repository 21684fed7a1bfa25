/**
 * The statements of the refresh hot path, sent with pg (see SqlPool). They
 * live apart so that the benchmark's ceiling runs these very statements.
 */

/** The presented token with its child, session and user, in one round trip. */
export const FIND_TOKEN = `
  SELECT t.id, t.secret_hash, t.used_at, t.revoked_at, t.expires_at,
         c.id AS child_id, c.used_at AS child_used_at, c.revoked_at AS child_revoked_at,
         s.id AS session_id, s.user_id, s.idle_expires_at, s.absolute_expires_at, s.revoked_at AS session_revoked_at,
         u.email, u.roles, u.created_at AS user_created_at, u.email_verified_at
  FROM refresh_tokens t
  JOIN sessions s ON s.id = t.session_id
  JOIN users u ON u.id = s.user_id
  LEFT JOIN refresh_tokens c ON c.parent_id = t.id
  WHERE t.id = $1`;

/**
 * Step one of a rotation: lock the session row, and only if it is live.
 * Every family-wide change starts here, so concurrent rotations and
 * revocations queue on this row rather than deadlock. $1 session, $2 now, $3 new idle expiry.
 */
export const TOUCH_SESSION = `
  UPDATE sessions SET last_used_at = $2, idle_expires_at = $3
  WHERE id = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND absolute_expires_at > $2`;

/** The compare-and-set: exactly one request may claim a token. $1 token, $2 session, $3 now. */
export const CLAIM_TOKEN = `
  UPDATE refresh_tokens SET used_at = $3
  WHERE id = $1 AND session_id = $2 AND used_at IS NULL AND revoked_at IS NULL`;

/** The single child (a unique index on parent_id forbids a second). $1 id, $2 session, $3 parent, $4 hash, $5 now, $6 expiry. */
export const INSERT_CHILD = `
  INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6)`;
