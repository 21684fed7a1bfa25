import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { CHANNEL, notify, type SessionNotice } from '../database/notifications.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import { SecurityEventOutbox } from '../shared-signals/security-event-outbox.js';
import type { EndedSessions } from '../shared-signals/security-events.js';

/**
 * Ending families, through Prisma: each revocation in one transaction, the
 * session rows locked first (in id order when there are several), so that
 * rotations and revocations queue rather than deadlock, and every one of them
 * ends in `announce`.
 */
@Injectable()
export class SessionRevocationsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly securityEvents: SecurityEventOutbox,
  ) {}

  /**
   * Ends a family for good: the session and every token in it. Returns false
   * when it was already revoked (nothing is announced again).
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
    return this.prisma.transaction(async (tx) => {
      const revoked = await this.revokeLiveFamilies(tx, userId, reason, audit.at);
      if (revoked.length > 0) await this.announceForUser(tx, userId, revoked, reason, audit);
      return revoked.length;
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
      // The account change is recorded even when it ended no family.
      if (revoked.length > 0) await this.announceForUser(tx, userId, revoked, reason, audit);
      else await this.audit.record(tx, { ...audit, data: { ...audit.data, sessions: 0 } });
      return { result, revoked: revoked.length };
    });
  }

  private async revokeLiveFamilies(tx: Prisma.TransactionClient, userId: string, reason: string, now: Date, keepSessionId?: string): Promise<string[]> {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT "id" FROM "sessions"
      WHERE "user_id" = ${userId}::uuid AND "revoked_at" IS NULL
        AND "idle_expires_at" > ${now} AND "absolute_expires_at" > ${now}
      ORDER BY "id" FOR UPDATE`;
    const ids = locked.map((session) => session.id).filter((id) => id !== keepSessionId);
    return ids.length === 0 ? [] : this.endFamilies(tx, ids, reason, now);
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

  private announceForUser(tx: Prisma.TransactionClient, userId: string, revoked: string[], reason: string, audit: AuditEntry): Promise<void> {
    const entry = { ...audit, data: { ...audit.data, sessions: revoked.length } };
    return this.announce(tx, entry, { userId, sessionIds: revoked, reason, at: audit.at }, { userId });
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
}
