import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { JOB_LOCK } from '../database/job-locks.js';
import { CHANNEL, notify, type SessionNotice } from '../database/notifications.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import { tombstoneEmail, type PublicUser } from './user.js';

const PUBLIC_FIELDS = { id: true, email: true, roles: true, createdAt: true, emailVerifiedAt: true } as const;

interface RoleRow {
  id: string;
  email: string;
  roles: string[] | null;
  created_at: Date;
  email_verified_at: Date | null;
}

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string;
  roles: string[];
  now: Date;
}

/** LIKE's wildcards and its escape character, taken literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * The users table. Methods that take `tx` run inside a transaction that
 * another room composes (a password change commits with the revocation of
 * the other sessions); deleted accounts are left alone by every change.
 */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /** Null when the email is taken (the unique index decides, not a prior read). The event is written with the row. */
  async create(user: NewUser, audit: Omit<AuditEntry, 'userId'>): Promise<PublicUser | null> {
    try {
      return await this.prisma.transaction(async (tx) => {
        const created = await tx.user.create({
          data: {
            id: user.id,
            email: user.email,
            passwordHash: user.passwordHash,
            roles: user.roles,
            createdAt: user.now,
            updatedAt: user.now,
          },
          select: PUBLIC_FIELDS,
        });
        await this.audit.record(tx, { ...audit, userId: created.id });
        return created;
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return null;
      throw error;
    }
  }

  findCredentialsByEmail(email: string): Promise<(PublicUser & { passwordHash: string }) | null> {
    return this.prisma.user.findUnique({ where: { email }, select: { ...PUBLIC_FIELDS, passwordHash: true } });
  }

  findCredentialsById(id: string): Promise<(PublicUser & { passwordHash: string }) | null> {
    return this.prisma.user.findUnique({ where: { id, deletedAt: null }, select: { ...PUBLIC_FIELDS, passwordHash: true } });
  }

  findById(id: string): Promise<PublicUser | null> {
    return this.prisma.user.findUnique({ where: { id, deletedAt: null }, select: PUBLIC_FIELDS });
  }

  findByEmail(email: string): Promise<PublicUser | null> {
    return this.prisma.user.findUnique({ where: { email, deletedAt: null }, select: PUBLIC_FIELDS });
  }

  /**
   * Inside the transaction that opens a session: true if the account is live
   * and `passwordHash` is still its hash, and then the row stays share-locked
   * until that transaction ends, so that a password change or a deletion
   * waits for the new session and revokes it with the others.
   */
  async holdIfUnchanged(tx: Prisma.TransactionClient, id: string, passwordHash: string): Promise<boolean> {
    const rows = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "users" WHERE "id" = ${id}::uuid AND "password_hash" = ${passwordHash} AND "deleted_at" IS NULL
      FOR SHARE`;
    return rows.length === 1;
  }

  /**
   * A compare-and-set on the hash that was checked: false when it changed
   * meanwhile (a concurrent password change), so that neither a second
   * change nor a login's re-hash of the old password can overwrite a new one.
   */
  async replacePasswordHash(
    change: { id: string; expectedHash: string; passwordHash: string; now: Date },
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<boolean> {
    const { count } = await tx.user.updateMany({
      where: { id: change.id, passwordHash: change.expectedHash, deletedAt: null },
      data: { passwordHash: change.passwordHash, updatedAt: change.now },
    });
    return count === 1;
  }

  /**
   * Sets the hash whatever it was (a password reset: the mailed token is the
   * proof), and marks the email verified, since the reset mail reached it.
   * False when the account is gone.
   */
  async resetPasswordHash(tx: Prisma.TransactionClient, id: string, passwordHash: string, now: Date): Promise<boolean> {
    const count = await tx.$executeRaw`
      UPDATE "users" SET "password_hash" = ${passwordHash}, "updated_at" = ${now},
                         "email_verified_at" = COALESCE("email_verified_at", ${now})
      WHERE "id" = ${id}::uuid AND "deleted_at" IS NULL`;
    return count === 1;
  }

  /** False when the account is gone; an email verified already keeps the time of its first verification. */
  async markEmailVerified(tx: Prisma.TransactionClient, id: string, now: Date): Promise<boolean> {
    const count = await tx.$executeRaw`
      UPDATE "users" SET "email_verified_at" = COALESCE("email_verified_at", ${now}), "updated_at" = ${now}
      WHERE "id" = ${id}::uuid AND "deleted_at" IS NULL`;
    // Every instance's cached session checks carry `emailVerified`: they drop this user's at once, as for a role change.
    if (count === 1) await notify(tx, CHANNEL.sessions, { userId: id } satisfies SessionNotice);
    return count === 1;
  }

  /**
   * "Delete my account", the part that cannot wait: the address, the password
   * hash and the roles go at once (the address can be registered again). The
   * row itself stays, marked deleted, until the purge removes it with its
   * sessions (see docs/account-recovery.md). False when it was deleted already.
   */
  async markDeleted(tx: Prisma.TransactionClient, id: string, now: Date): Promise<boolean> {
    const { count } = await tx.user.updateMany({
      where: { id, deletedAt: null },
      data: { email: tombstoneEmail(id), passwordHash: '', roles: [], emailVerifiedAt: null, deletedAt: now, updatedAt: now },
    });
    return count === 1;
  }

  /**
   * Retention: deletes at most `batchSize` accounts deleted before `cutoff`,
   * and with them (ON DELETE CASCADE) their sessions, refresh tokens and
   * account tokens; returns how many.
   */
  deleteMarkedBefore(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      WITH job AS (SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours)
      DELETE FROM "users" WHERE (SELECT ours FROM job) AND "id" IN (
        SELECT "id" FROM "users" WHERE "deleted_at" < ${cutoff}
        ORDER BY "id" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      )`;
  }

  countMarkedBefore(cutoff: Date): Promise<number> {
    return this.prisma.user.count({ where: { deletedAt: { lt: cutoff } } });
  }

  /** Ordered by email, keyset-paginated on it; served by the text_pattern_ops index whatever the collation. */
  async searchByEmailPrefix(prefix: string, limit: number, after: string | undefined): Promise<PublicUser[]> {
    const pattern = `${escapeLike(prefix)}%`;
    const rows = await this.prisma.$queryRaw<RoleRow[]>`
      SELECT "id", "email", "roles", "created_at", "email_verified_at" FROM "users"
      WHERE "email" LIKE ${pattern} AND "deleted_at" IS NULL AND (${after ?? null}::text IS NULL OR "email" > ${after ?? null}::text)
      ORDER BY "email" LIMIT ${limit}`;
    return rows.map(toPublicUser);
  }

  /**
   * Adds or removes one role in a single UPDATE, so concurrent changes never
   * lose each other; audited in the same transaction, and every instance is
   * told to re-read the user's roles.
   */
  changeRole(email: string, role: string, grant: boolean, audit: Omit<AuditEntry, 'userId'>): Promise<PublicUser | null> {
    const now = audit.at;
    return this.prisma.transaction(async (tx) => {
      const rows = grant
        ? await tx.$queryRaw<RoleRow[]>`
            UPDATE "users" SET "roles" = CASE WHEN ${role} = ANY("roles") THEN "roles" ELSE array_append("roles", ${role}) END,
                               "updated_at" = ${now}
            WHERE "email" = ${email} AND "deleted_at" IS NULL RETURNING "id", "email", "roles", "created_at", "email_verified_at"`
        : await tx.$queryRaw<RoleRow[]>`
            UPDATE "users" SET "roles" = array_remove("roles", ${role}), "updated_at" = ${now}
            WHERE "email" = ${email} AND "deleted_at" IS NULL RETURNING "id", "email", "roles", "created_at", "email_verified_at"`;
      const row = rows[0];
      if (!row) return null;
      const user = toPublicUser(row);
      await this.audit.record(tx, { ...audit, userId: user.id, data: { ...audit.data, roles: user.roles } });
      await notify(tx, CHANNEL.sessions, { userId: user.id } satisfies SessionNotice);
      return user;
    });
  }
}

function toPublicUser(row: RoleRow): PublicUser {
  return { id: row.id, email: row.email, roles: row.roles ?? [], createdAt: row.created_at, emailVerifiedAt: row.email_verified_at };
}
