import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { JOB_LOCK } from '../database/job-locks.js';
import { CHANNEL, notify, type SessionNotice } from '../database/notifications.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import type { FamilyPrecondition, NewToken } from './family.js';

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

export interface SessionFilter {
  userId?: string;
  status: 'active' | 'ended' | 'all';
  limit: number;
  after?: { createdAt: Date; id: string };
}

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

/** For ops: how many times the family rotated (its tokens after the first). */
export type SessionWithRotations = SessionRecord & { rotations: number };

/** Sessions through Prisma: opening a family, ending families, and the listings. */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /**
   * Opens a family, only if `precondition` (run first, in the same
   * transaction) still holds: the caller can hold what it checked (the
   * password a login verified) until the session is committed. False when it did not.
   */
  createSession(session: NewSession, audit: AuditEntry, precondition: FamilyPrecondition): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      if (!(await precondition(tx))) return false;
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
      await this.audit.record(tx, audit);
      return true;
    });
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
        user: { select: { id: true, email: true, roles: true, createdAt: true, emailVerifiedAt: true } },
      },
    });
  }

  findSession(id: string): Promise<SessionRecord | null> {
    return this.prisma.session.findUnique({ where: { id }, select: SESSION_FIELDS });
  }

  /**
   * Ends a family for good: the session and every token in it. Returns false
   * when it was already revoked (the audit entry is then not repeated).
   */
  revokeSession(sessionId: string, reason: string, audit: AuditEntry): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      const revoked = await tx.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: audit.at, revokeReason: reason },
      });
      await tx.refreshToken.updateMany({ where: { sessionId, revokedAt: null }, data: { revokedAt: audit.at } });
      if (revoked.count === 1) {
        await this.audit.record(tx, audit);
        await notify(tx, CHANNEL.sessions, { sid: sessionId } satisfies SessionNotice);
      }
      return revoked.count === 1;
    });
  }

  /** Every live family of a user; returns how many were revoked. */
  revokeAllForUser(userId: string, reason: string, audit: AuditEntry): Promise<number> {
    return this.prisma.transaction(async (tx) => {
      const revoked = await this.revokeLiveFamilies(tx, userId, reason, audit.at);
      if (revoked > 0) await this.audit.record(tx, { ...audit, data: { ...audit.data, sessions: revoked } });
      return revoked;
    });
  }

  /**
   * A change of the account (`change`, run first with the transaction) and
   * the end of the user's live families but `keepSessionId`, in one
   * transaction with one audit event that counts the families: all of it
   * commits or none.
   */
  revokeAllForUserWith<T>(
    userId: string,
    reason: string,
    audit: AuditEntry,
    keepSessionId: string | undefined,
    change: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<{ result: T; revoked: number }> {
    return this.prisma.transaction(async (tx) => {
      const result = await change(tx);
      const revoked = await this.revokeLiveFamilies(tx, userId, reason, audit.at, keepSessionId);
      await this.audit.record(tx, { ...audit, data: { ...audit.data, sessions: revoked } });
      return { result, revoked };
    });
  }

  private async revokeLiveFamilies(
    tx: Prisma.TransactionClient,
    userId: string,
    reason: string,
    now: Date,
    keepSessionId?: string,
  ): Promise<number> {
    // Locked in id order, as every family-wide change locks sessions first,
    // so that two of these for one user never deadlock.
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT "id" FROM "sessions"
      WHERE "user_id" = ${userId}::uuid AND "revoked_at" IS NULL
        AND "idle_expires_at" > ${now} AND "absolute_expires_at" > ${now}
      ORDER BY "id" FOR UPDATE`;
    const ids = locked.map((session) => session.id).filter((id) => id !== keepSessionId);
    if (ids.length === 0) return 0;
    const revoked = await tx.session.updateMany({
      where: { id: { in: ids }, revokedAt: null },
      data: { revokedAt: now, revokeReason: reason },
    });
    await tx.refreshToken.updateMany({ where: { sessionId: { in: ids }, revokedAt: null }, data: { revokedAt: now } });
    await notify(tx, CHANNEL.sessions, { userId } satisfies SessionNotice);
    return revoked.count;
  }

  /** Newest first, keyset-paginated on (created_at, id) so that deep pages cost the same as the first. */
  async listSessions(filter: SessionFilter, now: Date): Promise<SessionWithRotations[]> {
    const live = { revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } };
    const ended = { OR: [{ revokedAt: { not: null } }, { idleExpiresAt: { lte: now } }, { absoluteExpiresAt: { lte: now } }] };
    const after = filter.after
      ? { OR: [{ createdAt: { lt: filter.after.createdAt } }, { createdAt: filter.after.createdAt, id: { lt: filter.after.id } }] }
      : {};
    const rows = await this.prisma.session.findMany({
      where: {
        AND: [
          filter.userId ? { userId: filter.userId } : {},
          filter.status === 'active' ? live : filter.status === 'ended' ? ended : {},
          after,
        ],
      },
      select: { ...SESSION_FIELDS, _count: { select: { refreshTokens: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
    return rows.map(({ _count, ...session }) => ({ ...session, rotations: Math.max(_count.refreshTokens - 1, 0) }));
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

  /** Live sessions of all users: the active-sessions gauge. */
  countActive(now: Date): Promise<number> {
    return this.prisma.session.count({ where: { revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } } });
  }

  /** How many sessions deleteEnded would remove for this cutoff (the CLI's progress bar). */
  countEnded(cutoff: Date): Promise<number> {
    return this.prisma.session.count({ where: { OR: [{ revokedAt: { lt: cutoff } }, { absoluteExpiresAt: { lt: cutoff } }] } });
  }

  /**
   * Retention: deletes at most `batchSize` sessions revoked, or past their
   * absolute expiry, before the cutoff; returns how many. A session that
   * only idled out waits for its absolute expiry: dead either way, and only
   * immutable columns are indexed (see schema.prisma). Rows are locked in id
   * order, as every family-wide change locks them, and rows busy elsewhere
   * are left for the next pass. Tokens go with their session (ON DELETE CASCADE).
   * A batch another instance is running at the same moment makes this one
   * delete nothing (JOB_LOCK.retention), which ends this instance's pass.
   */
  deleteEnded(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      WITH job AS (SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours)
      DELETE FROM "sessions" WHERE (SELECT ours FROM job) AND "id" IN (
        SELECT "id" FROM "sessions"
        WHERE "revoked_at" < ${cutoff} OR "absolute_expires_at" < ${cutoff}
        ORDER BY "id" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      )`;
  }
}
