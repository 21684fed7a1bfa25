import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { migrate, readMigrations } from './migrator.js';

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '../../prisma/migrations');

/** Where the database is, resolved once at startup (after migrations ran). */
export abstract class DatabaseConnection {
  abstract readonly url: string;
  /** The embedded development database (PGlite), owned by this process or another. */
  abstract readonly embedded: boolean;
  abstract close(): Promise<void>;
}

export async function openDatabase(config: AppConfig): Promise<DatabaseConnection> {
  const logger = new Logger('Database');
  let url = config.database.url;
  let close = async () => {};
  if (!url) {
    const server = await startEmbeddedPostgres(config.database.dataDir, config.database.embeddedPort);
    url = server.url;
    close = () => server.stop();
    logger.warn({
      msg: 'using the embedded DEVELOPMENT database (PGlite); set DATABASE_URL for anything else',
      dataDir: resolve(config.database.dataDir),
      address: new URL(url).host,
    });
  }
  if (config.database.migrateOnStart) {
    // A direct connection when DATABASE_URL goes through a pooler (DATABASE_DIRECT_URL).
    const result = await migrate(config.database.directUrl ?? url, readMigrations(MIGRATIONS_DIR), (msg, fields) => logger.log({ msg, ...fields }));
    logger.log({ msg: 'migrations done', applied: result.applied, alreadyApplied: result.alreadyApplied });
  }
  return { url, embedded: !config.database.url, close };
}
