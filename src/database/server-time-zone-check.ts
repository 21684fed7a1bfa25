import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigError } from '../config/load-config.js';
import { READS_TIMES_AS_UTC, SERVER_TIME_ZONE } from './server-settings.js';
import { SqlPool } from './sql-pool.js';

/**
 * Refuses to start on a session that would not read times as UTC
 * (server-settings.ts says why). A direct connection asks for UTC itself,
 * so this catches a server that ignored it; behind a pooler a single
 * statement runs in the role's zone, which only the operator can set.
 */
@Injectable()
export class ServerTimeZoneCheck implements OnModuleInit {
  constructor(private readonly pool: SqlPool) {}

  async onModuleInit(): Promise<void> {
    const { rows } = await this.pool.query<{ utc: boolean; zone: string; role: string; database: string }>(
      `SELECT (${READS_TIMES_AS_UTC}) AS utc, current_setting('TimeZone') AS zone, current_user AS role, current_database() AS database`,
    );
    const session = rows[0]!;
    if (session.utc) return;
    throw new ConfigError([
      `DATABASE_URL: the database session's time zone is ${session.zone}, and the service needs ${SERVER_TIME_ZONE} ` +
        `(Prisma sends times without an offset). Behind a pooler, set it on the role: ` +
        `ALTER ROLE "${session.role}" IN DATABASE "${session.database}" SET timezone = '${SERVER_TIME_ZONE}';`,
    ]);
  }
}
