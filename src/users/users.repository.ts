import { Injectable } from '@nestjs/common';
import { CHANNEL, notify, type SessionNotice } from '../database/notifications.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
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

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Null when the email is taken (the unique index decides, not a prior read). */
  async create(user: NewUser): Promise<PublicUser | null> {
    try {
      return await this.prisma.user.create({
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

  async updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash, updatedAt: now } });
  }

  /**
   * Adds or removes one role in a single UPDATE, so concurrent changes never
   * lose each other, and tells every instance to re-read the user's roles.
   */
  changeRole(email: string, role: string, grant: boolean, now: Date): Promise<PublicUser | null> {
    return this.prisma.transaction(async (tx) => {
      const user = await this.updateRoles(tx, email, role, grant, now);
      if (user) await notify(tx, CHANNEL.sessions, { userId: user.id } satisfies SessionNotice);
      return user;
    });
  }

  private async updateRoles(tx: Prisma.TransactionClient, email: string, role: string, grant: boolean, now: Date): Promise<PublicUser | null> {
    const rows = grant
      ? await tx.$queryRaw<RoleRow[]>`
          UPDATE "users" SET "roles" = CASE WHEN ${role} = ANY("roles") THEN "roles" ELSE array_append("roles", ${role}) END,
                             "updated_at" = ${now}
          WHERE "email" = ${email} RETURNING "id", "email", "roles", "created_at"`
      : await tx.$queryRaw<RoleRow[]>`
          UPDATE "users" SET "roles" = array_remove("roles", ${role}), "updated_at" = ${now}
          WHERE "email" = ${email} RETURNING "id", "email", "roles", "created_at"`;
    const row = rows[0];
    return row ? { id: row.id, email: row.email, roles: row.roles ?? [], createdAt: row.created_at } : null;
  }
}
