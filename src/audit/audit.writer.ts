import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { JOB_LOCK } from '../database/job-locks.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import type { AuditEntry } from './audit-entry.js';

/** The refresh path's transaction runs on pg, not Prisma (see SqlPool): the same row, written in that transaction. */
const INSERT_EVENT = `
  INSERT INTO audit_events (occurred_at, type, actor, origin, user_id, session_id, ip, user_agent, data)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

/**
 * The only code that writes the audit trail. An event is recorded inside the
 * transaction of the change it describes, so that the two commit together or
 * not at all.
 */
@Injectable()
export class AuditWriter {
  constructor(private readonly prisma: PrismaService) {}

  async record(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
    await tx.auditEvent.create({
      data: {
        occurredAt: entry.at,
        type: entry.type,
        actor: entry.actor,
        origin: entry.origin,
        userId: entry.userId,
        sessionId: entry.sessionId,
        ip: entry.ip,
        userAgent: entry.userAgent,
        data: entry.data,
      },
    });
  }

  /**
   * "Delete my account": the user's earlier events lose the IP address and
   * user agent, and keep their type, time, ids and `data` (which never holds
   * personal data), so the trail still shows what happened to the account
   * without saying from where. The user id that stays is a random UUID that
   * nothing maps to a person once the user row is purged.
   */
  async anonymiseUser(tx: Prisma.TransactionClient, userId: string): Promise<number> {
    const { count } = await tx.auditEvent.updateMany({
      where: { userId, OR: [{ ip: { not: null } }, { userAgent: { not: null } }] },
      data: { ip: null, userAgent: null },
    });
    return count;
  }

  /** Inside a transaction held on a pg client (the refresh rotation). */
  async recordWithSql(client: pg.ClientBase, entry: AuditEntry): Promise<void> {
    await client.query(INSERT_EVENT, [
      entry.at,
      entry.type,
      entry.actor,
      entry.origin,
      entry.userId,
      entry.sessionId,
      entry.ip,
      entry.userAgent,
      entry.data === undefined ? null : JSON.stringify(entry.data),
    ]);
  }

  /** An event that accompanies no change of state (a failed login, a grace-window replay): the event is the whole write. */
  recordAlone(entry: AuditEntry): Promise<void> {
    return this.record(this.prisma, entry);
  }

  /**
   * Retention: deletes at most `batchSize` events older than `cutoff`;
   * returns how many (none while another instance runs a retention batch).
   */
  deleteOlderThan(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      WITH job AS (SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours)
      DELETE FROM "audit_events" WHERE (SELECT ours FROM job) AND "id" IN (
        SELECT "id" FROM "audit_events" WHERE "occurred_at" < ${cutoff} LIMIT ${batchSize}
      )`;
  }
}
