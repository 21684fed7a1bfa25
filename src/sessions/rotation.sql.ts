import { auditInsertStep } from '../audit/audit.writer.js';

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
 * One rotation in one statement, so one round trip: a data-modifying CTE is
 * a single implicit transaction, all of it commits or none. In order:
 * touch the session (its row lock comes first, as in every family-wide
 * change, so that rotations and revocations queue rather than deadlock) and
 * only if it is live; claim the token with a compare-and-set on `used_at IS
 * NULL` (a concurrent rotation that committed first makes it change no row);
 * insert its single child (a unique index on parent_id forbids a second);
 * and, in ROTATE_AUDITED, the `session_refreshed` event for that child.
 * Parameters: $1 token, $2 session, $3 now, $4 new idle expiry, $5 child id,
 * $6 child secret hash, $7 child expiry; ROTATE_AUDITED adds the event's from $8.
 */
const ROTATION_STEPS = `
  WITH touched AS (
    UPDATE sessions SET last_used_at = $3, idle_expires_at = $4
    WHERE id = $2 AND revoked_at IS NULL AND idle_expires_at > $3 AND absolute_expires_at > $3
    RETURNING id
  ), claimed AS (
    UPDATE refresh_tokens SET used_at = $3
    WHERE id = $1 AND session_id = $2 AND used_at IS NULL AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM touched)
    RETURNING id
  ), child AS (
    INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, created_at, expires_at)
    SELECT $5, $2, id, $6, $3, $7 FROM claimed
    RETURNING id
  )`;

const OUTCOME = `
  SELECT (SELECT count(*) FROM touched)::int AS touched, (SELECT count(*) FROM child)::int AS inserted`;

export const ROTATE = `${ROTATION_STEPS}${OUTCOME}`;

const auditStep = auditInsertStep(8, 'child');

export const ROTATE_AUDITED = `${ROTATION_STEPS}, audited AS (${auditStep.sql} RETURNING id)${OUTCOME}`;

/** The values of ROTATE_AUDITED's event, after ROTATE's seven. */
export const rotationAuditValues = auditStep.values;
