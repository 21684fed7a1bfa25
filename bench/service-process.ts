// The built service as a child process, with production's runtime settings,
// and every process the benchmark starts, so that a failed run leaves none.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort, log, sleep } from './measure.js';

export const ORIGIN = 'https://bench.example';
export const POOL_SIZE = 10;

export interface Service {
  base: string;
  child: ChildProcess;
}

const children: ChildProcess[] = [];

// An exception thrown inside the load generator ends the run without its
// cleanup; the children must not outlive it (a service left listening skews
// every later measurement on the machine).
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

/** One set per run: every instance started in it must read the same keys and refresh tokens. */
const SECRETS = { REFRESH_TOKEN_PEPPER: randomBytes(32).toString('base64url'), KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url') };

/** Stopped by stopAll() at the end of the run, or when it fails. */
export function track(child: ChildProcess): ChildProcess {
  children.push(child);
  child.once('exit', (code, signal) => {
    if (code || (signal && signal !== 'SIGTERM')) log(`process ${child.pid} (${child.spawnargs.slice(1).join(' ')}) ended with ${code ?? signal}`);
  });
  return child;
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export function stopAll(): Promise<void> {
  return Promise.all(children.map(stop)).then(() => undefined);
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('the service did not become healthy');
}

/**
 * `nodeArgs` go before the script (e.g. --cpu-prof); `env` overrides the
 * defaults below. Rate limits are raised so that one client address can
 * load the service; every other setting is production's default.
 */
export async function startService(root: string, databaseUrl: string, options: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<Service> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The same runtime settings as `npm run start:prod` and the Dockerfile.
  const child = spawn(process.execPath, ['--max-semi-space-size=4', '--heap-growing-percent=30', ...(options.nodeArgs ?? []), join(root, 'dist/main.js')], {
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
      ...SECRETS,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      PURGE_INTERVAL_SECONDS: '0',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '100000',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_REFRESH_PER_IP: '1000000',
      ARGON2_MAX_QUEUE: '1000',
      // Production refuses to start without SMTP while the mailed flows are on; the bench uses none of them.
      MAIL_ENABLED: 'false',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  track(child);
  await waitForHealth(base, child);
  return { base, child };
}
