import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { auditInsertStep } from '../audit/audit.writer.js';
import { JOB_LOCK } from '../database/job-locks.js';
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

const loginEvent = auditInsertStep(11, 'opened');

/**
 * A new family in one statement, one round trip: the session, its first
 * refresh token and the login event (a data-modifying CTE commits all of it
 * or none, inside the caller's transaction). Prisma's nested create took
 * three round trips for the first two, and re-read the session.
 */
const OPEN_FAMILY = `
  WITH opened AS (
    INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, user_agent, ip)
    VALUES ($1::uuid, $2::uuid, $3, $3, $4, $5, $6, $7)
    RETURNING id
  ), first_token AS (
    INSERT INTO refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
    SELECT $8::uuid, id, $9, $3, $10 FROM opened
  )
  ${loginEvent.sql}`;

/** Sessions through Prisma: opening a family, reading one, the listings and retention; ending families is SessionRevocationsRepository's. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Opens a family, only if `precondition` (run first, in the same
   * transaction) still holds: the caller can hold what it checked (the
   * password a login verified) until the session is committed. False when it did not.
   */
  createSession(session: NewSession, audit: AuditEntry, precondition: FamilyPrecondition): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      if (!(await precondition(tx))) return false;
      const { id, userId, now, idleExpiresAt, absoluteExpiresAt, userAgent, ip, firstToken } = session;
      const eventsWritten = await tx.$executeRawUnsafe(
        OPEN_FAMILY,
        id,
        userId,
        now,
        idleExpiresAt,
        absoluteExpiresAt,
        userAgent,
        ip,
        firstToken.id,
        new Uint8Array(firstToken.secretHash),
        firstToken.expiresAt,
        ...loginEvent.values(audit),
      );
      // The count is the last step's: one login event exists only if the session it follows was written.
      if (eventsWritten !== 1) throw new Error(`opening a family wrote ${eventsWritten} login events, not 1`);
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
