import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../config/app-config.js';
import { type Prisma, PrismaClient } from './generated/client.js';
import { SET_LOCAL_SETTINGS } from './server-settings.js';
import { SqlPool } from './sql-pool.js';

export type { Prisma } from './generated/client.js';

/** Prisma's client for the configured database, on the shared pool; only repositories use it. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  private readonly pooled: boolean;

  constructor(pool: SqlPool, config: AppConfig) {
    super({
      adapter: new PrismaPg(pool),
      // Rotations queue on one session row under contention; waiting beats failing.
      transactionOptions: { maxWait: 10_000, timeout: 10_000 },
      // No code frames or query arguments in error messages: they end up in logs.
      errorFormat: 'minimal',
    });
    this.pooled = config.database.pooler !== 'none';
  }

  /** The repositories' one way into an interactive transaction: behind a pooler it sets its own server settings first. */
  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.$transaction(async (tx) => {
      if (this.pooled) await tx.$executeRawUnsafe(SET_LOCAL_SETTINGS);
      return work(tx);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
