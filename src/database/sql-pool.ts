import { Injectable, Logger } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection } from './database-connection.js';
import { isConnectionLost } from './database-errors.js';
import { directConnectionSettings, SET_LOCAL_SETTINGS } from './server-settings.js';

interface ClientInternals {
  _activeQuery?: unknown;
  _queryQueue?: unknown[];
}

function owesAnswer(client: pg.PoolClient): boolean {
  const internals = client as unknown as ClientInternals;
  return internals._activeQuery != null || (internals._queryQueue?.length ?? 0) > 0;
}

function dropIfAnswerOwed(client: pg.PoolClient): pg.PoolClient {
  const release = client.release.bind(client);
  client.release = (error?: Error | boolean) =>
    release(error ?? (owesAnswer(client) ? new Error('released with a query still in flight') : undefined));
  return client;
}

/**
 * The service's one connection pool. Prisma runs on it (through its pg
 * adapter), and the refresh rotation uses it directly: measured here, a Prisma
 * interactive transaction costs about four times the CPU of the same
 * statements sent with pg, and rotation is the hottest write path.
 */
@Injectable()
export class SqlPool extends pg.Pool {
  /** Behind a pooler the transaction sets its own timeouts, in the same round trip (a simple-protocol query). */
  private readonly beginStatement: string;

  constructor(connection: DatabaseConnection, config: AppConfig) {
    super({
      // The embedded database has one backend, and its wire-protocol server mixes up
      // the messages of connections that talk at once: one connection, queued, is safe.
      max: connection.embedded ? 1 : config.database.poolSize,
      // ...and it accepts only that one: keep it rather than race a reconnect against the server's bookkeeping.
      idleTimeoutMillis: connection.embedded ? 0 : 10_000,
      // Waiting for a free connection is bounded too (503 after it, like any contention).
      connectionTimeoutMillis: config.database.connectTimeoutMs,
      // The server's own timeouts never fire when a query cannot reach it (a
      // stalled link): the client gives up too, a little after the server would.
      query_timeout: config.database.queryTimeoutMs,
      // A peer that vanished without a FIN is noticed by TCP, not only at the next query.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // A request never waits on a lock or a statement for ever (it fails as 503 instead), and times are read as UTC (server-settings.ts).
      ...(config.database.pooler === 'none' ? directConnectionSettings(connection.url) : { connectionString: connection.url }),
    });
    this.beginStatement = config.database.pooler === 'none' ? 'BEGIN' : `BEGIN; ${SET_LOCAL_SETTINGS}`;
    const logger = new Logger('Database');
    // Connections outlive the request that opened them: their events must not be logged under its request id.
    const detached = new AsyncResource('database-connection-events');
    // pg-pool listens for errors only on idle clients; a connection that
    // breaks while checked out (a failover, pg_terminate_backend) would emit
    // an unhandled 'error' and end the process. Every client gets a listener
    // for its whole life; the query in flight fails on its own and the pool
    // drops the client when it is released.
    this.on('connect', (client) => {
      client.on('error', detached.bind((error: Error) => logger.warn({ msg: 'a database connection failed; it will be replaced', err: error })));
    });
    this.on('error', detached.bind((error: Error) => logger.warn({ msg: 'an idle database connection failed; the pool replaces it', err: error })));
  }

  /**
   * Every checkout, ours, pg-pool's own `query()` and Prisma's, passes here.
   * A client handed back while the server still owes it an answer (a query
   * that timed out on a stalled link) must not serve anyone else: when the
   * link resumes, the late answer would be read as the answer to the next
   * query. Prisma's adapter releases such clients as healthy, so the pool
   * drops them itself. (pg keeps the query in flight in `_activeQuery`;
   * test/integration/database-pool.test.ts fails if that ever changes.)
   */
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    if (!callback) return super.connect().then(dropIfAnswerOwed);
    super.connect((error, client) => {
      const guarded = client && dropIfAnswerOwed(client);
      callback(error, guarded, (release) => guarded?.release(release as Error | boolean | undefined));
    });
  }

  /**
   * One statement, atomic on its own. Behind a pooler in transaction mode it
   * is wrapped in a transaction that sets the server-side timeouts, which the
   * pooler would not keep as session settings.
   */
  statement<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.beginStatement === 'BEGIN') return this.query<R>(text, values);
    return this.transaction((client) => client.query<R>(text, values));
  }

  /** Runs `work` in one transaction on one connection; rolls back on any throw. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query(this.beginStatement);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionLost(error)) {
        // Nothing to roll back on a dead or stalled link: the server rolls back when it notices.
        broken = error as Error;
      } else {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      }
      throw error;
    } finally {
      // A connection whose rollback failed, or whose link is gone, is in an unknown state: drop it.
      client.release(broken);
    }
  }
}
