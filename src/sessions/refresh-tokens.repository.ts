import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { SqlPool } from '../database/sql-pool.js';
import type { NewToken, SessionOwner } from './family.js';
import { FIND_TOKEN, ROTATE, ROTATE_AUDITED, rotationAuditValues } from './rotation.sql.js';

/** A presented refresh token with everything a rotation decides on. */
export interface FoundToken {
  id: string;
  secretHash: Buffer;
  usedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
  child: { id: string; usedAt: Date | null; revokedAt: Date | null } | null;
  session: {
    id: string;
    userId: string;
    idleExpiresAt: Date;
    absoluteExpiresAt: Date;
    revokedAt: Date | null;
    owner: SessionOwner;
  };
}

interface FoundTokenRow {
  id: string;
  secret_hash: Buffer;
  used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date;
  child_id: string | null;
  child_used_at: Date | null;
  child_revoked_at: Date | null;
  session_id: string;
  user_id: string;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  session_revoked_at: Date | null;
  email: string;
  roles: string[] | null;
  user_created_at: Date;
  email_verified_at: Date | null;
}

export type RotationOutcome = { kind: 'rotated' } | { kind: 'session_inactive' } | { kind: 'already_used' };

interface RotationRow {
  touched: number;
  inserted: number;
}

/** A second child for one parent, refused by the unique index on parent_id (pg reports SQLSTATE and constraint). */
function isSecondChild(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'refresh_tokens_parent_id_key';
}

/**
 * The refresh hot path, sent with pg on the pool Prisma shares (see SqlPool
 * for why): the lookup, and the one-statement rotation.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly pool: SqlPool) {}

  async findToken(id: string): Promise<FoundToken | null> {
    const { rows } = await this.pool.query<FoundTokenRow>(FIND_TOKEN, [id]);
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      secretHash: row.secret_hash,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
      expiresAt: row.expires_at,
      child: row.child_id ? { id: row.child_id, usedAt: row.child_used_at, revokedAt: row.child_revoked_at } : null,
      session: {
        id: row.session_id,
        userId: row.user_id,
        idleExpiresAt: row.idle_expires_at,
        absoluteExpiresAt: row.absolute_expires_at,
        revokedAt: row.session_revoked_at,
        owner: {
          id: row.user_id,
          email: row.email,
          roles: row.roles ?? [],
          createdAt: row.user_created_at,
          emailVerifiedAt: row.email_verified_at,
        },
      },
    };
  }

  /**
   * One rotation, all or nothing, in one statement (ROTATE): the live
   * session touched, the token claimed with a compare-and-set on `used_at IS
   * NULL`, its single child written, and `audit`, when given, with it. Behind
   * a pooler in transaction mode the statement runs in a transaction of its
   * own, which sets the server-side timeouts (see SqlPool).
   */
  async rotate(input: { sessionId: string; tokenId: string; now: Date; idleExpiresAt: Date; child: NewToken; audit?: AuditEntry }): Promise<RotationOutcome> {
    const { sessionId, tokenId, now, child } = input;
    const values: unknown[] = [tokenId, sessionId, now, input.idleExpiresAt, child.id, child.secretHash, child.expiresAt];
    const statement = input.audit ? ROTATE_AUDITED : ROTATE;
    if (input.audit) values.push(...rotationAuditValues({ ...input.audit, data: { tokenId, childId: child.id } }));
    let outcome: RotationRow;
    try {
      outcome = (await this.pool.statement<RotationRow>(statement, values)).rows[0]!;
    } catch (error) {
      // The unique parent index is the last line: should two claims ever both
      // pass, the second insert fails here and is treated as a lost race.
      if (isSecondChild(error)) return { kind: 'already_used' };
      throw error;
    }
    if (outcome.touched !== 1) return { kind: 'session_inactive' };
    return outcome.inserted === 1 ? { kind: 'rotated' } : { kind: 'already_used' };
  }
}
