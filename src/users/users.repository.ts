import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { PrismaService } from '../database/prisma.service.js';
import type { PublicUser } from './user.js';

const PUBLIC_FIELDS = { id: true, email: true, roles: true, createdAt: true } as const;

interface RoleRow {
  id: string;
  email: string;
  roles: string[] | null;
  created_at: Date;
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

@Injectable()
export class UsersRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /** Null when the email is taken (the unique index decides, not a prior read). The event is written with the row. */
  async create(user: NewUser, audit: Omit<AuditEntry, 'userId'>): Promise<PublicUser | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
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

  findById(id: string): Promise<PublicUser | null> {
    return this.prisma.user.findUnique({ where: { id }, select: PUBLIC_FIELDS });
  }

  findByEmail(email: string): Promise<PublicUser | null> {
    return this.prisma.user.findUnique({ where: { email }, select: PUBLIC_FIELDS });
  }

  /** Ordered by email, keyset-paginated on it; served by the text_pattern_ops index whatever the collation. */
  async searchByEmailPrefix(prefix: string, limit: number, after: string | undefined): Promise<PublicUser[]> {
    const pattern = `${escapeLike(prefix)}%`;
    const rows = await this.prisma.$queryRaw<RoleRow[]>`
      SELECT "id", "email", "roles", "created_at" FROM "users"
      WHERE "email" LIKE ${pattern} AND (${after ?? null}::text IS NULL OR "email" > ${after ?? null}::text)
      ORDER BY "email" LIMIT ${limit}`;
    return rows.map(toPublicUser);
  }

  async updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash, updatedAt: now } });
  }

  /** Adds or removes one role in a single UPDATE, so concurrent changes never lose each other; audited in the same transaction. */
  changeRole(email: string, role: string, grant: boolean, audit: Omit<AuditEntry, 'userId'>): Promise<PublicUser | null> {
    const now = audit.at;
    return this.prisma.$transaction(async (tx) => {
      const rows = grant
        ? await tx.$queryRaw<RoleRow[]>`
            UPDATE "users" SET "roles" = CASE WHEN ${role} = ANY("roles") THEN "roles" ELSE array_append("roles", ${role}) END,
                               "updated_at" = ${now}
            WHERE "email" = ${email} RETURNING "id", "email", "roles", "created_at"`
        : await tx.$queryRaw<RoleRow[]>`
            UPDATE "users" SET "roles" = array_remove("roles", ${role}), "updated_at" = ${now}
            WHERE "email" = ${email} RETURNING "id", "email", "roles", "created_at"`;
      const row = rows[0];
      if (!row) return null;
      const user = toPublicUser(row);
      await this.audit.record(tx, { ...audit, userId: user.id, data: { ...audit.data, roles: user.roles } });
      return user;
    });
  }
}

function toPublicUser(row: RoleRow): PublicUser {
  return { id: row.id, email: row.email, roles: row.roles ?? [], createdAt: row.created_at };
}
