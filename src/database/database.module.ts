import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection, openDatabase } from './database-connection.js';
import { DatabaseHealth } from './database-health.js';
import { PrismaService } from './prisma.service.js';

/** Stops the embedded database after every module has let go of it. */
@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(private readonly connection: DatabaseConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

@Global()
@Module({
  providers: [
    { provide: DatabaseConnection, inject: [AppConfig], useFactory: openDatabase },
    PrismaService,
    DatabaseHealth,
    DatabaseShutdown,
  ],
  exports: [PrismaService, DatabaseConnection, DatabaseHealth],
})
export class DatabaseModule {}
