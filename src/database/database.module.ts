import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection, openDatabase } from './database-connection.js';
import { DatabaseHealth } from './database-health.js';
import { NotificationListener } from './notification-listener.js';
import { PoolMetrics } from './pool-metrics.js';
import { PrismaService } from './prisma.service.js';
import { ServerTimeZoneCheck } from './server-time-zone-check.js';
import { SqlPool } from './sql-pool.js';

/** Closes the pool, then the embedded database, after every module has let go of them. */
@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(
    private readonly pool: SqlPool,
    private readonly connection: DatabaseConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
    await this.connection.close();
  }
}

@Global()
@Module({
  providers: [
    { provide: DatabaseConnection, inject: [AppConfig], useFactory: openDatabase },
    SqlPool,
    PrismaService,
    DatabaseHealth,
    NotificationListener,
    DatabaseShutdown,
    PoolMetrics,
    ServerTimeZoneCheck,
  ],
  exports: [PrismaService, SqlPool, DatabaseConnection, DatabaseHealth, NotificationListener],
})
export class DatabaseModule {}
