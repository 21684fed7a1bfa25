import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config.js';
import { SqlPool } from '../database/sql-pool.js';

/** The table prisma/migrations creates in the layout rate-limiter-flexible expects. */
const TABLE = 'rate_limits';
/** A failing store is said in the log at most this often, not on every request. */
const REPORT_EVERY_MS = 60_000;

export interface LimiterSpec {
  keyPrefix: string;
  points: number;
  duration: number;
  /** Counted in this instance's memory only: see RateLimits for the one bucket that is. */
  perInstance?: boolean;
}

/**
 * Where rate-limit counters live: PostgreSQL by default (so the embedded
 * database and a single server need nothing more), Redis when REDIS_URL is
 * set; either way shared by every instance and kept across restarts. When
 * the store fails, each limiter falls back to counting in this instance's
 * memory (rate-limiter-flexible's insurance limiter): a per-instance limit,
 * said in the log, never no limit and never a 500.
 */
@Injectable()
export class RateLimitStore implements OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitStore.name);
  private readonly redis: Redis | undefined;
  private lastReport = 0;

  constructor(
    config: AppConfig,
    private readonly pool: SqlPool,
  ) {
    const url = config.rateLimits.redisUrl;
    if (url) {
      // No offline queue: while Redis is unreachable, a request must fall back at once rather than wait.
      this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
      this.redis.on('error', (error) => this.storeFailed(error));
    }
  }

  limiter({ perInstance, ...spec }: LimiterSpec): RateLimiterAbstract {
    const insuranceLimiter = new RateLimiterMemory(spec);
    if (perInstance) return insuranceLimiter;
    if (this.redis) return new RateLimiterRedis({ ...spec, storeClient: this.redis, insuranceLimiter });
    return new RateLimiterPostgres({
      ...spec,
      storeClient: this.unnamedStatements(),
      storeType: 'pool',
      tableName: TABLE,
      tableCreated: true,
      insuranceLimiter,
    });
  }

  /**
   * Counters need no goodbye: quit() would wait for Redis's answer (for ever
   * from one that accepts connections but does not answer) or fail without
   * a connection and leave ioredis reconnecting after the application closed.
   */
  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  /**
   * The pool, minus statement names: rate-limiter-flexible names its
   * prepared statements, and behind a pooler in transaction mode a named
   * statement may meet a server connection that never prepared it.
   */
  private unnamedStatements() {
    return {
      query: (statement: { text: string; values?: unknown[] }) =>
        this.pool.query(statement.text, statement.values).catch((error: unknown) => {
          this.storeFailed(error);
          throw error;
        }),
    };
  }

  private storeFailed(error: unknown): void {
    const now = Date.now();
    if (now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    this.logger.warn({ msg: 'the rate-limit store failed: limits count per instance until it answers again', err: error });
  }
}
