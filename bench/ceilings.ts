// What each path of the service is compared with: the same work done with
// nothing around it, measured in the same run on the same machine.
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import pg from 'pg';
import { FIND_TOKEN, ROTATE } from '../src/sessions/rotation.sql.js';
import type { CeilingMode, CeilingReady } from './ceiling-server.js';
import type { FreshToken } from './fixtures.js';
import type { Measurement } from './measure.js';
import { type Service, track } from './service-process.js';

/** `dir`: where the bundled ceiling-server.js is. */
export function startCeiling(dir: string, mode: CeilingMode, env: Record<string, string>): Promise<Service> {
  return new Promise((resolve, reject) => {
    const child = track(fork(join(dir, 'ceiling-server.js'), [], { env: { ...process.env, ...env, CEILING_MODE: mode }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    child.once('message', (message) => {
      const { port } = message as CeilingReady;
      resolve({ base: `http://127.0.0.1:${port}`, child });
    });
    child.once('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
}

/**
 * Each worker runs the service's refresh round trips for fresh tokens, as fast
 * as pg allows: its lookup, then its one-statement rotation, with its very
 * statements (src/sessions/rotation.sql.ts) in the order and with the
 * parameters RefreshTokensRepository sends them.
 */
export async function pgRotationCeiling(pool: pg.Pool, tokens: FreshToken[], concurrency: number, seconds: number): Promise<Measurement> {
  let next = 0;
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && next < tokens.length) {
      const { tokenId, sessionId } = tokens[next++];
      const started = performance.now();
      const found = await pool.query(FIND_TOKEN, [tokenId]);
      if (found.rowCount !== 1) {
        errors += 1;
        continue;
      }
      const now = new Date();
      const idleExpiresAt = new Date(now.getTime() + 14 * 86400_000);
      const rotated = await pool.query<{ touched: number; inserted: number }>(ROTATE, [tokenId, sessionId, now, idleExpiresAt, randomUUID(), randomBytes(32), idleExpiresAt]);
      if (rotated.rows[0]?.inserted !== 1) {
        errors += 1;
        continue;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { rps: Math.round(latencies.length / elapsed), p50: at(0.5), p99: at(0.99), errors, requests: latencies.length };
}

/** argon2 verifications per second with every core hashing. */
export async function argon2Ceiling(hash: string, password: string, seconds: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      while (performance.now() < deadline) {
        await argon2.verify(hash, password);
        done += 1;
      }
    }),
  );
  return Math.round(done / ((performance.now() - started) / 1000));
}

/**
 * CPU milliseconds of one argon2 verification, one at a time: this process's
 * CPU (its libuv thread included) over the verifications, while it does
 * nothing else. The median of `samples` runs.
 */
export async function argon2CpuMs(hash: string, password: string, samples: number): Promise<number> {
  const costs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = process.cpuUsage();
    await argon2.verify(hash, password);
    const { user, system } = process.cpuUsage(before);
    costs.push((user + system) / 1000);
  }
  costs.sort((a, b) => a - b);
  return Math.round(costs[Math.floor(samples / 2)] * 10) / 10;
}

export function opsPerSecond(work: () => unknown, ms: number): number {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    work();
    count += 1;
  }
  return Math.round(count / ((performance.now() - started) / 1000));
}
