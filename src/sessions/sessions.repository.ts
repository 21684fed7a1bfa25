import { Injectable } from '@nestjs/common';
import type { Prisma } from '../database/generated/client.js';
import { PrismaService } from '../database/prisma.service.js';
import { SqlPool } from '../database/sql-pool.js';
import { SessionCheckCache } from './session-check-cache.js';

export interface NewToken {
  id: string;
  secretHash: Buffer;
  expiresAt: Date;
}

export interface NewSession {
  id: string;
  userId: string;
  now: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  firstToken: NewToken;
}

export interface AuditEntry {
  type: string;
  userId?: string | null;
  sessionId?: string | null;
  actor?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  data?: Prisma.InputJsonValue;
}

export interface SessionFilter {
  userId?: string;
  status: 'active' | 'ended' | 'all';
  limit: number;
  after?: { createdAt: Date; id: string };
}

export interface AuditFilter {
  userId?: string;
  sessionId?: string;
  type?: string;
  beforeId?: bigint;
  limit: number;
}

export type RotationOutcome =
  | { kind: 'rotated'; child: NewToken & { secret: Buffer } }
  | { kind: 'session_inactive' }
  | { kind: 'already_used' };

const SESSION_FIELDS = {
  id: true,
  userId: true,
  createdAt: true,
  lastUsedAt: true,
  idleExpiresAt: true,
  absoluteExpiresAt: true,
  revokedAt: true,
  revokeReason: true,
  userAgent: true,
  ip: true,
} as const;

export type SessionRecord = Prisma.SessionGetPayload<{ select: typeof SESSION_FIELDS }>;

/** A presented refresh token with everything a rotation decides on. */
export interface FoundToken {
  id: string;
  secretHash: Buffer;
  usedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
  child: { id: string; usedAt: Date | null; revokedAt: Date | null } | null;
  session: SessionRecord & { user: { email: string; roles: string[] } };
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
  session_created_at: Date;
  last_used_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  session_revoked_at: Date | null;
  revoke_reason: string | null;
  user_agent: string | null;
  ip: string | null;
  email: string;
  roles: string[] | null;
}

const FIND_TOKEN = `
  SELECT t.id, t.secret_hash, t.used_at, t.revoked_at, t.expires_at,
         c.id AS child_id, c.used_at AS child_used_at, c.revoked_at AS child_revoked_at,
         s.id AS session_id, s.user_id, s.created_at AS session_created_at, s.last_used_at,
         s.idle_expires_at, s.absolute_expires_at, s.revoked_at AS session_revoked_at,
         s.revoke_reason, s.user_agent, s.ip, u.email, u.roles
  FROM refresh_tokens t
  JOIN sessions s ON s.id = t.session_id
  JOIN users u ON u.id = s.user_id
  LEFT JOIN refresh_tokens c ON c.parent_id = t.id
  WHERE t.id = $1`;

/** Raised inside a rotation transaction to roll it back: the token was used meanwhile. */
class TokenAlreadyUsed extends Error {}

/** A second child for one parent, refused by the unique index on parent_id (pg reports SQLSTATE and constraint). */
function isSecondChild(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'refresh_tokens_parent_id_key';
}

@Injectable()
export class SessionsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: SqlPool,
    private readonly checks: SessionCheckCache,
  ) {}

  async createSession(session: NewSession, audit: AuditEntry): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.session.create({
        data: {
          id: session.id,
          userId: session.userId,
          createdAt: session.now,
          lastUsedAt: session.now,
          idleExpiresAt: session.idleExpiresAt,
          absoluteExpiresAt: session.absoluteExpiresAt,
          userAgent: session.userAgent,
          ip: session.ip,
          refreshTokens: {
            create: {
              id: session.firstToken.id,
              secretHash: new Uint8Array(session.firstToken.secretHash),
              createdAt: session.now,
              expiresAt: session.firstToken.expiresAt,
            },
          },
        },
      });
      await this.writeAudit(tx, audit, session.now);
    });
  }

  /** The refresh hot path: token, child, session and user in one round trip. */
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
        createdAt: row.session_created_at,
        lastUsedAt: row.last_used_at,
        idleExpiresAt: row.idle_expires_at,
        absoluteExpiresAt: row.absolute_expires_at,
        revokedAt: row.session_revoked_at,
        revokeReason: row.revoke_reason,
        userAgent: row.user_agent,
        ip: row.ip,
        user: { email: row.email, roles: row.roles ?? [] },
      },
    };
  }

  /** The access-token check on every authenticated request: the session and its user, in one query. */
  findSessionForAccess(id: string) {
    return this.prisma.session.findUnique({
      relationLoadStrategy: 'join',
      where: { id },
      select: {
        userId: true,
        revokedAt: true,
        idleExpiresAt: true,
        absoluteExpiresAt: true,
        user: { select: { id: true, email: true, roles: true, createdAt: true } },
      },
    });
  }

  findSession(id: string): Promise<SessionRecord | null> {
    return this.prisma.session.findUnique({ where: { id }, select: SESSION_FIELDS });
  }

  /**
   * One rotation, all or nothing, sent with pg on the shared pool (see
   * SqlPool for why). The session row is locked first (every family-wide
   * change starts there, so concurrent rotations and revocations queue rather
   * than deadlock); then the token is claimed with a compare-and-set on
   * `used_at IS NULL`; then its single child is written. `makeChild` runs
   * between the claim and the insert.
   */
  async rotate(input: {
    sessionId: string;
    tokenId: string;
    now: Date;
    idleExpiresAt: Date;
    makeChild: () => NewToken & { secret: Buffer };
  }): Promise<RotationOutcome> {
    const { sessionId, tokenId, now } = input;
    try {
      return await this.pool.transaction(async (client) => {
        const touched = await client.query(
          `UPDATE sessions SET last_used_at = $2, idle_expires_at = $3
           WHERE id = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND absolute_expires_at > $2`,
          [sessionId, now, input.idleExpiresAt],
        );
        if (touched.rowCount !== 1) return { kind: 'session_inactive' as const };

        const claimed = await client.query(
          `UPDATE refresh_tokens SET used_at = $3
           WHERE id = $1 AND session_id = $2 AND used_at IS NULL AND revoked_at IS NULL`,
          [tokenId, sessionId, now],
        );
        if (claimed.rowCount !== 1) throw new TokenAlreadyUsed();

        const child = input.makeChild();
        await client.query(
          `INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [child.id, sessionId, tokenId, child.secretHash, now, child.expiresAt],
        );
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

  /**
   * Ends a family for good: the session and every token in it. Returns false
   * when it was already revoked (the audit entry is then not repeated).
   * Every revocation passes here or through revokeAllForUser, so these two
   * also drop this instance's cached session checks, even when the answer to
   * a committed revocation is lost on its way back.
   */
  async revokeSession(sessionId: string, reason: string, now: Date, audit: AuditEntry): Promise<boolean> {
    try {
      return await this.revokeSessionRows(sessionId, reason, now, audit);
    } finally {
      this.checks.forgetSession(sessionId);
    }
  }

  private revokeSessionRows(sessionId: string, reason: string, now: Date, audit: AuditEntry): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const revoked = await tx.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: now, revokeReason: reason },
      });
      await tx.refreshToken.updateMany({ where: { sessionId, revokedAt: null }, data: { revokedAt: now } });
      if (revoked.count === 1) await this.writeAudit(tx, audit, now);
      return revoked.count === 1;
    });
  }

  /** Every live family of a user; returns how many were revoked. */
  async revokeAllForUser(userId: string, reason: string, now: Date, audit: AuditEntry): Promise<number> {
    try {
      return await this.revokeUserRows(userId, reason, now, audit);
    } finally {
      this.checks.forgetUser(userId);
    }
  }

  private revokeUserRows(userId: string, reason: string, now: Date, audit: AuditEntry): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      // Locked in id order, as every family-wide change locks sessions first,
      // so that two of these for one user never deadlock.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT "id" FROM "sessions"
        WHERE "user_id" = ${userId}::uuid AND "revoked_at" IS NULL
          AND "idle_expires_at" > ${now} AND "absolute_expires_at" > ${now}
        ORDER BY "id" FOR UPDATE`;
      const ids = locked.map((session) => session.id);
      if (ids.length === 0) return 0;
      const revoked = await tx.session.updateMany({
        where: { id: { in: ids }, revokedAt: null },
        data: { revokedAt: now, revokeReason: reason },
      });
      await tx.refreshToken.updateMany({ where: { sessionId: { in: ids }, revokedAt: null }, data: { revokedAt: now } });
      await this.writeAudit(tx, { ...audit, data: { ...(audit.data as object), sessions: revoked.count } }, now);
      return revoked.count;
    });
  }

  /** Newest first, keyset-paginated on (created_at, id) so that deep pages cost the same as the first. */
  listSessions(filter: SessionFilter, now: Date): Promise<SessionRecord[]> {
    const live = { revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } };
    const ended = { OR: [{ revokedAt: { not: null } }, { idleExpiresAt: { lte: now } }, { absoluteExpiresAt: { lte: now } }] };
    const after = filter.after
      ? { OR: [{ createdAt: { lt: filter.after.createdAt } }, { createdAt: filter.after.createdAt, id: { lt: filter.after.id } }] }
      : {};
    return this.prisma.session.findMany({
      where: {
        AND: [
          filter.userId ? { userId: filter.userId } : {},
          filter.status === 'active' ? live : filter.status === 'ended' ? ended : {},
          after,
        ],
      },
      select: SESSION_FIELDS,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
  }

  /** Sessions revoked after `since`, oldest first: the feed other services poll. */
  listRevokedSince(since: Date, limit: number) {
    return this.prisma.session.findMany({
      where: { revokedAt: { gt: since } },
      select: { id: true, revokedAt: true },
      orderBy: [{ revokedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
  }

  /** Newest first; `beforeId` continues a previous page. */
  listAuditEvents(filter: AuditFilter) {
    return this.prisma.auditEvent.findMany({
      where: {
        userId: filter.userId,
        sessionId: filter.sessionId,
        type: filter.type,
        id: filter.beforeId === undefined ? undefined : { lt: filter.beforeId },
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
  }

  /** A user's own live sessions, newest first; `limit` keeps a pathological account's answer bounded. */
  listActiveForUser(userId: string, now: Date, limit: number): Promise<SessionRecord[]> {
    return this.prisma.session.findMany({
      where: { userId, revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } },
      select: SESSION_FIELDS,
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
  }

  private async writeAudit(tx: Prisma.TransactionClient, audit: AuditEntry, now: Date): Promise<void> {
    await tx.auditEvent.create({
      data: {
        occurredAt: now,
        type: audit.type,
        userId: audit.userId ?? null,
        sessionId: audit.sessionId ?? null,
        actor: audit.actor ?? null,
        ip: audit.ip ?? null,
        userAgent: audit.userAgent ?? null,
        data: audit.data,
      },
    });
  }
}
