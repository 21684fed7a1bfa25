import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import type { PublicUser } from './user.js';

const PUBLIC_FIELDS = { id: true, email: true, roles: true, createdAt: true } as const;

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

  findByEmail(email: string): Promise<PublicUser | null> {
    return this.prisma.user.findUnique({ where: { email }, select: PUBLIC_FIELDS });
  }

  findById(id: string): Promise<PublicUser | null> {
    return this.prisma.user.findUnique({ where: { id }, select: PUBLIC_FIELDS });
  }

  async updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash, updatedAt: now } });
  }

  async setRoles(id: string, roles: string[], now: Date): Promise<boolean> {
    const { count } = await this.prisma.user.updateMany({ where: { id }, data: { roles, updatedAt: now } });
    return count === 1;
  }
}
