import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';

@Injectable()
export class RevocationFeedRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Sessions revoked after `since`, oldest first. */
  listRevokedSince(since: Date, limit: number): Promise<Array<{ id: string; revokedAt: Date | null }>> {
    return this.prisma.session.findMany({
      where: { revokedAt: { gt: since } },
      select: { id: true, revokedAt: true },
      orderBy: [{ revokedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
  }
}
