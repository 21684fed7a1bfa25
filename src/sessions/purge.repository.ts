import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';

/**
 * Deletes in bounded batches, so that a large backlog never holds long locks
 * or one huge transaction. Tokens go with their session (ON DELETE CASCADE).
 */
@Injectable()
export class PurgeRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Sessions that ended (revoked or expired) before the cutoff; returns how many were deleted. */
  deleteEndedSessions(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "sessions" WHERE "id" IN (
        SELECT "id" FROM "sessions"
        WHERE "revoked_at" < ${cutoff} OR "idle_expires_at" < ${cutoff} OR "absolute_expires_at" < ${cutoff}
        LIMIT ${batchSize}
      )`;
  }

  deleteAuditEventsBefore(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "audit_events" WHERE "id" IN (
        SELECT "id" FROM "audit_events" WHERE "occurred_at" < ${cutoff} LIMIT ${batchSize}
      )`;
  }
}
