import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { JOB_LOCK } from '../database/job-locks.js';
import { CHANNEL, notify, type SessionNotice } from '../database/notifications.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import { SecurityEventOutbox } from '../shared-signals/security-event-outbox.js';
import type { EndedSessions } from '../shared-signals/security-events.js';
import type { NewToken } from './family.js';

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

/** Sessions through Prisma: opening a family, ending families, and the listings. */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly securityEvents: SecurityEventOutbox,
  ) {}

  async createSession(session: NewSession, audit: AuditEntry): Promise<void> {
    await this.prisma.transaction(async (tx) => {
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
        user: { select: { id: true, email: true, roles: true, createdAt: true } },
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
  revokeSession(session: { id: string; userId: string }, reason: string, audit: AuditEntry): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      const revoked = await this.endFamilies(tx, [session.id], reason, audit.at);
      if (revoked.length === 1) await this.announce(tx, audit, { userId: session.userId, sessionIds: revoked, reason, at: audit.at }, { sid: session.id });
      return revoked.length === 1;
    });
  }

  /** Every live family of a user; returns how many were revoked. */
  revokeAllForUser(userId: string, reason: string, audit: AuditEntry): Promise<number> {
    const now = audit.at;
    return this.prisma.transaction(async (tx) => {
      // Locked in id order, as every family-wide change locks sessions first,
      // so that two of these for one user never deadlock.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT "id" FROM "sessions"
        WHERE "user_id" = ${userId}::uuid AND "revoked_at" IS NULL
          AND "idle_expires_at" > ${now} AND "absolute_expires_at" > ${now}
        ORDER BY "id" FOR UPDATE`;
      if (locked.length === 0) return 0;
      const revoked = await this.endFamilies(tx, locked.map((session) => session.id), reason, now);
      await this.announce(tx, { ...audit, data: { ...audit.data, sessions: revoked.length } }, { userId, sessionIds: revoked, reason, at: now }, { userId });
      return revoked.length;
    });
  }

  /** Revokes the families among `ids` still live, with their tokens; returns the ids it revoked. */
  private async endFamilies(tx: Prisma.TransactionClient, ids: string[], reason: string, at: Date): Promise<string[]> {
    const revoked = await tx.session.updateManyAndReturn({
      where: { id: { in: ids }, revokedAt: null },
      data: { revokedAt: at, revokeReason: reason },
      select: { id: true },
    });
    await tx.refreshToken.updateMany({ where: { sessionId: { in: ids }, revokedAt: null }, data: { revokedAt: at } });
    return revoked.map((session) => session.id);
  }

  /**
   * What every revocation leaves behind, in its own transaction: the audit
   * event, the notice to every instance, and the security events for the SSF
   * receivers. A new way of ending families goes through here too.
   */
  private async announce(tx: Prisma.TransactionClient, audit: AuditEntry, ended: EndedSessions, notice: SessionNotice): Promise<void> {
    await this.audit.record(tx, audit);
    await notify(tx, CHANNEL.sessions, notice);
    await this.securityEvents.recordEndedSessions(tx, ended);
  }

  /**
   * Revoked sessions whose access tokens may still be in use (revoked after
   * `since`), oldest first: the backfill of a new SSF stream, read in its
   * transaction.
   */
  listRevokedSince(tx: Prisma.TransactionClient, since: Date, limit: number): Promise<Array<{ id: string; userId: string; revokedAt: Date | null; revokeReason: string | null }>> {
    return tx.session.findMany({
      where: { revokedAt: { gt: since } },
      select: { id: true, userId: true, revokedAt: true, revokeReason: true },
      orderBy: [{ revokedAt: 'asc' }, { id: 'asc' }],
      take: limit,
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

  /** A user's own live sessions, newest first; `limit` keeps a pathological account's answer bounded. */
  listActiveForUser(userId: string, now: Date, limit: number): Promise<SessionRecord[]> {
    return this.prisma.session.findMany({
      where: { userId, revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } },
      select: SESSION_FIELDS,
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
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
