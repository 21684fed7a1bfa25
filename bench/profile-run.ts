// npm run bench -- --profile=me|refresh|login [--quick]
//
// One path's load, alone, against a service started under `node --cpu-prof`
// (with production's settings otherwise); the profile is cut to the measured
// window and written under bench/results/ (git-ignored) for DevTools or
// speedscope, with a JSON summary: requests, the process's CPU per request
// (every thread), and the main thread's self time per request by place.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { costByPlace, type CpuProfile, trimProfile } from './cpu-profile.js';
import { createDatabase, dropDatabase, insertFreshTokens } from './fixtures.js';
import { cannon, cpuSeconds, log, measurementOf, type Timing, waitIdle } from './measure.js';
import { table } from './report.js';
import { accessCookieOf, loads, login, register } from './service-client.js';
import { POOL_SIZE, startService, stop, stopAll } from './service-process.js';

export type ProfiledPath = 'me' | 'refresh' | 'login';

const PATHS: readonly ProfiledPath[] = ['me', 'refresh', 'login'];
/** µs between samples: finer than --cpu-prof's 1000 for per-request figures, still cheap. */
const SAMPLING_INTERVAL = 500;
/** Places printed; the JSON has them all. */
const PRINTED = 30;

export interface ProfileOptions {
  root: string;
  resultsDir: string;
  adminUrl: string;
  path: ProfiledPath;
  timing: Timing;
  connections: Record<ProfiledPath, number>;
}

const nowMicros = (): number => Number(process.hrtime.bigint() / 1000n);

export async function profilePath({ root, resultsDir, adminUrl, path, timing, connections }: ProfileOptions): Promise<void> {
  if (!PATHS.includes(path)) throw new Error(`--profile takes one of ${PATHS.join(', ')}`);
  const databaseName = `auth_bench_profile_${process.pid}`;
  const databaseUrl = await createDatabase(adminUrl, databaseName);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const rawDir = mkdtempSync(join(tmpdir(), 'auth-bench-profile-'));
  try {
    const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${rawDir}`, '--cpu-prof-name=whole.cpuprofile', `--cpu-prof-interval=${SAMPLING_INTERVAL}`];
    const service = await startService(root, databaseUrl, { nodeArgs });
    const userId = await register(service.base);
    const accessCookie = accessCookieOf(await login(service.base));
    // Enough unused tokens for 2 000 rotations a second, far above what this machine does.
    const tokens = path === 'refresh' ? await insertFreshTokens(pool, userId, (timing.warmup + timing.measure) * 2000) : [];
    const options = path === 'me' ? loads.me(service.base, accessCookie) : path === 'refresh' ? loads.refresh(service.base, tokens) : loads.login(service.base);

    log(`profiling ${path}: ${connections[path]} connections, warm-up ${timing.warmup} s, measure ${timing.measure} s`);
    await cannon({ ...options, connections: connections[path], duration: timing.warmup });
    await waitIdle(service.child.pid);
    const from = nowMicros();
    const cpuBefore = cpuSeconds(service.child.pid);
    const measured = measurementOf(await cannon({ ...options, connections: connections[path], duration: timing.measure }));
    const to = nowMicros();
    const cpu = cpuSeconds(service.child.pid) - cpuBefore;
    // The profile is written as the process exits.
    await stop(service.child);

    const whole = JSON.parse(readFileSync(join(rawDir, 'whole.cpuprofile'), 'utf8')) as CpuProfile;
    const window = trimProfile(whole, from, to);
    const date = new Date().toISOString();
    const name = `profile-${path}-${date.replace(/[:.]/g, '-')}`;
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `${name}.cpuprofile`), JSON.stringify(window));
    const { busyMicrosPerRequest, places } = costByPlace(window, measured.requests);
    const summary = {
      date,
      path,
      connections: connections[path],
      timing,
      samplingIntervalMicros: SAMPLING_INTERVAL,
      ...measured,
      processCpuMicrosPerRequest: Math.round((cpu * 1e6) / measured.requests),
      mainThreadBusyMicrosPerRequest: busyMicrosPerRequest,
      places,
      profile: `${name}.cpuprofile`,
    };
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    // The summary, not the profile, is committed: the README's per-request table comes from it.
    writeFileSync(join(resultsDir, `latest-profile-${path}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(
      [
        '',
        `${path}: ${measured.rps} req/s, p99 ${measured.p99} ms, ${measured.requests} requests, errors ${measured.errors}`,
        `process CPU (all threads) ${summary.processCpuMicrosPerRequest} µs per request; main thread busy ${busyMicrosPerRequest} µs per request, by place (self time):`,
        table(
          ['place', 'µs / request'],
          places.slice(0, PRINTED).map(({ place, microsPerRequest }) => [place, microsPerRequest.toFixed(1)]),
        ),
        '',
      ].join('\n'),
    );
    log(`written bench/results/${name}.cpuprofile and .json, and latest-profile-${path}.json`);
  } finally {
    await stopAll();
    await pool.end();
    rmSync(rawDir, { recursive: true, force: true });
    await dropDatabase(adminUrl, databaseName);
  }
}
