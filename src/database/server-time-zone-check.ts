import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/load-config.js';
import { READS_TIMES_AS_UTC, SERVER_TIME_ZONE } from './server-settings.js';
import { SqlPool } from './sql-pool.js';

/**
 * Refuses to start on a session that would not read times as UTC
 * (server-settings.ts says why). A direct connection asks for UTC itself,
 * so this catches something in between that dropped the request; behind a pooler a
 * single statement runs in the role's zone, which only the operator can set.
 */
@Injectable()
export class ServerTimeZoneCheck implements OnModuleInit {
  constructor(
    private readonly pool: SqlPool,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const { rows } = await this.pool.query<{ utc: boolean; zone: string; fix: string }>(
      `SELECT (${READS_TIMES_AS_UTC}) AS utc, current_setting('TimeZone') AS zone, ` +
        `format('ALTER ROLE %I IN DATABASE %I SET timezone = %L', current_user, current_database(), $1::text) AS fix`,
      [SERVER_TIME_ZONE],
    );
    const session = rows[0]!;
    if (session.utc) return;
    const remedy =
      this.config.database.pooler === 'none'
        ? `The service asks for it when it connects, and something dropped the request, most likely a pooler that ignores startup parameters: then set DATABASE_POOLER=transaction and run ${session.fix}`
        : `Behind a pooler, set it on the role: ${session.fix}; then have the pooler reconnect (PgBouncer: RECONNECT), since its open server connections keep the zone they started with.`;
    throw new ConfigError([
      `DATABASE_URL: the database session's time zone is ${session.zone}, and the service needs ${SERVER_TIME_ZONE} (Prisma sends times without an offset). ${remedy}`,
    ]);
  }
}
