import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { JOB_LOCK } from '../database/job-locks.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';

export type AccountTokenPurpose = 'password_reset' | 'email_verification';

export interface NewAccountToken {
  id: string;
  userId: string;
  purpose: AccountTokenPurpose;
  secretHash: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

export interface StoredAccountToken {
  id: string;
  userId: string;
  secretHash: Uint8Array;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Mailed single-use tokens: at most one per user and purpose (a unique index), only the SHA-256 of the secret stored. */
@Injectable()
export class AccountTokensRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /**
   * Stores the token in place of the user's earlier one of the purpose, used
   * or not, so that a new request invalidates the earlier link: one
   * statement, so two requests at once leave exactly one token. `audit`
   * commits with it.
   */
  async issue(token: NewAccountToken, audit?: AuditEntry): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO "account_tokens" ("id", "user_id", "purpose", "secret_hash", "created_at", "expires_at")
        VALUES (${token.id}::uuid, ${token.userId}::uuid, ${token.purpose}::"account_token_purpose", ${token.secretHash},
                ${token.createdAt}, ${token.expiresAt})
        ON CONFLICT ("user_id", "purpose") DO UPDATE
        SET "id" = EXCLUDED."id", "secret_hash" = EXCLUDED."secret_hash", "created_at" = EXCLUDED."created_at",
            "expires_at" = EXCLUDED."expires_at", "used_at" = NULL`;
      if (audit) await this.audit.record(tx, audit);
    });
  }

  find(id: string, purpose: AccountTokenPurpose): Promise<StoredAccountToken | null> {
    return this.prisma.accountToken.findFirst({
      where: { id, purpose },
      select: { id: true, userId: true, secretHash: true, expiresAt: true, usedAt: true },
    });
  }

  /** The compare-and-set that makes a token single-use: true for exactly one caller, and only while the token is unused and unexpired. */
  async markUsed(tx: Prisma.TransactionClient, id: string, purpose: AccountTokenPurpose, now: Date): Promise<boolean> {
    const { count } = await tx.accountToken.updateMany({
      where: { id, purpose, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    return count === 1;
  }

  /** Marks the token used and runs `work` in the same transaction; null, with nothing changed, when the token could not be used. */
  useThen<T>(id: string, purpose: AccountTokenPurpose, now: Date, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T | null> {
    return this.prisma.transaction(async (tx) => ((await this.markUsed(tx, id, purpose, now)) ? work(tx) : null));
  }

  /** A user's tokens of one purpose, or of every purpose. */
  async deleteForUser(tx: Prisma.TransactionClient, userId: string, purpose?: AccountTokenPurpose): Promise<void> {
    await tx.accountToken.deleteMany({ where: { userId, purpose } });
  }

  countExpiredBefore(cutoff: Date): Promise<number> {
    return this.prisma.accountToken.count({ where: { expiresAt: { lt: cutoff } } });
  }

  /**
   * Retention: deletes at most `batchSize` tokens that expired before
   * `cutoff` (used ones included); returns how many (none while another
   * instance runs a retention batch).
   */
  deleteExpiredBefore(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      WITH job AS (SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours)
      DELETE FROM "account_tokens" WHERE (SELECT ours FROM job) AND "id" IN (
        SELECT "id" FROM "account_tokens" WHERE "expires_at" < ${cutoff} LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      )`;
  }
}
