import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';

/**
 * Deletes in bounded batches, so that a large backlog never holds long locks
 * or one huge transaction. Tokens go with their session (ON DELETE CASCADE).
 */
@Injectable()
export class PurgeRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Sessions revoked, or past their absolute expiry, before the cutoff;
   * returns how many were deleted. A session that only idled out waits for
   * its absolute expiry: dead either way, and only immutable columns are
   * indexed (see schema.prisma). Rows are locked in id order, as every
   * family-wide change locks them, and rows busy elsewhere are left for the next pass.
   */
  deleteEndedSessions(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "sessions" WHERE "id" IN (
        SELECT "id" FROM "sessions"
        WHERE "revoked_at" < ${cutoff} OR "absolute_expires_at" < ${cutoff}
        ORDER BY "id" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      )`;
  }

  deleteAuditEventsBefore(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "audit_events" WHERE "id" IN (
        SELECT "id" FROM "audit_events" WHERE "occurred_at" < ${cutoff} LIMIT ${batchSize}
      )`;
  }
}
