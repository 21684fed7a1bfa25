import { Injectable } from '@nestjs/common';
import { JOB_LOCK } from '../database/job-locks.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import type { AuditEntry } from './audit-entry.js';

const EVENT_COLUMNS = 'occurred_at, type, actor, origin, user_id, session_id, ip, user_agent, data';

/**
 * An event's column values, in EVENT_COLUMNS' order, for statements written
 * by hand. Sent through Prisma's adapter, a Date goes without an offset and
 * relies on the session reading times as UTC (database/server-settings.ts).
 */
function eventValues(entry: AuditEntry): unknown[] {
  return [entry.at, entry.type, entry.actor, entry.origin, entry.userId, entry.sessionId, entry.ip, entry.userAgent, entry.data === undefined ? null : JSON.stringify(entry.data)];
}

/**
 * The audit insert as one step of a caller's single statement (the refresh
 * rotation's and the login's data-modifying CTEs), so that the event commits with the change
 * in the same round trip: the row is written once for each row of `source`
 * (a CTE of the caller's). Its parameters start at `$first`; `values(entry)`
 * gives them in order. The event's shape stays this file's.
 */
export function auditInsertStep(first: number, source: string): { sql: string; values: (entry: AuditEntry) => unknown[] } {
  const parameters = Array.from({ length: 9 }, (_, index) => `$${first + index}`);
  parameters[8] = `${parameters[8]}::jsonb`;
  return {
    sql: `INSERT INTO audit_events (${EVENT_COLUMNS}) SELECT ${parameters.join(', ')} FROM ${source}`,
    values: eventValues,
  };
}

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
