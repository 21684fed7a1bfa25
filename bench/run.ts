// npm run bench [-- --quick]
//
// Measures the service's three paths (token verification, rotation, login)
// and, in the same run on the same machine, the ceilings they are compared
// with. Prints one table and writes it as JSON under bench/results/.
// Needs a built service (npm run bench builds it, and bundles this file to
// bench/dist/run.js, since Node 20 cannot run TypeScript) and a PostgreSQL server:
// DATABASE_URL names one whose role may create databases (default: the local
// server); the benchmark creates its own database there and drops it after.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, type JsonWebKey, randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import argon2, { type HashOptions } from 'argon2';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { CLAIM_TOKEN, FIND_TOKEN, INSERT_CHILD, TOUCH_SESSION } from '../src/sessions/rotation.sql.js';
import type { CeilingMode, CeilingReady } from './ceiling-server.js';
import { createDatabase, dropDatabase, fillRefreshTokens, insertFreshTokens, type FreshToken } from './fixtures.js';

/** One measured phase. */
interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

/** A point of the scale sweep. */
interface SweepPoint {
  tableRows: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A line of the table, and of `rows` in the JSON result. */
interface Row extends Partial<Measurement> {
  operation: string;
  rps: number;
  tableRows?: number;
  ceiling?: number;
  ratio?: number;
  target?: number;
  rssMb?: number | null;
}

// This file runs as bench/dist/run.js, beside the bundled ceiling server.
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const quick = process.argv.includes('--quick');
const plan = quick
  ? { warmup: 1, measure: 3, sweep: [10_000, 100_000], sweepMeasure: 2, cryptoMs: 500, freshTokens: 20_000 }
  : { warmup: 3, measure: 10, sweep: [10_000, 100_000, 1_000_000], sweepMeasure: 5, cryptoMs: 2000, freshTokens: 60_000 };
const CONNECTIONS = { me: 32, refresh: 16, login: 8 };
const POOL_SIZE = 10;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ORIGIN = 'https://bench.example';
const PASSWORD = 'bench password, long enough';
const ARGON2: HashOptions = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};
const rows: Row[] = [];
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Peak resident set size of a process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become healthy');
}

async function startService(databaseUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The same runtime settings as `npm run start:prod` and the Dockerfile.
  const child = spawn(process.execPath, ['--max-semi-space-size=4', join(root, 'dist/main.js')], {
    env: {
      ...process.env,
      MALLOC_ARENA_MAX: '1',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      HOST: '127.0.0.1',
      PORT: String(port),
      AUTH_ISSUER: base,
      ALLOWED_ORIGINS: ORIGIN,
      REFRESH_TOKEN_PEPPER: randomBytes(32).toString('base64url'),
      KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      PURGE_INTERVAL_SECONDS: '0',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '100000',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_REFRESH_PER_IP: '1000000',
      ARGON2_MAX_QUEUE: '1000',
      // Production needs SMTP for the account mails; the benchmark sends none.
      MAIL_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await waitForHealth(base, child);
  return { base, child };
}

function startCeiling(mode: CeilingMode, env: Record<string, string>): Promise<{ base: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'ceiling-server.js'), [], { env: { ...process.env, ...env, CEILING_MODE: mode }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    child.once('message', (message) => {
      const { port } = message as CeilingReady;
      resolve({ base: `http://127.0.0.1:${port}`, child });
    });
    child.once('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    // Nest re-raises SIGTERM after its shutdown hooks, so the service ends by signal, with no exit code. Waiting
    // for its exit a second time (in main's finally) would empty the event loop: Node would quit before dropping the database.
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ ...options, timeout: 10 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Warm-up, then the measured run; only the latter counts. */
async function load(options: autocannon.Options, connections: number): Promise<Measurement> {
  await cannon({ ...options, connections, duration: plan.warmup });
  const result = await cannon({ ...options, connections, duration: plan.measure });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

function record(row: Row): void {
  rows.push(row);
  log(`${row.operation}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors}`);
}

/** After a bulk load: vacuum and checkpoint now, so that the measurement does not pay for them. */
async function settle(pool: pg.Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE) sessions, refresh_tokens');
  await pool.query('CHECKPOINT').catch(() => log('CHECKPOINT needs a superuser; measuring without it'));
}

/**
 * Each worker runs the service's refresh round trips for fresh tokens, as fast
 * as pg allows: its lookup, then its rotation transaction, with its very
 * statements (src/sessions/rotation.sql.ts) in the order and with the
 * parameters RefreshTokensRepository sends them.
 */
async function pgRotationCeiling(pool: pg.Pool, tokens: FreshToken[], concurrency: number, seconds: number): Promise<Measurement> {
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
      const client = await pool.connect();
      try {
        const now = new Date();
        const idleExpiresAt = new Date(now.getTime() + 14 * 86400_000);
        await client.query('BEGIN');
        const touched = await client.query(TOUCH_SESSION, [sessionId, now, idleExpiresAt]);
        const claimed = await client.query(CLAIM_TOKEN, [tokenId, sessionId, now]);
        if (touched.rowCount !== 1 || claimed.rowCount !== 1) throw new Error('claim failed');
        await client.query(INSERT_CHILD, [randomUUID(), sessionId, tokenId, randomBytes(32), now, idleExpiresAt]);
        await client.query('COMMIT');
        latencies.push(performance.now() - started);
      } catch {
        errors += 1;
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { rps: Math.round(latencies.length / elapsed), p50: at(0.5), p99: at(0.99), errors, requests: latencies.length };
}

async function argon2Ceiling(hash: string, seconds: number): Promise<number> {
  const cores = availableParallelism();
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: cores }, async () => {
      while (performance.now() < deadline) {
        await argon2.verify(hash, PASSWORD);
        done += 1;
      }
    }),
  );
  return Math.round(done / ((performance.now() - started) / 1000));
}

function opsPerSecond(work: () => unknown, ms: number): number {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    work();
    count += 1;
  }
  return Math.round(count / ((performance.now() - started) / 1000));
}

function refreshRequests(tokens: FreshToken[]): Pick<autocannon.Options, 'method' | 'headers' | 'requests'> {
  let next = 0;
  return {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-requested-with': 'fetch' },
    requests: [
      {
        setupRequest: (request) => {
          const token = tokens[next++];
          if (!token) throw new Error('ran out of prepared refresh tokens; raise plan.freshTokens');
          return { ...request, headers: { ...request.headers, cookie: `__Secure-refresh=${token.cookie}` } };
        },
      },
    ],
  };
}

function verdict({ ratio, target }: Row): string {
  if (ratio === undefined || target === undefined) return '';
  return `${ratio >= target ? 'met' : 'MISSED'} (≥ ${target})`;
}

function formatTable(list: Row[]): string {
  const header = ['operation', 'req/s', 'p50 ms', 'p99 ms', 'ceiling req/s', 'ratio', 'target', 'errors', 'peak RSS MB'];
  const lines = list.map((row) => [
    row.operation,
    String(row.rps),
    String(row.p50 ?? ''),
    String(row.p99 ?? ''),
    row.ceiling === undefined ? '' : String(row.ceiling),
    row.ratio === undefined ? '' : row.ratio.toFixed(2),
    verdict(row),
    row.errors === undefined ? '' : String(row.errors),
    row.rssMb === undefined || row.rssMb === null ? '' : String(row.rssMb),
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index].length)));
  const render = (cells: string[]): string => `| ${cells.map((cell, index) => cell.padEnd(widths[index])).join(' | ')} |`;
  return [render(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(render)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const databaseName = `auth_bench_${process.pid}`;
  log(`${quick ? 'quick' : 'full'} run: warm-up ${plan.warmup} s, measure ${plan.measure} s per phase; ${availableParallelism()} cores`);
  const databaseUrl = await createDatabase(ADMIN_URL, databaseName);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  try {
    const service = await startService(databaseUrl);
    const json = { 'content-type': 'application/json', origin: ORIGIN, 'x-requested-with': 'fetch' };
    const registered = (await (await fetch(`${service.base}/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'bench@example.test', password: PASSWORD }) })).json()) as {
      user: { id: string };
    };
    const userId = registered.user.id;
    const login = async () => {
      const reply = await fetch(`${service.base}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'bench@example.test', password: PASSWORD }) });
      const access = reply.headers.getSetCookie().find((line) => line.startsWith('__Host-access='));
      if (!access) throw new Error(`login answered ${reply.status} without an access cookie`);
      return { accessCookie: access.split(';')[0] };
    };
    const { accessCookie } = await login();
    const jwks = (await (await fetch(`${service.base}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
    const me = await (await fetch(`${service.base}/auth/me`, { headers: { cookie: accessCookie } })).text();

    // 1. token verification: GET /auth/me against node:http + the same verification
    const meRow = await load({ url: `${service.base}/auth/me`, headers: { cookie: accessCookie } }, CONNECTIONS.me);
    const verifyCeiling = await startCeiling('verify', {
      CEILING_JWK: JSON.stringify(jwks.keys[0]),
      CEILING_ISSUER: service.base,
      CEILING_AUDIENCE: 'auth-service',
      CEILING_BODY: me,
    });
    const verifyRow = await load({ url: `${verifyCeiling.base}/`, headers: { cookie: accessCookie } }, CONNECTIONS.me);
    const verifyRss = peakRssMb(verifyCeiling.child.pid);
    await stop(verifyCeiling.child);
    const jsonCeiling = await startCeiling('json', { CEILING_BODY: me });
    const jsonRow = await load({ url: `${jsonCeiling.base}/`, headers: { cookie: accessCookie } }, CONNECTIONS.me);
    const jsonRss = peakRssMb(jsonCeiling.child.pid);
    await stop(jsonCeiling.child);
    record({ operation: 'GET /auth/me (service)', ...meRow, ceiling: verifyRow.rps, ratio: meRow.rps / verifyRow.rps, target: 0.6, rssMb: peakRssMb(service.child.pid) });
    record({ operation: 'ceiling: node:http + cookie + ES256 verify', ...verifyRow, rssMb: verifyRss });
    record({ operation: 'reference: node:http JSON only', ...jsonRow, rssMb: jsonRss });

    // 2. rotation: POST /auth/refresh, a fresh token per request, against the same lookup and transaction issued with pg
    log(`preparing ${plan.freshTokens} fresh refresh tokens`);
    const fresh = await insertFreshTokens(pool, userId, plan.freshTokens);
    const refreshRow = await load({ url: `${service.base}/auth/refresh`, ...refreshRequests(fresh) }, CONNECTIONS.refresh);
    const direct = await insertFreshTokens(pool, userId, plan.freshTokens);
    await pgRotationCeiling(pool, direct.slice(0, 2000), CONNECTIONS.refresh, plan.warmup);
    const pgRow = await pgRotationCeiling(pool, direct.slice(2000), CONNECTIONS.refresh, plan.measure);
    record({ operation: 'POST /auth/refresh (service)', ...refreshRow, ceiling: pgRow.rps, ratio: refreshRow.rps / pgRow.rps, target: 0.5, rssMb: peakRssMb(service.child.pid) });
    record({ operation: `ceiling: rotation transaction with pg (${CONNECTIONS.refresh} workers, pool ${POOL_SIZE})`, ...pgRow });

    // 3. login: argon2id with the production parameters, against raw argon2 verify on all cores
    const loginRow = await load(
      { url: `${service.base}/auth/login`, method: 'POST', headers: json, body: JSON.stringify({ email: 'bench@example.test', password: PASSWORD }) },
      CONNECTIONS.login,
    );
    const hash = await argon2.hash(PASSWORD, ARGON2);
    await argon2Ceiling(hash, plan.warmup);
    const argonRate = await argon2Ceiling(hash, plan.measure);
    record({ operation: 'POST /auth/login (service)', ...loginRow, ceiling: argonRate, ratio: loginRow.rps / argonRate, target: 0.8, rssMb: peakRssMb(service.child.pid) });
    record({ operation: `ceiling: argon2id verify on ${availableParallelism()} cores (m=19456, t=2, p=1)`, rps: argonRate });

    // 4. ES256 with the library the service uses
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sample = jwt.sign({ sub: randomUUID(), sid: randomUUID(), roles: [] }, privateKey, { algorithm: 'ES256', expiresIn: 600, issuer: 'i', audience: 'a' });
    record({ operation: 'ES256 sign (jsonwebtoken, 1 core)', rps: opsPerSecond(() => jwt.sign({ sub: 'x', sid: 'y' }, privateKey, { algorithm: 'ES256' }), plan.cryptoMs) });
    record({ operation: 'ES256 verify (jsonwebtoken, 1 core)', rps: opsPerSecond(() => jwt.verify(sample, publicKey, { algorithms: ['ES256'] }), plan.cryptoMs) });

    // 5. scale sweep: rotation with ever more rows in refresh_tokens, from an emptied table
    await pool.query('TRUNCATE refresh_tokens, sessions');
    const sweep: SweepPoint[] = [];
    for (const size of plan.sweep) {
      const fresh = Math.min(quick ? 10_000 : 20_000, size / 2);
      const filled = await fillRefreshTokens(pool, userId, size - fresh, (have) => log(`  refresh_tokens: ${have} rows`));
      const tokens = await insertFreshTokens(pool, userId, fresh);
      await settle(pool);
      await cannon({ url: `${service.base}/auth/refresh`, ...refreshRequests(tokens.slice(0, fresh / 4)), connections: CONNECTIONS.refresh, duration: 1 });
      const result = await cannon({ url: `${service.base}/auth/refresh`, ...refreshRequests(tokens.slice(fresh / 4)), connections: CONNECTIONS.refresh, duration: plan.sweepMeasure });
      const point: SweepPoint = { tableRows: filled + fresh, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts };
      sweep.push(point);
      log(`sweep ${filled} rows: ${point.rps} req/s, p99 ${point.p99} ms`);
    }
    for (const point of sweep) {
      record({ operation: `POST /auth/refresh with ${point.tableRows.toLocaleString('en')} tokens in the table`, ...point, rssMb: peakRssMb(service.child.pid) });
    }

    const serviceRss = peakRssMb(service.child.pid);
    await stop(service.child);

    const first = sweep[0];
    const last = sweep.at(-1);
    const p99Growth = sweep.length > 1 && last ? last.p99 / Math.max(1, first.p99) : undefined;
    const targets = {
      meRatio: { value: rows[0].ratio, target: 0.6 },
      refreshRatio: { value: rows[3].ratio, target: 0.5 },
      loginRatio: { value: rows[5].ratio, target: 0.8 },
      errorsInValidLoad: { value: rows.reduce((sum, row) => sum + (row.errors ?? 0), 0), target: 0 },
      servicePeakRssMb: { value: serviceRss, target: 250 },
      sweepP99Growth: { value: p99Growth, target: 1.5 },
    };
    const table = formatTable(rows);
    const summary = [
      `service peak RSS: ${serviceRss} MB (target < 250)`,
      `rotation p99 at ${sweep.at(-1)?.tableRows.toLocaleString('en')} rows / at ${sweep[0]?.tableRows.toLocaleString('en')} rows: ${p99Growth?.toFixed(2)} (target ≤ 1.5)`,
      `non-2xx or failed requests in valid-load phases: ${targets.errorsInValidLoad.value} (target 0)`,
    ].join('\n');
    process.stdout.write(`\n${table}\n\n${summary}\n`);

    const out = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: { cores: availableParallelism(), node: process.version },
      plan,
      connections: CONNECTIONS,
      rows,
      sweep,
      targets,
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    const dir = join(root, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${out.date.replace(/[:.]/g, '-')}-${out.mode}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    writeFileSync(join(dir, `latest-${out.mode}.json`), `${JSON.stringify(out, null, 2)}\n`);
    writeFileSync(join(dir, `latest-${out.mode}.md`), `${table}\n\n${summary}\n`);
    log(`written ${file} (${out.durationSeconds} s)`);
  } finally {
    await Promise.all(children.map(stop));
    await pool.end();
    await dropDatabase(ADMIN_URL, databaseName);
  }
}

main().catch(async (error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error) : error}`);
  await Promise.all(children.map(stop));
  process.exit(1);
});
