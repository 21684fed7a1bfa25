import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { SqlPool } from '../database/sql-pool.js';
import type { NewToken, SessionOwner } from './family.js';
import { CLAIM_TOKEN, FIND_TOKEN, INSERT_CHILD, TOUCH_SESSION } from './rotation.sql.js';

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

export type RotationOutcome =
  | { kind: 'rotated'; child: NewToken & { secret: Buffer } }
  | { kind: 'session_inactive' }
  | { kind: 'already_used' };

/** Raised inside a rotation transaction to roll it back: the token was used meanwhile. */
class TokenAlreadyUsed extends Error {}

/** A second child for one parent, refused by the unique index on parent_id (pg reports SQLSTATE and constraint). */
function isSecondChild(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'refresh_tokens_parent_id_key';
}

/**
 * The refresh hot path, sent with pg on the pool Prisma shares (see SqlPool
 * for why): the lookup, and the rotation transaction.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(
    private readonly pool: SqlPool,
    private readonly audit: AuditWriter,
  ) {}

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
   * One rotation, all or nothing: lock the live session row, claim the token
   * with a compare-and-set on `used_at IS NULL`, write its single child.
   * `makeChild` runs between the claim and the insert; `audit`, when given,
   * is written in the same transaction.
   */
  async rotate(input: {
    sessionId: string;
    tokenId: string;
    now: Date;
    idleExpiresAt: Date;
    makeChild: () => NewToken & { secret: Buffer };
    audit?: AuditEntry;
  }): Promise<RotationOutcome> {
    const { sessionId, tokenId, now } = input;
    try {
      return await this.pool.transaction(async (client) => {
        const touched = await client.query(TOUCH_SESSION, [sessionId, now, input.idleExpiresAt]);
        if (touched.rowCount !== 1) return { kind: 'session_inactive' as const };

        const claimed = await client.query(CLAIM_TOKEN, [tokenId, sessionId, now]);
        if (claimed.rowCount !== 1) throw new TokenAlreadyUsed();

        const child = input.makeChild();
        await client.query(INSERT_CHILD, [child.id, sessionId, tokenId, child.secretHash, now, child.expiresAt]);
        if (input.audit) await this.audit.recordWithSql(client, { ...input.audit, data: { tokenId, childId: child.id } });
        return { kind: 'rotated' as const, child };
      });
    } catch (error) {
      // The unique parent index is the last line: should two claims ever both
      // pass, the second insert fails here and is treated as a lost race.
      if (error instanceof TokenAlreadyUsed || isSecondChild(error)) {
        return { kind: 'already_used' };
      }
      throw error;
    }
  }
}
