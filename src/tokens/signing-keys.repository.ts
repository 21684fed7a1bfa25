import { Injectable } from '@nestjs/common';
import type { Prisma, SigningKey } from '../database/generated/client.js';
import { PrismaService } from '../database/prisma.service.js';

export interface NewSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: Prisma.InputJsonValue;
  privateKeyCiphertext: Buffer;
}

/** Serialises key creation across instances (an advisory lock, held for one transaction). */
const KEY_CHANGE_LOCK = 0x6b657973;

@Injectable()
export class SigningKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates the current key unless one exists; safe when several instances start at once. */
  async ensureCurrent(now: Date, create: () => Promise<NewSigningKey>): Promise<string | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_CHANGE_LOCK})`;
      const current = await tx.signingKey.findFirst({ where: { state: 'current' }, select: { kid: true } });
      if (current) return null;
      const key = await create();
      await tx.signingKey.create({
        data: { ...key, privateKeyCiphertext: new Uint8Array(key.privateKeyCiphertext), state: 'current', createdAt: now, activatedAt: now },
      });
      return key.kid;
    });
  }

  /** Keys whose public part belongs in the JWKS: next, current, and retired ones still in their grace period. */
  listPublished(now: Date): Promise<SigningKey[]> {
    return this.prisma.signingKey.findMany({
      where: {
        OR: [{ state: { in: ['next', 'current'] } }, { state: 'retired', publishUntil: { gt: now } }],
      },
      orderBy: { createdAt: 'desc' },
    });
  }
}
