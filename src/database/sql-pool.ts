import { Injectable, Logger } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection } from './database-connection.js';

/**
 * The service's one connection pool. Prisma runs on it (through its pg
 * adapter), and the refresh rotation uses it directly: measured here, a Prisma
 * interactive transaction costs about four times the CPU of the same
 * statements sent with pg, and rotation is the hottest write path.
 */
@Injectable()
export class SqlPool extends pg.Pool {
  constructor(connection: DatabaseConnection, config: AppConfig) {
    super({
      connectionString: connection.url,
      // The embedded database has one backend, and its wire-protocol server mixes up
      // the messages of connections that talk at once: one connection, queued, is safe.
      max: connection.embedded ? 1 : config.database.poolSize,
      // ...and it accepts only that one: keep it rather than race a reconnect against the server's bookkeeping.
      idleTimeoutMillis: connection.embedded ? 0 : 10_000,
      // Waiting for a free connection is bounded too (503 after it, like any contention).
      connectionTimeoutMillis: 10_000,
      // A request never waits on a lock or a statement for ever: it fails as 503 instead.
      lock_timeout: 10_000,
      statement_timeout: 15_000,
    });
    const logger = new Logger('Database');
    // An idle connection that breaks (a database restart) must not crash the process.
    this.on('error', (error) => logger.warn({ msg: 'an idle database connection failed; the pool replaces it', err: error }));
  }

  /** Runs `work` in one transaction on one connection; rolls back on any throw. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: drop it.
      client.release(broken);
    }
  }
}
