// npm run bench [-- --quick] [-- --no-peer] [-- --profile=me|refresh|login]
//
// Measures the service's three paths (token verification, rotation, login),
// how a login storm affects everyone else, the database round trips of each
// path, and, in the same run on the same machine, the ceilings they are
// compared with and the nearest peer (better-auth, bench/peers/better-auth/).
// Prints the tables and writes them as JSON under bench/results/.
// --profile=<path> instead runs that path's load alone against a service
// under `node --cpu-prof` and writes the profile of the measured window.
// Needs a built service (npm run bench builds it, and bundles this file to
// bench/dist/run.js, since Node 20 cannot run TypeScript) and a PostgreSQL server:
// DATABASE_URL names one whose role may create databases (default: the local
// server); the benchmark creates its own databases there and drops them after.
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, type JsonWebKey, randomUUID } from 'node:crypto';
import argon2, { type HashOptions } from 'argon2';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { OWASP_ARGON2 } from '../src/config/setting-rules.js';
import { argon2Ceiling, argon2CpuMs, opsPerSecond, pgRotationCeiling, startCeiling } from './ceilings.js';
import { profilePath, type ProfiledPath } from './profile-run.js';
import { createDatabase, dropDatabase, fillRefreshTokens, insertFreshTokens, insertUsers } from './fixtures.js';
import { loginStorm, STORM_CONNECTIONS } from './login-storm.js';
import { cannon, load, log, peakRssMb, waitIdle } from './measure.js';
import { measurePeer, type PeerResult } from './peer.js';
import { type Comparison, mainTable, peerSummary, peerTable, roundTripTable, type Row, stormRatioText, target, versusPeer } from './report.js';
import { countRoundTrips, type RoundTripResult } from './round-trips.js';
import { accessCookieOf, loads, login, PASSWORD, register } from './service-client.js';
import { POOL_SIZE, startService, stop, stopAll } from './service-process.js';

/** A point of the scale sweep. */
interface SweepPoint {
  tableRows: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

// This file runs as bench/dist/run.js, beside the bundled ceiling server.
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const resultsDir = join(root, 'bench/results');
const quick = process.argv.includes('--quick');
const withPeer = !process.argv.includes('--no-peer');
const profiled = process.argv.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length);
const plan = quick
  ? { warmup: 1, measure: 3, sweep: [10_000, 100_000], sweepMeasure: 2, cryptoMs: 500, freshTokens: 20_000, roundTripSamples: 50, hashSamples: 3 }
  : { warmup: 3, measure: 10, sweep: [10_000, 100_000, 1_000_000], sweepMeasure: 5, cryptoMs: 2000, freshTokens: 60_000, roundTripSamples: 200, hashSamples: 7 };
const timing = { warmup: plan.warmup, measure: plan.measure };
const CONNECTIONS = { me: 32, refresh: 16, login: 8 };
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ARGON2: HashOptions = { type: argon2.argon2id, memoryCost: OWASP_ARGON2.memoryKiB, timeCost: OWASP_ARGON2.timeCost, parallelism: OWASP_ARGON2.parallelism };

const rows: Row[] = [];

function record(row: Row): Row {
  rows.push(row);
  log(`${row.operation}: ${row.rps}/s${row.p99 === undefined ? '' : `, p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors}`}`);
  return row;
}

/** After a bulk load: vacuum and checkpoint now, so that the measurement does not pay for them. */
async function settle(pool: pg.Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE) sessions, refresh_tokens');
  await pool.query('CHECKPOINT').catch(() => log('CHECKPOINT needs a superuser; measuring without it'));
}

async function main(): Promise<void> {
  const started = Date.now();
  const databaseName = `auth_bench_${process.pid}`;
  log(`${quick ? 'quick' : 'full'} run: warm-up ${plan.warmup} s, measure ${plan.measure} s per phase; ${availableParallelism()} cores`);
  const databaseUrl = await createDatabase(ADMIN_URL, databaseName);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  try {
    const service = await startService(root, databaseUrl);
    const pid = service.child.pid;
    const userId = await register(service.base);
    const accessCookie = accessCookieOf(await login(service.base));
    const jwks = (await (await fetch(`${service.base}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
    const meBody = await (await fetch(`${service.base}/auth/me`, { headers: { cookie: accessCookie } })).text();

    // 1. token verification: GET /auth/me against node:http + the same verification
    const meLoad = loads.me(service.base, accessCookie);
    const meMeasured = await load(meLoad, CONNECTIONS.me, timing, pid);
    const verifyCeiling = await startCeiling(here, 'verify', { CEILING_JWK: JSON.stringify(jwks.keys[0]), CEILING_ISSUER: service.base, CEILING_AUDIENCE: 'auth-service', CEILING_BODY: meBody });
    const verifyRow = await load({ url: `${verifyCeiling.base}/`, headers: { cookie: accessCookie } }, CONNECTIONS.me, timing);
    const verifyRss = peakRssMb(verifyCeiling.child.pid);
    await stop(verifyCeiling.child);
    const jsonCeiling = await startCeiling(here, 'json', { CEILING_BODY: meBody });
    const jsonRow = await load({ url: `${jsonCeiling.base}/`, headers: { cookie: accessCookie } }, CONNECTIONS.me, timing);
    const jsonRss = peakRssMb(jsonCeiling.child.pid);
    await stop(jsonCeiling.child);
    const meRow = record({ operation: 'GET /auth/me (service)', ...meMeasured, ceiling: verifyRow.rps, ratio: meMeasured.rps / verifyRow.rps, target: 0.6, rssMb: peakRssMb(pid) });
    record({ operation: 'ceiling: node:http + cookie + ES256 verify', ...verifyRow, rssMb: verifyRss });
    record({ operation: 'reference: node:http JSON only', ...jsonRow, rssMb: jsonRss });

    // 2. rotation: POST /auth/refresh, a fresh token per request, against the same lookup and transaction issued with pg
    log(`preparing ${plan.freshTokens} fresh refresh tokens`);
    const fresh = await insertFreshTokens(pool, userId, plan.freshTokens);
    const refreshMeasured = await load(loads.refresh(service.base, fresh), CONNECTIONS.refresh, timing, pid);
    const direct = await insertFreshTokens(pool, userId, plan.freshTokens);
    await pgRotationCeiling(pool, direct.slice(0, 2000), CONNECTIONS.refresh, plan.warmup);
    const pgRow = await pgRotationCeiling(pool, direct.slice(2000), CONNECTIONS.refresh, plan.measure);
    const refreshRow = record({ operation: 'POST /auth/refresh (service)', ...refreshMeasured, ceiling: pgRow.rps, ratio: refreshMeasured.rps / pgRow.rps, target: 0.5, rssMb: peakRssMb(pid) });
    record({ operation: `ceiling: rotation transaction with pg (${CONNECTIONS.refresh} workers, pool ${POOL_SIZE})`, ...pgRow });

    // 3. login: argon2id with the production parameters, against raw argon2 verify on all cores
    const loginMeasured = await load(loads.login(service.base), CONNECTIONS.login, timing, pid);
    await waitIdle(pid);
    const hash = await argon2.hash(PASSWORD, ARGON2);
    await argon2Ceiling(hash, PASSWORD, plan.warmup);
    const argonRate = await argon2Ceiling(hash, PASSWORD, plan.measure);
    const loginRow = record({ operation: 'POST /auth/login (service)', ...loginMeasured, ceiling: argonRate, ratio: loginMeasured.rps / argonRate, target: 0.8, rssMb: peakRssMb(pid) });
    record({ operation: `ceiling: argon2id verify on ${availableParallelism()} cores (m=${ARGON2.memoryCost}, t=${ARGON2.timeCost}, p=${ARGON2.parallelism})`, rps: argonRate });

    // 4. login storm: a few connections' session checks, alone and while many valid logins queue for the hashers
    const stormEmails = Array.from({ length: STORM_CONNECTIONS.login }, (_, index) => `storm-${index}@example.test`);
    await insertUsers(pool, stormEmails, hash);
    const storm = await loginStorm(meLoad, loads.login(service.base, stormEmails), timing);
    await waitIdle(pid);
    const stormLabel = `GET /auth/me, ${STORM_CONNECTIONS.check} connections`;
    record({ operation: `${stormLabel}, no logins`, ...storm.quiet });
    record({ operation: `${stormLabel}, while ${STORM_CONNECTIONS.login} connections log in`, ...storm.storm, ratio: storm.p99Ratio ?? undefined, target: 3, better: 'lower', rssMb: peakRssMb(pid) });
    record({ operation: `POST /auth/login, ${STORM_CONNECTIONS.login} connections (the storm)`, ...storm.logins });

    // 5. ES256 with the library the service uses; the CPU cost of one password verification
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sample = jwt.sign({ sub: randomUUID(), sid: randomUUID(), roles: [] }, privateKey, { algorithm: 'ES256', expiresIn: 600, issuer: 'i', audience: 'a' });
    record({ operation: 'ES256 sign (jsonwebtoken, 1 core)', rps: opsPerSecond(() => jwt.sign({ sub: 'x', sid: 'y' }, privateKey, { algorithm: 'ES256' }), plan.cryptoMs) });
    record({ operation: 'ES256 verify (jsonwebtoken, 1 core)', rps: opsPerSecond(() => jwt.verify(sample, publicKey, { algorithms: ['ES256'] }), plan.cryptoMs) });
    const hashCpuMs = await argon2CpuMs(hash, PASSWORD, plan.hashSamples);
    log(`argon2id verification: ${hashCpuMs} CPU ms`);

    // 6. database round trips per request, on a second instance whose database connections pass through a counting proxy
    const roundTrips: RoundTripResult = await countRoundTrips(root, databaseUrl, pool, userId, plan.roundTripSamples);

    // 7. the peer, on its own database, while the service idles
    const peer: PeerResult | undefined = withPeer
      ? await measurePeer(join(root, 'bench/peers/better-auth'), ADMIN_URL, `${databaseName}_peer`, { timing, connections: CONNECTIONS, hashSamples: plan.hashSamples })
      : undefined;

    // 8. scale sweep: rotation with ever more rows in refresh_tokens, from an emptied table
    await pool.query('TRUNCATE refresh_tokens, sessions');
    const sweep: SweepPoint[] = [];
    for (const size of plan.sweep) {
      // At the smallest size every row may be a fresh token: a quiet machine rotates more than half of 10 k in the window.
      const count = Math.min(quick ? 10_000 : 20_000, size);
      const filled = await fillRefreshTokens(pool, userId, size - count, (have) => log(`  refresh_tokens: ${have} rows`));
      const tokens = await insertFreshTokens(pool, userId, count);
      await settle(pool);
      await cannon({ ...loads.refresh(service.base, tokens.slice(0, count / 4)), connections: CONNECTIONS.refresh, duration: 1 });
      const result = await cannon({ ...loads.refresh(service.base, tokens.slice(count / 4)), connections: CONNECTIONS.refresh, duration: plan.sweepMeasure });
      const point: SweepPoint = { tableRows: filled + count, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts };
      sweep.push(point);
      log(`sweep ${filled} rows: ${point.rps} req/s, p99 ${point.p99} ms`);
    }
    for (const point of sweep) {
      record({ operation: `POST /auth/refresh with ${point.tableRows.toLocaleString('en')} tokens in the table`, ...point, rssMb: peakRssMb(pid) });
    }

    const serviceRss = peakRssMb(pid);
    await stop(service.child);

    const first = sweep[0];
    const last = sweep.at(-1);
    const p99Growth = sweep.length > 1 && last ? last.p99 / Math.max(1, first.p99) : undefined;
    const comparisons: Comparison[] = peer
      ? [
          { operation: `GET /auth/me vs get-session (${CONNECTIONS.me} connections)`, ours: meMeasured, peer: peer.getSession, target: 8 },
          { operation: `login vs sign-in/email (${CONNECTIONS.login} connections)`, ours: loginMeasured, peer: peer.signIn, target: 3, hashCpuMs: { ours: hashCpuMs, peer: peer.hash.cpuMs } },
          { operation: `rotating refresh vs get-session, updateAge 0 (${CONNECTIONS.refresh} connections)`, ours: refreshMeasured, peer: peer.sessionUpdate, target: 3 },
        ]
      : [];
    const versus = (index: number): number | null => (comparisons[index] ? versusPeer(comparisons[index]) : null);
    const targets = {
      meRatio: target(meRow.ratio, 0.6, 'higher'),
      refreshRatio: target(refreshRow.ratio, 0.5, 'higher'),
      loginRatio: target(loginRow.ratio, 0.8, 'higher'),
      errorsInValidLoad: target(rows.reduce((sum, row) => sum + (row.errors ?? 0), 0), 0, 'lower'),
      servicePeakRssMb: target(serviceRss, 250, 'lower', true),
      sweepP99Growth: target(p99Growth, 1.5, 'lower'),
      meP99UnderLoginStorm: target(storm.p99Ratio, 3, 'lower'),
      meVsPeer: target(versus(0), 8, 'higher'),
      loginVsPeer: target(versus(1), 3, 'higher'),
      refreshVsPeer: target(versus(2), 3, 'higher'),
    };
    const summary = [
      `service peak RSS: ${serviceRss} MB (target < 250)${peer ? `; better-auth's: ${peer.peakRssMb} MB` : ''}`,
      `rotation p99 at ${last?.tableRows.toLocaleString('en')} rows / at ${first?.tableRows.toLocaleString('en')} rows: ${p99Growth?.toFixed(2)} (target ≤ 1.5)`,
      `non-2xx or failed requests in valid-load phases: ${targets.errorsInValidLoad.value} (target 0)`,
      `GET /auth/me p99 on ${STORM_CONNECTIONS.check} connections: ${storm.quiet.p99} ms alone, while ${STORM_CONNECTIONS.login} connections log in ${stormRatioText(storm, plan.measure)} (target ≤ 3)`,
      `argon2id (m=${ARGON2.memoryCost}, t=${ARGON2.timeCost}, p=${ARGON2.parallelism}): ${hashCpuMs} CPU ms per verification`,
      ...(peer ? [peerSummary(peer, plan.measure)] : ['better-auth: not measured (--no-peer)']),
      `database round trips: counted on the wire, one request at a time; the idle instance's own ${roundTrips.backgroundPerSecond}/s taken off`,
    ].join('\n');
    const markdown = [mainTable(rows), ...(peer ? [peerTable(comparisons)] : []), roundTripTable(roundTrips), summary].join('\n\n');
    process.stdout.write(`\n${markdown}\n`);

    const out = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: { cores: availableParallelism(), node: process.version },
      plan,
      connections: { ...CONNECTIONS, storm: STORM_CONNECTIONS },
      rows,
      sweep,
      loginStorm: storm,
      hashCpuMs: { service: hashCpuMs, peer: peer?.hash.cpuMs },
      peer: peer && { ...peer, comparisons },
      roundTrips,
      targets,
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${out.date.replace(/[:.]/g, '-')}-${out.mode}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    writeFileSync(join(resultsDir, `latest-${out.mode}.json`), `${JSON.stringify(out, null, 2)}\n`);
    writeFileSync(join(resultsDir, `latest-${out.mode}.md`), `${markdown}\n`);
    log(`written ${file} (${out.durationSeconds} s)`);
  } finally {
    await stopAll();
    await pool.end();
    await dropDatabase(ADMIN_URL, databaseName);
  }
}

const run = profiled ? () => profilePath({ root, resultsDir, adminUrl: ADMIN_URL, path: profiled as ProfiledPath, timing: quick ? timing : { warmup: 3, measure: 12 }, connections: CONNECTIONS }) : main;
run().catch(async (error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error) : error}`);
  await stopAll();
  process.exit(1);
});
