import { Injectable } from '@nestjs/common';
import type { Prisma } from '../database/generated/client.js';
import { PrismaService } from '../database/prisma.service.js';

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

const FOUND_TOKEN_FIELDS = {
  id: true,
  secretHash: true,
  usedAt: true,
  revokedAt: true,
  expiresAt: true,
  child: { select: { id: true, usedAt: true, revokedAt: true } },
  session: { select: { ...SESSION_FIELDS, user: { select: { email: true, roles: true } } } },
} as const;

/** A presented refresh token with everything a rotation decides on. */
export type FoundToken = Prisma.RefreshTokenGetPayload<{ select: typeof FOUND_TOKEN_FIELDS }>;

/** Raised inside a rotation transaction to roll it back: the token was used meanwhile. */
class TokenAlreadyUsed extends Error {}

/** A second child for one parent, refused by the unique index on parent_id. */
function isSecondChild(error: unknown): boolean {
  const { code, meta } = (error ?? {}) as { code?: string; meta?: unknown };
  return code === 'P2002' && JSON.stringify(meta ?? {}).includes('refresh_tokens_parent_id_key');
}

@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

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

  /**
   * The refresh hot path, in one round trip (relationJoins: the relations are
   * LATERAL joins, not extra queries). Typed rather than $queryRaw, which
   * measured costlier in CPU here.
   */
  findToken(id: string): Promise<FoundToken | null> {
    return this.prisma.refreshToken.findUnique({ relationLoadStrategy: 'join', where: { id }, select: FOUND_TOKEN_FIELDS });
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
   * One rotation, all or nothing. The session row is locked first (every
   * family-wide change starts there, so concurrent rotations and revocations
   * queue rather than deadlock); then the token is claimed with a
   * compare-and-set on `used_at IS NULL`; then its single child is written.
   * `makeChild` runs between the claim and the insert.
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
      return await this.prisma.$transaction(async (tx) => {
        // Prisma sends each updateMany as one UPDATE ... WHERE, so these are true compare-and-sets.
        const touched = await tx.session.updateMany({
          where: { id: sessionId, revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } },
          data: { lastUsedAt: now, idleExpiresAt: input.idleExpiresAt },
        });
        if (touched.count !== 1) return { kind: 'session_inactive' as const };

        const claimed = await tx.refreshToken.updateMany({
          where: { id: tokenId, sessionId, usedAt: null, revokedAt: null },
          data: { usedAt: now },
        });
        if (claimed.count !== 1) throw new TokenAlreadyUsed();

        const child = input.makeChild();
        await tx.refreshToken.create({
          data: {
            id: child.id,
            sessionId,
            parentId: tokenId,
            secretHash: new Uint8Array(child.secretHash),
            createdAt: now,
            expiresAt: child.expiresAt,
          },
          select: { id: true },
        });
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
   */
  async revokeSession(sessionId: string, reason: string, now: Date, audit: AuditEntry): Promise<boolean> {
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
