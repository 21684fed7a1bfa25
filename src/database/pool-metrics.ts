import { Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics.js';
import { SqlPool } from './sql-pool.js';

/** The pool's connections in use and idle, and the requests waiting for one, read at scrape time. */
@Injectable()
export class PoolMetrics {
  constructor(pool: SqlPool, metrics: Metrics) {
    metrics.sampleDatabasePool(() => ({ inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount }));
  }
}
