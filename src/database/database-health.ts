import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { SqlPool } from './sql-pool.js';

@Injectable()
export class DatabaseHealth {
  constructor(private readonly pool: SqlPool) {}

  /**
   * True when a trivial query answers within the timeout. A probe that gives
   * up drops its connection instead of leaving it to wait on a stalled link,
   * so that probes cannot drain the pool during an outage.
   */
  async isUp(timeoutMs = 2000): Promise<boolean> {
    let gaveUp = false;
    let timer: NodeJS.Timeout | undefined;
    const probe = (async () => {
      const client = await this.pool.connect();
      if (gaveUp) {
        client.release(true);
        return false;
      }
      try {
        await client.query({ text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig);
        client.release();
        return true;
      } catch {
        client.release(true);
        return false;
      }
    })().catch(() => false);
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        gaveUp = true;
        resolve(false);
      }, timeoutMs);
    });
    try {
      return await Promise.race([probe, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
