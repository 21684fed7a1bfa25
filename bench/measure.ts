// What every phase of the benchmark shares: the load generator, the clock of
// a phase, and what /proc says about a process (peak memory, CPU used).
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import autocannon from 'autocannon';

/** One measured phase. */
export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** The server's CPU (all its threads) over the measured run, per request answered. */
  cpuMsPerRequest?: number;
}

/** Seconds of warm-up (not counted) and of measurement, per phase. */
export interface Timing {
  warmup: number;
  measure: number;
}

const started = Date.now();

/** Progress on stderr, with the seconds since the run started: stdout carries the results. */
export const log = (message: string): void => {
  process.stderr.write(`[bench ${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${message}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 10, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export function measurementOf(result: autocannon.Result): Measurement {
  if (result.non2xx + result.errors + result.timeouts + (result.mismatches ?? 0) > 0) {
    const statuses = Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => `${status}: ${count}`);
    log(`  ${result.url}: ${result.non2xx} non-2xx (${statuses.join(', ')}), ${result.errors} errors, ${result.timeouts} timeouts, ${result.mismatches ?? 0} bodies refused`);
  }
  return {
    // Logins run at tens per second: a rounded rate would lose their ratios.
    rps: result.requests.average < 100 ? Math.round(result.requests.average * 10) / 10 : Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts + (result.mismatches ?? 0),
    requests: result.requests.total,
  };
}

/**
 * Warm-up, then the measured run; only the latter counts. `pid`: the
 * server's, for its CPU per request, and to let it finish what the warm-up
 * left in flight first (a password hash runs to its end even when its
 * client is gone), which would otherwise eat into the measured window.
 */
export async function load(options: autocannon.Options, connections: number, timing: Timing, pid?: number): Promise<Measurement> {
  await cannon({ ...options, connections, duration: timing.warmup });
  if (pid !== undefined) await waitIdle(pid);
  const cpuBefore = cpuSeconds(pid);
  const measured = measurementOf(await cannon({ ...options, connections, duration: timing.measure }));
  const cpu = cpuSeconds(pid) - cpuBefore;
  return Number.isFinite(cpu) && measured.requests > 0 ? { ...measured, cpuMsPerRequest: Math.round((cpu * 1e5) / measured.requests) / 100 } : measured;
}

/** Peak resident set size of a process (VmHWM), in MB. */
export function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Linux's clock ticks per second, in which /proc/<pid>/stat counts CPU time. */
const CLOCK_TICKS = 100;

/** User + system CPU seconds of a whole process: every thread (libuv's pool, GC helpers) counts. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Waits until a server has worked off what a load left behind: a password
 * hash whose client went away still runs to its end, and the next phase
 * must not pay for it. Idle means under a tenth of a core over 300 ms.
 */
export async function waitIdle(pid: number | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(300);
    const now = cpuSeconds(pid);
    if (!(now - before > 0.03)) return;
    before = now;
  }
  log(`process ${pid} still busy after ${timeoutMs} ms; going on`);
}
