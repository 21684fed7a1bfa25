import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { PrismaService } from '../database/prisma.service.js';

export interface AuditFilter {
  userId?: string;
  sessionId?: string;
  type?: string;
  /** Events at or after this time. */
  from?: Date;
  /** Events before this time. */
  to?: Date;
}

export interface AuditEventRecord {
  id: string;
  occurredAt: Date;
  type: string;
  actor: string | null;
  origin: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: unknown;
}

export interface AuditPage {
  events: AuditEventRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}

const CURSOR = /^\d{1,18}$/;

function where(filter: AuditFilter) {
  return {
    userId: filter.userId,
    sessionId: filter.sessionId,
    type: filter.type,
    occurredAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
  };
}

const toRecord = <T extends { id: bigint }>(row: T) => ({ ...row, id: row.id.toString() });

/** The only code that reads the audit trail. */
@Injectable()
export class AuditReader {
  constructor(private readonly prisma: PrismaService) {}

  /** Newest first, keyset-paginated by id. */
  async list(filter: AuditFilter, limit: number, cursor?: string): Promise<AuditPage> {
    if (cursor !== undefined && !CURSOR.test(cursor)) throw AppError.invalidField('cursor', 'must be the nextCursor of a previous page');
    const rows = await this.prisma.auditEvent.findMany({
      where: { ...where(filter), id: cursor === undefined ? undefined : { lt: BigInt(cursor) } },
      orderBy: { id: 'desc' },
      take: limit,
    });
    const events: AuditEventRecord[] = rows.map(toRecord);
    return { events, nextCursor: events.length === limit ? events.at(-1)!.id : null };
  }

  /** How many events retention would delete for this cutoff (the CLI's progress bar). */
  countOlderThan(cutoff: Date): Promise<number> {
    return this.prisma.auditEvent.count({ where: { occurredAt: { lt: cutoff } } });
  }

  /**
   * Oldest first, from `filter.from` on: for following the trail. Ids are
   * handed out before commit, so a follower must not trust "greater than the
   * last id seen"; it re-reads a window of time and skips ids it has shown.
   */
  async listOldestFirst(filter: AuditFilter & { from: Date }, limit: number): Promise<AuditEventRecord[]> {
    const rows = await this.prisma.auditEvent.findMany({ where: where(filter), orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }], take: limit });
    return rows.map(toRecord);
  }
}
