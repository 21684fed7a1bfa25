import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';
import { SqlPool } from './sql-pool.js';

export type { Prisma } from './generated/client.js';

/** Prisma's client for the configured database, on the shared pool; only repositories use it. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(pool: SqlPool) {
    super({
      adapter: new PrismaPg(pool),
      // Rotations queue on one session row under contention; waiting beats failing.
      transactionOptions: { maxWait: 10_000, timeout: 10_000 },
      // No code frames or query arguments in error messages: they end up in logs.
      errorFormat: 'minimal',
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
