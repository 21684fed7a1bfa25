import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { PrismaService } from '../database/prisma.service.js';

export interface AuditFilter {
  userId?: string;
  sessionId?: string;
  type?: string;
  limit: number;
}

export interface AuditEventRecord {
  id: string;
  occurredAt: Date;
  type: string;
  actor: string | null;
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

/** The only code that reads the audit trail: newest first, keyset-paginated by id. */
@Injectable()
export class AuditReader {
  constructor(private readonly prisma: PrismaService) {}

  async list(filter: AuditFilter, cursor?: string): Promise<AuditPage> {
    if (cursor !== undefined && !CURSOR.test(cursor)) throw AppError.invalidField('cursor', 'must be the nextCursor of a previous page');
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        userId: filter.userId,
        sessionId: filter.sessionId,
        type: filter.type,
        id: cursor === undefined ? undefined : { lt: BigInt(cursor) },
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
    const events: AuditEventRecord[] = rows.map((row) => ({ ...row, id: row.id.toString() }));
    return { events, nextCursor: events.length === filter.limit ? events.at(-1)!.id : null };
  }
}
