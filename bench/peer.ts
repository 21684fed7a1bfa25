// The nearest peer, better-auth (bench/peers/better-auth/), measured in the
// same run with the same load generator, connection counts and PostgreSQL
// server (a database of its own), each side with its own defaults.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import type { PeerHashCost, PeerReady } from './peers/protocol.js';
import { createDatabase, dropDatabase } from './fixtures.js';
import { loginStorm, type StormResult } from './login-storm.js';
import { load, log, type Measurement, peakRssMb, type Timing, waitIdle } from './measure.js';
import { stormRatioText } from './report.js';
import { POOL_SIZE, type Service, stop, track } from './service-process.js';

export interface PeerResult {
  version: string;
  hash: PeerHashCost;
  /** GET /api/auth/get-session with a session cookie (default settings: a database read per request). */
  getSession: Measurement;
  /** POST /api/auth/sign-in/email, valid credentials. */
  signIn: Measurement;
  /** get-session with `updateAge: 0`: the session's expiry is written on every request, its token is kept. */
  sessionUpdate: Measurement;
  storm: StormResult;
  /** The larger VmHWM of its two processes (default settings, then `updateAge: 0`). */
  peakRssMb: number | null;
}

export interface PeerPlan {
  timing: Timing;
  connections: { me: number; refresh: number; login: number };
  hashSamples: number;
}

const EMAIL = 'bench@example.test';
const PASSWORD = 'bench password, long enough';

function versionIn(dir: string, name: string): string | undefined {
  const file = join(dir, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
}

/** `npm ci` in the peer's folder unless what its package.json pins is already there. */
export function ensurePeerInstalled(dir: string): void {
  const { dependencies } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  if (Object.entries(dependencies).every(([name, version]) => versionIn(dir, name) === version)) return;
  log('installing the peer: npm ci in bench/peers/better-auth');
  // Its output goes to stderr: stdout carries the results.
  const installed = spawnSync('npm', ['ci'], { cwd: dir, stdio: ['ignore', 2, 2] });
  if (installed.status !== 0) throw new Error(`npm ci in ${dir} failed with ${installed.status ?? installed.signal}`);
}

/** One per run: the session cookies are signed with it, and must stay valid across the peer's restarts. */
const SECRET = randomBytes(32).toString('hex');

function startPeer(dir: string, databaseUrl: string, env: Record<string, string> = {}): Promise<Service> {
  return new Promise((resolve, reject) => {
    const child = track(
      fork(join(dir, 'dist/server.js'), [], {
        cwd: dir,
        env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: SECRET, PG_POOL_MAX: String(POOL_SIZE), ...env },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    child.once('message', (message) => resolve({ base: `http://127.0.0.1:${(message as PeerReady).port}`, child }));
    child.once('exit', (code) => reject(new Error(`the peer exited with ${code}`)));
  });
}

async function signIn(base: string): Promise<string> {
  const reply = await fetch(`${base}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = reply.headers.getSetCookie().find((line) => line.includes('session_token='));
  if (reply.status !== 200 || !cookie) throw new Error(`peer sign-in answered ${reply.status}: ${await reply.text()}`);
  await reply.arrayBuffer();
  return cookie.split(';')[0];
}

/** A 200 whose session is null counts as an error: the check must really have found the session. */
const hasSession = (body: string): boolean => body.includes(EMAIL);

/** Each connection keeps one of the sessions, so that no two connections write the same session row. */
function sessionPerConnection(cookies: string[]): Pick<autocannon.Options, 'setupClient'> {
  let next = 0;
  return { setupClient: (client) => client.setHeaders({ cookie: cookies[next++ % cookies.length] }) };
}

export async function measurePeer(dir: string, adminUrl: string, databaseName: string, plan: PeerPlan): Promise<PeerResult> {
  ensurePeerInstalled(dir);
  const hash = JSON.parse(execFileSync(process.execPath, [join(dir, 'dist/hash-cost.js'), String(plan.hashSamples)], { cwd: dir, encoding: 'utf8' })) as PeerHashCost;
  log(`peer: better-auth ${hash.version}, ${hash.algorithm}: ${hash.cpuMs} CPU ms per verification`);
  const databaseUrl = await createDatabase(adminUrl, databaseName);
  try {
    let peer = await startPeer(dir, databaseUrl);
    const signUp = await fetch(`${peer.base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: peer.base },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: 'Bench' }),
    });
    if (signUp.status !== 200) throw new Error(`peer sign-up answered ${signUp.status}: ${await signUp.text()}`);
    const cookies: string[] = [];
    while (cookies.length < plan.connections.refresh) cookies.push(...(await Promise.all([1, 2, 3, 4].map(() => signIn(peer.base)))));
    const getSession = (base: string): autocannon.Options => ({ url: `${base}/api/auth/get-session`, verifyBody: hasSession });
    const signInLoad = {
      url: `${peer.base}/api/auth/sign-in/email`,
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: peer.base },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    };

    const getSessionRow = await load({ ...getSession(peer.base), headers: { cookie: cookies[0] } }, plan.connections.me, plan.timing, peer.child.pid);
    log(`peer get-session: ${getSessionRow.rps} req/s, p99 ${getSessionRow.p99} ms`);
    const signInRow = await load(signInLoad, plan.connections.login, plan.timing, peer.child.pid);
    log(`peer sign-in: ${signInRow.rps} req/s, p99 ${signInRow.p99} ms`);
    await waitIdle(peer.child.pid);
    // No waiting for the sign-ins still queued: this process is stopped next.
    const storm = await loginStorm({ ...getSession(peer.base), headers: { cookie: cookies[0] } }, signInLoad, plan.timing);
    log(`peer get-session p99: ${storm.quiet.p99} ms alone, during a sign-in storm ${stormRatioText(storm, plan.timing.measure)}`);
    const firstRss = peakRssMb(peer.child.pid);
    await stop(peer.child);

    peer = await startPeer(dir, databaseUrl, { BA_UPDATE_AGE: '0' });
    const sessionUpdate = await load({ ...getSession(peer.base), ...sessionPerConnection(cookies) }, plan.connections.refresh, plan.timing, peer.child.pid);
    log(`peer get-session with updateAge 0: ${sessionUpdate.rps} req/s, p99 ${sessionUpdate.p99} ms`);
    const secondRss = peakRssMb(peer.child.pid);
    await stop(peer.child);
    const peaks = [firstRss, secondRss].filter((rss): rss is number => rss !== null);
    return {
      version: hash.version,
      hash,
      getSession: getSessionRow,
      signIn: signInRow,
      sessionUpdate,
      storm,
      peakRssMb: peaks.length ? Math.max(...peaks) : null,
    };
  } finally {
    await dropDatabase(adminUrl, databaseName);
  }
}
