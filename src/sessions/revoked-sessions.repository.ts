import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '../database/prisma.service.js';

/** Revoked sessions, read: the revocation feed, the session-check cache's resync and a new SSF stream's backfill. */
@Injectable()
export class RevokedSessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Sessions revoked after `since`, oldest first; `tx` when the read belongs to the caller's transaction. */
  listRevokedSince(
    since: Date,
    limit: number,
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<Array<{ id: string; userId: string; revokedAt: Date | null; revokeReason: string | null }>> {
    return tx.session.findMany({
      where: { revokedAt: { gt: since } },
      select: { id: true, userId: true, revokedAt: true, revokeReason: true },
      orderBy: [{ revokedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
  }
}
